/**
 * Instance roles for the nodes: what the AWS cloud controller and the EBS CSI driver need on the control plane, and only what kubelet needs on workers, action by action.
 * No `*` action anywhere; resources are `*` only where the EC2 and ELB APIs offer nothing narrower, and the EBS
 * driver's changes carry the tag conditions of its upstream example policy.
 */
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { clusterTag as clusterTagKey } from "./tags";
import type { PolicyStatement } from "./policy";

const DESCRIBE = [
  "ec2:DescribeAvailabilityZones",
  "ec2:DescribeInstances",
  "ec2:DescribeInstanceTopology",
  "ec2:DescribeRegions",
  "ec2:DescribeRouteTables",
  "ec2:DescribeSecurityGroups",
  "ec2:DescribeSubnets",
  "ec2:DescribeVpcs",
];

/** What the EBS CSI controller reads (aws-ebs-csi-driver's docs/example-iam-policy.json). */
const VOLUME_READS = [
  "ec2:DescribeAvailabilityZones",
  "ec2:DescribeInstanceTypes",
  "ec2:DescribeSnapshots",
  "ec2:DescribeTags",
  "ec2:DescribeVolumeStatus",
  "ec2:DescribeVolumes",
  "ec2:DescribeVolumesModifications",
];


/** Tags the EBS CSI driver puts on every volume and snapshot it creates, and which it needs to delete one. */
const DRIVER_VOLUME_TAGS = ["ebs.csi.aws.com/cluster", "CSIVolumeName", "kubernetes.io/created-for/pvc/name"];
const DRIVER_SNAPSHOT_TAGS = ["ebs.csi.aws.com/cluster", "CSIVolumeSnapshotName"];

/**
 * The EBS CSI controller's changes, with the upstream example policy's conditions: it creates volumes and snapshots
 * only carrying its own tags, tags only while creating, and deletes only what carries them, so the control plane
 * cannot delete or take over volumes it did not create (the bastion's, another cluster's, anybody's).
 */
function volumeStatements(partition: string): PolicyStatement[] {
  const arn = (kind: string) => `arn:${partition}:ec2:*:*:${kind}/*`;
  // One statement per tag, as upstream has it: any one of them marks the driver's resource.
  const tagged = (sid: string, Action: string | readonly string[], kind: string, key: "aws:RequestTag" | "ec2:ResourceTag", tags: readonly string[]) =>
    tags.map((tag, i): PolicyStatement => ({
      Sid: `${sid}${i + 1}`,
      Effect: "Allow",
      Action,
      Resource: arn(kind),
      Condition: { StringLike: { [`${key}/${tag}`]: tag === "ebs.csi.aws.com/cluster" ? "true" : "*" } },
    }));
  return [
    { Sid: "VolumesChangeAndSnapshot", Effect: "Allow", Action: ["ec2:CreateSnapshot", "ec2:ModifyVolume"], Resource: arn("volume") },
    { Sid: "VolumesAttach", Effect: "Allow", Action: ["ec2:AttachVolume", "ec2:DetachVolume"], Resource: [arn("volume"), arn("instance")] },
    { Sid: "VolumesFromSnapshots", Effect: "Allow", Action: ["ec2:CreateVolume", "ec2:EnableFastSnapshotRestores"], Resource: arn("snapshot") },
    {
      Sid: "VolumesTagOnCreate",
      Effect: "Allow",
      Action: "ec2:CreateTags",
      Resource: [arn("volume"), arn("snapshot")],
      Condition: { StringEquals: { "ec2:CreateAction": ["CreateVolume", "CreateSnapshot", "CopyVolumes"] } },
    },
    { Sid: "VolumesUntag", Effect: "Allow", Action: "ec2:DeleteTags", Resource: [arn("volume"), arn("snapshot")] },
    // A clone's source volume, whatever its tags (the new volume is covered by the tagged statements below).
    { Sid: "VolumesCopySource", Effect: "Allow", Action: "ec2:CopyVolumes", Resource: `arn:${partition}:ec2:*:*:volume/vol-*` },
    ...tagged("VolumesCreateTagged", ["ec2:CreateVolume", "ec2:CopyVolumes"], "volume", "aws:RequestTag", DRIVER_VOLUME_TAGS.slice(0, 2)),
    ...tagged("VolumesDeleteTagged", "ec2:DeleteVolume", "volume", "ec2:ResourceTag", DRIVER_VOLUME_TAGS),
    ...tagged("SnapshotsCreateTagged", "ec2:CreateSnapshot", "snapshot", "aws:RequestTag", DRIVER_SNAPSHOT_TAGS),
    ...tagged("SnapshotsDeleteTagged", ["ec2:DeleteSnapshot", "ec2:LockSnapshot"], "snapshot", "ec2:ResourceTag", DRIVER_SNAPSHOT_TAGS),
  ];
}

/** The AWS cloud controller manager's control-plane permissions (kubernetes/cloud-provider-aws). */
const CLOUD_CONTROLLER = [
  "autoscaling:DescribeAutoScalingGroups",
  "autoscaling:DescribeLaunchConfigurations",
  "autoscaling:DescribeTags",
  "ec2:AuthorizeSecurityGroupIngress",
  "ec2:CreateRoute",
  "ec2:CreateSecurityGroup",
  "ec2:DeleteRoute",
  "ec2:DeleteSecurityGroup",
  "ec2:ModifyInstanceAttribute",
  "ec2:RevokeSecurityGroupIngress",
  "elasticloadbalancing:AddTags",
  "elasticloadbalancing:ApplySecurityGroupsToLoadBalancer",
  "elasticloadbalancing:AttachLoadBalancerToSubnets",
  "elasticloadbalancing:ConfigureHealthCheck",
  "elasticloadbalancing:CreateListener",
  "elasticloadbalancing:CreateLoadBalancer",
  "elasticloadbalancing:CreateLoadBalancerListeners",
  "elasticloadbalancing:CreateLoadBalancerPolicy",
  "elasticloadbalancing:CreateTargetGroup",
  "elasticloadbalancing:DeleteListener",
  "elasticloadbalancing:DeleteLoadBalancer",
  "elasticloadbalancing:DeleteLoadBalancerListeners",
  "elasticloadbalancing:DeleteTargetGroup",
  "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
  "elasticloadbalancing:DeregisterTargets",
  "elasticloadbalancing:DescribeListeners",
  "elasticloadbalancing:DescribeLoadBalancerAttributes",
  "elasticloadbalancing:DescribeLoadBalancerPolicies",
  "elasticloadbalancing:DescribeLoadBalancers",
  "elasticloadbalancing:DescribeTargetGroups",
  "elasticloadbalancing:DescribeTargetHealth",
  "elasticloadbalancing:DetachLoadBalancerFromSubnets",
  "elasticloadbalancing:ModifyListener",
  "elasticloadbalancing:ModifyLoadBalancerAttributes",
  "elasticloadbalancing:ModifyTargetGroup",
  "elasticloadbalancing:RegisterInstancesWithLoadBalancer",
  "elasticloadbalancing:RegisterTargets",
  "elasticloadbalancing:SetLoadBalancerPoliciesForBackendServer",
  "elasticloadbalancing:SetLoadBalancerPoliciesOfListener",
  "iam:CreateServiceLinkedRole",
  "kms:DescribeKey",
];

/** What kubelet on every node needs (cloud-provider-aws prerequisites): find itself, pull images from ECR. */
const NODE = ["ec2:DescribeInstances", "ec2:DescribeRegions"];

/** Pulling images from ECR, as kubelet does on every node. */
const IMAGE_PULL = [
  "ecr:BatchCheckLayerAvailability",
  "ecr:BatchGetImage",
  "ecr:DescribeRepositories",
  "ecr:GetAuthorizationToken",
  "ecr:GetDownloadUrlForLayer",
  "ecr:GetRepositoryPolicy",
  "ecr:ListImages",
];

export type NodeRole = "control-plane" | "worker";

/** What each node role may do on any resource; the control plane's volume changes come on top, conditioned. */
const ACTIONS: Record<NodeRole, readonly string[]> = {
  "control-plane": [...DESCRIBE, ...VOLUME_READS, ...CLOUD_CONTROLLER, ...IMAGE_PULL],
  // Workers may run tenant workloads and machine-controller does not enforce IMDSv2 on them, so they get
  // nothing that changes anything: the EBS CSI controller runs on the control plane (KubeOne pins it there).
  worker: [...NODE, ...IMAGE_PULL],
};

/**
 * The cloud controller's tags on the security groups of the load balancers it creates: set while creating them, and
 * changed later only on groups of its own cluster (`kubernetes.io/cluster/<cluster>`).
 */
function securityGroupTagStatements(partition: string, clusterName: string): PolicyStatement[] {
  const groups = `arn:${partition}:ec2:*:*:security-group/*`;
  return [
    { Sid: "SecurityGroupsTagOnCreate", Effect: "Allow", Action: "ec2:CreateTags", Resource: groups, Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" } } },
    { Sid: "SecurityGroupsRetagOwn", Effect: "Allow", Action: "ec2:CreateTags", Resource: groups, Condition: { StringLike: { [`aws:ResourceTag/${clusterTagKey(clusterName)}`]: "*" } } },
  ];
}

/** A node role's policy statements: its actions on any resource, and for the control plane the conditioned ones. */
export function nodeRoleStatements(role: NodeRole, partition: string, clusterName: string): PolicyStatement[] {
  return [
    { Effect: "Allow", Action: [...new Set(ACTIONS[role])].sort(), Resource: "*" },
    ...(role === "control-plane" ? [...securityGroupTagStatements(partition, clusterName), ...volumeStatements(partition)] : []),
  ];
}

/** The node and bastion roles' (and instance profiles') names of a cluster: what its environment's apply role may manage by name. */
export function nodeRoleNames(clusterName: string): string[] {
  return [...(Object.keys(ACTIONS) as NodeRole[]).map((role) => nodeRoleName(clusterName, role)), bastionRoleName(clusterName)];
}

export function bastionRoleName(clusterName: string): string {
  return `${clusterName}-bastion`;
}

/**
 * What the bastion's SSM agent calls for Session Manager: AWS's AmazonSSMManagedInstanceCore without its parameter
 * reads (a bastion has no business reading the account's SSM parameters).
 */
const SESSION_MANAGER_AGENT = [
  "ec2messages:AcknowledgeMessage",
  "ec2messages:DeleteMessage",
  "ec2messages:FailMessage",
  "ec2messages:GetEndpoint",
  "ec2messages:GetMessages",
  "ec2messages:SendReply",
  "ssm:DescribeAssociation",
  "ssm:DescribeDocument",
  "ssm:GetDeployablePatchSnapshotForInstance",
  "ssm:GetDocument",
  "ssm:GetManifest",
  "ssm:ListAssociations",
  "ssm:ListInstanceAssociations",
  "ssm:PutComplianceItems",
  "ssm:PutConfigurePackageResult",
  "ssm:PutInventory",
  "ssm:UpdateAssociationStatus",
  "ssm:UpdateInstanceAssociationStatus",
  "ssm:UpdateInstanceInformation",
  "ssmmessages:CreateControlChannel",
  "ssmmessages:CreateDataChannel",
  "ssmmessages:OpenControlChannel",
  "ssmmessages:OpenDataChannel",
];

/**
 * The most any node or bastion role may ever do: the permissions boundary the identity stack defines and every such
 * role carries, so an apply identity that writes their policies cannot grant more through them.
 */
export function nodeBoundaryActions(): string[] {
  const conditioned = [...securityGroupTagStatements("aws", ""), ...volumeStatements("aws")].flatMap((statement) => [statement.Action].flat());
  return [...new Set([...Object.values(ACTIONS).flat(), ...conditioned, ...SESSION_MANAGER_AGENT])].sort();
}

export function nodeRoleName(clusterName: string, role: NodeRole): string {
  return `${clusterName}-${role}`;
}

export interface NodeInstanceProfileProps {
  readonly clusterName: string;
  readonly role: NodeRole;
  /** The AWS partition of the cluster's region (`aws`, `aws-cn`, `aws-us-gov`), for resource ARNs. */
  readonly partition: string;
  /** The identity stack's permissions boundary, where there is one (OIDC credentials). */
  readonly permissionsBoundary?: string;
}

/** An EC2 instance profile whose role carries exactly the permissions its nodes need. */
export class NodeInstanceProfile extends Construct {
  readonly name: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: NodeInstanceProfileProps) {
    super(scope, id);
    const profile = instanceProfile(this, {
      name: nodeRoleName(props.clusterName, props.role),
      policyId: "policy",
      statements: nodeRoleStatements(props.role, props.partition, props.clusterName),
      permissionsBoundary: props.permissionsBoundary,
    });
    this.name = profile.name;
    this.arn = profile.arn;
  }
}

/**
 * An EC2 instance profile named `name`, whose role (same name, under `permissionsBoundary` where given) has one inline
 * policy of `statements`.
 */
function instanceProfile(
  scope: Construct,
  props: { readonly name: string; readonly policyId: string; readonly statements: readonly PolicyStatement[]; readonly permissionsBoundary?: string },
): IamInstanceProfile {
  const { name } = props;
  const role = new IamRole(scope, "role", {
    name,
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    }),
    ...(props.permissionsBoundary ? { permissionsBoundary: props.permissionsBoundary } : {}),
  });
  new IamRolePolicy(scope, props.policyId, {
    name,
    role: role.id,
    policy: JSON.stringify({ Version: "2012-10-17", Statement: props.statements }),
  });
  return new IamInstanceProfile(scope, "profile", { name, role: role.name });
}

/** The bastion's instance profile: only what its SSM agent needs, so the pipeline's tunnel reaches it without SSH from outside. */
export class BastionInstanceProfile extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: { readonly clusterName: string; readonly permissionsBoundary?: string }) {
    super(scope, id);
    this.name = instanceProfile(this, {
      name: bastionRoleName(props.clusterName),
      policyId: "session-manager",
      statements: [{ Effect: "Allow", Action: SESSION_MANAGER_AGENT, Resource: "*" }],
      permissionsBoundary: props.permissionsBoundary,
    }).name;
  }
}
