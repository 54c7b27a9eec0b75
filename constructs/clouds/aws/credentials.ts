/**
 * The long-lived AWS credentials that outlive a pipeline run, with the least they need, defined by the identity
 * stack so nobody hand-writes them:
 * - **KubeOne's**, one IAM user per environment (`KUBEONE_CREDENTIALS`): KubeOne hands the keys to machine-controller,
 *   the only consumer on AWS (the cloud controller and the EBS driver run with the control plane's instance profile).
 *   machine-controller 1.66 calls EC2 only: it starts workers with the worker instance profile and its tags, and
 *   terminates them. So the user may start instances only carrying the worker tag, tag only while starting, end only
 *   instances carrying it (never the control plane or the bastion), and pass only the worker role.
 * - **the KKP Preset's** (`KKP_PRESET_AWS_*`), a managed policy from KKP 2.31's recommended Preset policy, its IAM
 *   rights narrowed to the `kubernetes-` roles and instance profiles KKP creates per user cluster. That is still
 *   admin-equivalent in its account (it may create such a role with any trust and inline policy, and assume it), so
 *   user clusters belong in another account; the policy's JSON is an output to create it there.
 * The access keys are created by an admin (`aws iam create-access-key`), never by Terraform, so no state holds them.
 */
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamUser } from "@cdktf/provider-aws/lib/iam-user";
import { IamUserPolicy } from "@cdktf/provider-aws/lib/iam-user-policy";
import { Construct } from "constructs";
import type { EnvironmentConfig, KkpConfig } from "../../../config/settings/resolve";
import { TerraformOutput } from "../../core/cdktf";
import { nodeRoleName } from "./iam";
import { CLUSTER_OWNER_TAG, workerPoolTag } from "./tags";
import { awsPartition } from "./identity-names";
import { policyDocument, type PolicyDocument } from "./policy";
import { hardenedBucket } from "./state-store";

type Named = Pick<KkpConfig, "name" | "installationHash">;
type Account = { readonly accountId: string; readonly region: string };

/** `<name>-<env>-kubeone-<hash>`: at most 43 characters, within IAM's 64. */
export function kubeoneUserName(config: Named, env: string): string {
  return `${config.name}-${env}-kubeone-${config.installationHash}`;
}

/** `<name>-preset-<hash>`. */
export function presetPolicyName(config: Named): string {
  return `${config.name}-preset-${config.installationHash}`;
}

/** What machine-controller reads before it starts a worker (its AWS provider's Describe calls). */
const MACHINE_CONTROLLER_READS = [
  "ec2:DescribeAvailabilityZones",
  "ec2:DescribeImages",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeInstances",
  "ec2:DescribeRegions",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeVpcAttribute",
  "ec2:DescribeVpcs",
];

/**
 * The KubeOne credentials of one environment: its cluster's workers, and nothing of any other machine or network.
 * `existingVpcId`: with an existing VPC, whose subnets are not the cluster stack's, subnets are admitted by VPC.
 */
export function kubeonePolicy(account: Account, env: Pick<EnvironmentConfig, "clusterName" | "etcdBackupBucket">, existingVpcId?: string): PolicyDocument {
  const partition = awsPartition(account.region);
  const arn = (kind: string) => `arn:${partition}:ec2:${account.region}:${account.accountId}:${kind}/*`;
  const instances = arn("instance");
  const workerTag = workerPoolTag(env.clusterName);
  const ownedByCluster = { StringEquals: { [`aws:ResourceTag/${CLUSTER_OWNER_TAG}`]: env.clusterName } };
  return policyDocument([
    { Sid: "Read", Effect: "Allow", Action: MACHINE_CONTROLLER_READS, Resource: "*" },
    // RunInstances also authorizes every resource it uses. Only the instance carries request tags, so the worker tag
    // is required there; the network it joins must be its own cluster's; what it creates with it (its interface and
    // root volume) and the image are not tagged yet, or not the cluster's.
    { Sid: "StartWorkersTagged", Effect: "Allow", Action: "ec2:RunInstances", Resource: instances, Condition: { StringLike: { [`aws:RequestTag/${workerTag}`]: "*" } } },
    { Sid: "StartWorkersInOwnSecurityGroups", Effect: "Allow", Action: "ec2:RunInstances", Resource: arn("security-group"), Condition: ownedByCluster },
    {
      Sid: "StartWorkersInOwnSubnets",
      Effect: "Allow",
      Action: "ec2:RunInstances",
      Resource: arn("subnet"),
      Condition: existingVpcId ? { StringEquals: { "ec2:Vpc": `arn:${partition}:ec2:${account.region}:${account.accountId}:vpc/${existingVpcId}` } } : ownedByCluster,
    },
    {
      Sid: "StartWorkersCreating",
      Effect: "Allow",
      Action: "ec2:RunInstances",
      Resource: [arn("network-interface"), arn("volume"), `arn:${partition}:ec2:${account.region}::image/*`],
    },
    { Sid: "TagWhileStarting", Effect: "Allow", Action: "ec2:CreateTags", Resource: instances, Condition: { StringEquals: { "ec2:CreateAction": "RunInstances" } } },
    // machine-controller also re-tags its own instances (a Machine's UID after a move).
    {
      Sid: "ManageOwnWorkers",
      Effect: "Allow",
      Action: ["ec2:CreateTags", "ec2:TerminateInstances"],
      Resource: instances,
      Condition: { StringLike: { [`aws:ResourceTag/${workerTag}`]: "*" } },
    },
    {
      Sid: "PassWorkerRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: `arn:${partition}:iam::${account.accountId}:role/${nodeRoleName(env.clusterName, "worker")}`,
      Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
    },
    // KubeOne's backups-restic addon uploads with these keys: restic lists, reads, writes and prunes its repository.
    ...(env.etcdBackupBucket ? bucketObjectStatements(env.etcdBackupBucket, partition) : []),
  ]);
}

/** An environment's etcd backup bucket, hardened like the state bucket; pruned snapshots' versions go after 14 days. */
class EtcdBackupBucket extends Construct {
  constructor(scope: Construct, id: string, bucketName: string) {
    super(scope, id);
    hardenedBucket(this, { bucketName, oldVersions: { ruleId: "expire-pruned-backups", days: 14 } });
  }
}

/** KKP's own resource prefix for what it creates per user cluster (pkg/provider/cloud/aws, `kubernetes-`). */
const KKP_USER_CLUSTER_PREFIX = "kubernetes-";

/** The Preset's credentials: KKP 2.31's recommended policy, its IAM part limited to KKP's user-cluster roles and profiles. */
export function presetPolicy(account: Account, userClusterAccountId = account.accountId): PolicyDocument {
  const iam = (kind: string) => `arn:${awsPartition(account.region)}:iam::${userClusterAccountId}:${kind}/${KKP_USER_CLUSTER_PREFIX}*`;
  return policyDocument([
    {
      Sid: "UserClusterInstanceProfiles",
      Effect: "Allow",
      Action: ["iam:AddRoleToInstanceProfile", "iam:CreateInstanceProfile", "iam:DeleteInstanceProfile", "iam:GetInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile"],
      Resource: iam("instance-profile"),
    },
    {
      Sid: "UserClusterRoles",
      Effect: "Allow",
      Action: [
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:GetRole",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:PutRolePolicy",
        "iam:TagRole",
      ],
      Resource: iam("role"),
    },
    // To EC2 only: the workers' instance profiles.
    { Sid: "PassUserClusterRoles", Effect: "Allow", Action: "iam:PassRole", Resource: iam("role"), Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } },
    {
      Sid: "UserClusterMachines",
      Effect: "Allow",
      Action: [
        "ec2:AuthorizeSecurityGroupIngress",
        "ec2:CancelSpotInstanceRequests",
        "ec2:CreateSecurityGroup",
        "ec2:CreateTags",
        "ec2:DeleteSecurityGroup",
        "ec2:DeleteTags",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeImages",
        "ec2:DescribeInstanceTypeOfferings",
        "ec2:DescribeInstanceTypes",
        "ec2:DescribeInstances",
        "ec2:DescribeRegions",
        "ec2:DescribeRouteTables",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeVpcs",
        "ec2:RunInstances",
        "ec2:TerminateInstances",
      ],
      Resource: "*",
    },
  ]);
}

export interface AwsClusterCredentialsProps {
  readonly config: KkpConfig;
  readonly account: Account;
  /** The existing VPC the clusters run in, if they do not create their own. */
  readonly existingVpcId?: string;
}

/** The KubeOne users (one per environment) and the Preset's policy, with outputs naming them. */
export class AwsClusterCredentials extends Construct {
  private readonly region: string;

  constructor(scope: Construct, id: string, props: AwsClusterCredentialsProps) {
    super(scope, id);
    const { config, account } = props;
    this.region = account.region;
    for (const env of config.environments) {
      const name = kubeoneUserName(config, env.name);
      const user = new IamUser(this, `kubeone-${env.name}`, { name, path: "/kkp/" });
      new IamUserPolicy(this, `kubeone-${env.name}-policy`, { name, user: user.name, policy: JSON.stringify(kubeonePolicy(account, env, props.existingVpcId)) });
      const output = new TerraformOutput(this, `kubeone-${env.name}-user`, {
        value: name,
        description: `IAM user whose access key goes into KUBEONE_CREDENTIALS of ${env.name}: aws iam create-access-key --user-name ${name}`,
      });
      output.overrideLogicalId(`kubeone_user_${env.name.replace(/-/g, "_")}`);
      if (env.etcdBackupBucket) new EtcdBackupBucket(this, `etcd-backups-${env.name}`, env.etcdBackupBucket);
      if (env.userClusterBackupBucket) this.userClusterBackups(config, env, env.userClusterBackupBucket);
    }
    const preset = presetPolicy(account);
    new IamPolicy(this, "kkp-preset", {
      name: presetPolicyName(config),
      description: "kkp: what the KKP Preset's credentials need to create user clusters in this account",
      policy: JSON.stringify(preset),
    });
    const output = new TerraformOutput(this, "kkp-preset-policy", {
      value: JSON.stringify(preset),
      description: "The Preset's policy (also the managed policy <name>-preset-<hash>): attach it to the user whose keys are KKP_PRESET_AWS_*; for user clusters in another account, create it there with that account's ID",
    });
    output.overrideLogicalId("kkp_preset_policy");
  }

  /**
   * The bucket the Seed backs KKP's user clusters' etcd up to, and the IAM user whose key KKP writes with
   * (KKP_USER_CLUSTER_BACKUP_*): that bucket only, created by an admin like the KubeOne key.
   */
  private userClusterBackups(config: KkpConfig, env: EnvironmentConfig, bucket: string): void {
    new EtcdBackupBucket(this, `user-cluster-backups-${env.name}`, bucket);
    const name = userClusterBackupUserName(config, env.name);
    const user = new IamUser(this, `user-cluster-backups-${env.name}-user`, { name, path: "/kkp/" });
    const policy = policyDocument(bucketObjectStatements(bucket, awsPartition(this.region)));
    new IamUserPolicy(this, `user-cluster-backups-${env.name}-policy`, { name, user: user.name, policy: JSON.stringify(policy) });
    const output = new TerraformOutput(this, `user-cluster-backups-${env.name}-output`, {
      value: name,
      description: `IAM user whose access key goes into KKP_USER_CLUSTER_BACKUP_ACCESS_KEY_ID/_SECRET_ACCESS_KEY of ${env.name}: aws iam create-access-key --user-name ${name}`,
    });
    output.overrideLogicalId(`user_cluster_backups_user_${env.name.replace(/-/g, "_")}`);
  }
}

/** `<name>-<env>-backups-<hash>`: at most 43 characters. */
export function userClusterBackupUserName(config: Named, env: string): string {
  return `${config.name}-${env}-backups-${config.installationHash}`;
}

/** Listing, reading, writing and deleting the objects of one bucket: all a backup client (restic, KKP's) needs. */
function bucketObjectStatements(bucket: string, partition: string) {
  return [
    { Sid: "ListBackupBucket", Effect: "Allow" as const, Action: ["s3:GetBucketLocation", "s3:ListBucket"], Resource: `arn:${partition}:s3:::${bucket}` },
    { Sid: "BackupObjects", Effect: "Allow" as const, Action: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], Resource: `arn:${partition}:s3:::${bucket}/*` },
  ];
}
