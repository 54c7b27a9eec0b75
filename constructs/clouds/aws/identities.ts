/**
 * The pipeline's AWS identities, which an admin deploys once (the identity stack) before the CI stack:
 * - the IAM OIDC provider of the CI system's issuer, admitting the audience its tokens carry;
 * - a **plan role**, trusted for the `sub` values of change requests and plans on main: read-only access to the
 *   infrastructure, read access to the state of the state, cluster and DNS stacks, lock writes; never the CI or
 *   identity stack's state (an explicit deny);
 * - an **apply role per environment**, trusted only for deployments to that environment: its own states, its
 *   cluster's IAM roles by name (their policies only under the nodes' permissions boundary, which this stack
 *   defines), the DNS zone by ID, EC2 and load balancers, with deletions and changes to existing machines, networks
 *   and load balancers limited to resources tagged with its cluster (the cluster and DNS stacks' default tag
 *   `kkp.k8c.io/cluster`). None may change the state bucket's settings: they stay an admin's.
 * The policies are pure functions, so the policy tests read exactly what Terraform receives.
 */
import { DataAwsIamOpenidConnectProvider } from "@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider";
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import type { EnvironmentConfig, KkpConfig } from "../../../config/settings/resolve";
import { TerraformOutput } from "../../core/cdktf";
import { ADMIN_STATE_KEYS, stateKeys } from "../../core/names";
import type { PipelineIdentity } from "../../core/pipeline-model";
import type { CiOidcTrust } from "../../targets/oidc";
import { nodeBoundaryActions, nodeRoleNames } from "./iam";
import { PORT_FORWARDING_DOCUMENT } from "./tunnel";
import { awsPartition, nodeBoundaryArn, nodeBoundaryName, pipelineRoleArn, pipelineRoleName } from "./identity-names";
import { AWS_OIDC_AUDIENCE } from "./login";
import type { PolicyDocument, PolicyStatement } from "./policy";
import type { AwsCloudSettings } from "./schema";
import { CLUSTER_OWNER_TAG } from "./tags";



/** What the policies need to know about an installation. */
export interface AwsIdentityFacts {
  readonly config: Pick<KkpConfig, "name" | "installationHash" | "environments" | "state">;
  readonly accountId: string;
  readonly region: string;
  readonly trust: CiOidcTrust;
  /** The Route53 zone's ID (a Terraform reference in the stack). */
  readonly hostedZoneId: string;
}

/** `token.actions.githubusercontent.com`: the issuer without its scheme, as IAM names the provider and its condition keys. */
export function issuerHost(issuer: string): string {
  return issuer.replace(/^https:\/\//, "");
}

export function oidcProviderArn(facts: Pick<AwsIdentityFacts, "accountId" | "region" | "trust">): string {
  return `arn:${awsPartition(facts.region)}:iam::${facts.accountId}:oidc-provider/${issuerHost(facts.trust.issuer)}`;
}

/** The audience the tokens carry: the CI system's own where it fixes one (Bitbucket), else STS's. */
export function awsAudience(trust: CiOidcTrust): string {
  return trust.fixedAudience ?? AWS_OIDC_AUDIENCE;
}

/** Who may assume the identity's role: the CI system's tokens for this audience and these subjects, nothing else. */
export function trustPolicy(facts: Pick<AwsIdentityFacts, "accountId" | "region" | "trust">, identity: PipelineIdentity): PolicyDocument {
  const host = issuerHost(facts.trust.issuer);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "PipelineTokens",
        Effect: "Allow",
        Principal: { Federated: oidcProviderArn(facts) },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [`${host}:aud`]: awsAudience(facts.trust) },
          StringLike: { [`${host}:sub`]: [...facts.trust.subjects(identity)] },
        },
      },
    ],
  };
}

/** Reads `terraform plan` makes of the cluster and DNS stacks, action by action; nothing that reads data. */
const READ_INFRASTRUCTURE = [
  "ec2:Describe*",
  "elasticloadbalancing:Describe*",
  "iam:GetInstanceProfile",
  "iam:GetRole",
  "iam:GetRolePolicy",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
  "iam:ListRolePolicies",
  "route53:GetChange",
  "route53:GetHostedZone",
  "route53:ListHostedZones",
  "route53:ListHostedZonesByName",
  "route53:ListResourceRecordSets",
  "route53:ListTagsForResource",
  "sts:GetCallerIdentity",
];

/** The state bucket's own settings, which the state stack's plan reads. */
const READ_BUCKET = [
  "s3:GetAccelerateConfiguration",
  "s3:GetBucket*",
  "s3:GetEncryptionConfiguration",
  "s3:GetLifecycleConfiguration",
  "s3:GetReplicationConfiguration",
  "s3:ListBucket",
];

const LOCK_TABLE_READ = ["dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource"];
const LOCK_TABLE_WRITE = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"];

function bucketArn(facts: AwsIdentityFacts): string {
  return `arn:${awsPartition(facts.region)}:s3:::${facts.config.state.bucketName}`;
}

function lockTableArn(facts: AwsIdentityFacts): string {
  return `arn:${awsPartition(facts.region)}:dynamodb:${facts.region}:${facts.accountId}:table/${facts.config.state.bucketName}-lock`;
}

/** The state objects the pipeline plans: the state stack's and every environment's cluster and DNS stacks'. */
function plannedStateKeys(facts: AwsIdentityFacts): string[] {
  return [stateKeys.state, ...facts.config.environments.flatMap((env) => [stateKeys.cluster(env.name), stateKeys.dns(env.name)])];
}

function stateObjects(facts: AwsIdentityFacts, keys: readonly string[], suffix: string): string[] {
  return keys.map((key) => `${bucketArn(facts)}/${key}${suffix}`);
}

/** No pipeline identity reads or writes the admin-only states, whatever else allows it. */
function denyAdminStates(facts: AwsIdentityFacts): PolicyStatement {
  return { Sid: "NeverTheAdminStates", Effect: "Deny", Action: "s3:*", Resource: stateObjects(facts, ADMIN_STATE_KEYS, ".tfstate*") };
}

function lockTableStatements(facts: AwsIdentityFacts): PolicyStatement[] {
  if (facts.config.state.locking !== "dynamodb") return [];
  return [{ Sid: "LockTable", Effect: "Allow", Action: [...LOCK_TABLE_READ, ...LOCK_TABLE_WRITE], Resource: lockTableArn(facts) }];
}

/** The plan role's permissions: read the infrastructure and the planned states, take and release their locks. */
export function planPolicy(facts: AwsIdentityFacts): PolicyDocument {
  const keys = plannedStateKeys(facts);
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadInfrastructure", Effect: "Allow", Action: READ_INFRASTRUCTURE, Resource: "*" },
      { Sid: "ReadStateBucket", Effect: "Allow", Action: READ_BUCKET, Resource: bucketArn(facts) },
      { Sid: "ReadPlannedStates", Effect: "Allow", Action: "s3:GetObject", Resource: stateObjects(facts, keys, ".tfstate") },
      ...(facts.config.state.locking === "lockfile"
        ? [{ Sid: "LockPlannedStates", Effect: "Allow" as const, Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], Resource: stateObjects(facts, keys, ".tfstate.tflock") }]
        : lockTableStatements(facts)),
      denyAdminStates(facts),
    ],
  };
}

/** EC2 actions that create resources, or change the resources they name only through new ones: resource `*`. */
const EC2_CREATE = [
  "ec2:AllocateAddress",
  "ec2:CreateInternetGateway",
  "ec2:CreateNatGateway",
  "ec2:CreateRouteTable",
  "ec2:CreateSecurityGroup",
  "ec2:CreateSubnet",
  "ec2:CreateVpc",
  "ec2:ImportKeyPair",
  "ec2:RunInstances",
];

/** EC2 actions on existing resources, allowed only on resources tagged with the environment's cluster. */
const EC2_CHANGE_OWNED = [
  // An instance profile given to an existing machine (the bastion's, for Session Manager), changed or removed.
  "ec2:AssociateIamInstanceProfile",
  "ec2:AssociateRouteTable",
  "ec2:AttachInternetGateway",
  "ec2:AuthorizeSecurityGroupEgress",
  "ec2:AuthorizeSecurityGroupIngress",
  "ec2:CreateRoute",
  "ec2:DeleteInternetGateway",
  "ec2:DeleteKeyPair",
  "ec2:DeleteNatGateway",
  "ec2:DeleteRoute",
  "ec2:DeleteRouteTable",
  "ec2:DeleteSecurityGroup",
  "ec2:DeleteSubnet",
  "ec2:DeleteTags",
  "ec2:DeleteVpc",
  "ec2:DetachInternetGateway",
  "ec2:DisassociateAddress",
  "ec2:DisassociateIamInstanceProfile",
  "ec2:DisassociateRouteTable",
  "ec2:ModifyInstanceAttribute",
  "ec2:ModifyInstanceMetadataOptions",
  "ec2:ModifySecurityGroupRules",
  "ec2:ModifySubnetAttribute",
  "ec2:ModifyVpcAttribute",
  "ec2:ReleaseAddress",
  "ec2:ReplaceIamInstanceProfileAssociation",
  "ec2:ReplaceRoute",
  "ec2:RevokeSecurityGroupEgress",
  "ec2:RevokeSecurityGroupIngress",
  "ec2:StartInstances",
  "ec2:StopInstances",
  "ec2:TerminateInstances",
  "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
  "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
];

const ELB_CREATE = ["elasticloadbalancing:CreateListener", "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"];

const ELB_CHANGE_OWNED = [
  "elasticloadbalancing:AddTags",
  "elasticloadbalancing:DeleteListener",
  "elasticloadbalancing:DeleteLoadBalancer",
  "elasticloadbalancing:DeleteTargetGroup",
  "elasticloadbalancing:DeregisterTargets",
  "elasticloadbalancing:ModifyListener",
  "elasticloadbalancing:ModifyLoadBalancerAttributes",
  "elasticloadbalancing:ModifyTargetGroup",
  "elasticloadbalancing:ModifyTargetGroupAttributes",
  "elasticloadbalancing:RegisterTargets",
  "elasticloadbalancing:RemoveTags",
  "elasticloadbalancing:SetSecurityGroups",
  "elasticloadbalancing:SetSubnets",
];

/** The node roles' lifecycle; what a role may do is written only under the boundary (`IAM_NODE_ROLE_POLICIES`). */
const IAM_NODE_ROLES = [
  "iam:AddRoleToInstanceProfile",
  "iam:CreateInstanceProfile",
  "iam:DeleteInstanceProfile",
  "iam:DeleteRole",
  "iam:RemoveRoleFromInstanceProfile",
  "iam:TagInstanceProfile",
  "iam:TagRole",
  "iam:UntagInstanceProfile",
  "iam:UntagRole",
];

/**
 * Creating a node role and writing its policies, only with the identity stack's permissions boundary on it: an apply
 * identity that writes a node role's policy cannot make the role (and the machines it passes it to) more than a node.
 * No trust policy changes, no boundary removal.
 */
const IAM_NODE_ROLE_POLICIES = ["iam:CreateRole", "iam:DeleteRolePolicy", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"];

/** The most any node or bastion role may do: what the node roles and the bastion's SSM agent need. */
export function nodeBoundaryPolicy(): PolicyDocument {
  return { Version: "2012-10-17", Statement: [{ Sid: "NodesAtMost", Effect: "Allow", Action: nodeBoundaryActions(), Resource: "*" }] };
}

/** An environment's apply role: its stacks' resources, scoped by name, ID or its cluster's tag where AWS allows. */
export function applyPolicy(facts: AwsIdentityFacts, env: EnvironmentConfig): PolicyDocument {
  const partition = awsPartition(facts.region);
  const owned = { StringEquals: { [`aws:ResourceTag/${CLUSTER_OWNER_TAG}`]: env.clusterName } };
  const iam = (kind: "role" | "instance-profile") => nodeRoleNames(env.clusterName).map((name) => `arn:${partition}:iam::${facts.accountId}:${kind}/${name}`);
  const ownStates = [stateKeys.cluster(env.name), stateKeys.dns(env.name), ...(env.index === 0 ? [stateKeys.state] : [])];
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadInfrastructure", Effect: "Allow", Action: READ_INFRASTRUCTURE, Resource: "*" },
      { Sid: "ReadStateBucket", Effect: "Allow", Action: READ_BUCKET, Resource: bucketArn(facts) },
      {
        Sid: "OwnStates",
        Effect: "Allow",
        Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        Resource: [...stateObjects(facts, ownStates, ".tfstate"), ...stateObjects(facts, ownStates, ".tfstate.tflock")],
      },
      // The state bucket's own settings stay an admin's (npm run state:bootstrap): no pipeline identity changes them.
      ...lockTableStatements(facts),
      { Sid: "CreateNetworkAndMachines", Effect: "Allow", Action: [...EC2_CREATE, ...ELB_CREATE], Resource: "*" },
      // Tags only as part of creating a resource: a tag added later could claim another cluster's resource.
      { Sid: "TagOnCreate", Effect: "Allow", Action: "ec2:CreateTags", Resource: "*", Condition: { Null: { "ec2:CreateAction": "false" } } },
      { Sid: "ChangeOwnResources", Effect: "Allow", Action: [...EC2_CHANGE_OWNED, "ec2:CreateTags", ...ELB_CHANGE_OWNED], Resource: "*", Condition: owned },
      { Sid: "NodeRoles", Effect: "Allow", Action: IAM_NODE_ROLES, Resource: [...iam("role"), ...iam("instance-profile")] },
      {
        Sid: "NodeRolePoliciesUnderTheBoundary",
        Effect: "Allow",
        Action: IAM_NODE_ROLE_POLICIES,
        Resource: iam("role"),
        Condition: { StringEquals: { "iam:PermissionsBoundary": nodeBoundaryArn(facts.config, facts) } },
      },
      { Sid: "PassNodeRoles", Effect: "Allow", Action: "iam:PassRole", Resource: iam("role"), Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } },
      {
        Sid: "LoadBalancerServiceRole",
        Effect: "Allow",
        Action: "iam:CreateServiceLinkedRole",
        Resource: "*",
        Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
      },
      { Sid: "Records", Effect: "Allow", Action: ["route53:ChangeResourceRecordSets"], Resource: `arn:${partition}:route53:::hostedzone/${facts.hostedZoneId}` },
      // The tunnel to the bastion: port forwarding only, to instances of its own cluster.
      {
        Sid: "TunnelToOwnBastion",
        Effect: "Allow",
        Action: "ssm:StartSession",
        Resource: `arn:${partition}:ec2:${facts.region}:${facts.accountId}:instance/*`,
        Condition: { StringEquals: { [`ssm:resourceTag/${CLUSTER_OWNER_TAG}`]: env.clusterName }, BoolIfExists: { "ssm:SessionDocumentAccessCheck": "true" } },
      },
      { Sid: "TunnelDocument", Effect: "Allow", Action: "ssm:StartSession", Resource: `arn:${partition}:ssm:${facts.region}::document/${PORT_FORWARDING_DOCUMENT}` },
      denyAdminStates(facts),
    ],
  };
}

export interface AwsPipelineIdentitiesProps {
  readonly config: KkpConfig;
  readonly settings: AwsCloudSettings & { readonly accountId: string };
  readonly trust: CiOidcTrust;
}

/** The OIDC provider (or the account's existing one), the plan role and one apply role per environment. */
export class AwsPipelineIdentities extends Construct {
  constructor(scope: Construct, id: string, props: AwsPipelineIdentitiesProps) {
    super(scope, id);
    const { config, settings, trust } = props;
    const audience = awsAudience(trust);
    const url = trust.issuer;
    const provider = settings.oidcProviderExists
      ? new DataAwsIamOpenidConnectProvider(this, "oidc-provider", {
          url,
          lifecycle: {
            postcondition: [
              {
                condition: `\${contains(self.client_id_list, "${audience}")}`,
                errorMessage: `The account's OIDC provider for ${url} does not admit the audience ${audience}; add it to the provider's audiences (client IDs).`,
              },
            ],
          },
        })
      : new IamOpenidConnectProvider(this, "oidc-provider", { url, clientIdList: [audience] });
    const zone = new DataAwsRoute53Zone(this, "zone", { name: config.dns.zone, privateZone: false });
    new IamPolicy(this, "nodes-boundary", {
      name: nodeBoundaryName(config),
      description: "kkp: the most a node or bastion role may do (their permissions boundary)",
      policy: JSON.stringify(nodeBoundaryPolicy()),
    });
    const facts: AwsIdentityFacts = { config, accountId: settings.accountId, region: settings.region, trust, hostedZoneId: zone.zoneId };

    const role = (roleId: string, identity: PipelineIdentity, description: string, policy: PolicyDocument) => {
      const name = pipelineRoleName(config, identity);
      const created = new IamRole(this, roleId, {
        name,
        description,
        assumeRolePolicy: JSON.stringify(trustPolicy(facts, identity)),
        maxSessionDuration: 3600,
        dependsOn: [provider],
      });
      new IamRolePolicy(this, `${roleId}-policy`, { name, role: created.id, policy: JSON.stringify(policy) });
      const output = new TerraformOutput(this, `${roleId}-arn`, { value: pipelineRoleArn(config, settings, identity), description });
      output.overrideLogicalId(`${roleId.replace(/-/g, "_")}_arn`);
    };
    role("plan-role", { kind: "plan" }, "kkp pipeline: read-only plans of change requests and main", planPolicy(facts));
    for (const env of config.environments) {
      role(`apply-role-${env.name}`, { kind: "apply", env: env.name }, `kkp pipeline: deployments to ${env.name}`, applyPolicy(facts, env));
    }
  }
}
