/**
 * The KKP master cluster's infrastructure on AWS, shaped like KubeOne's reference example: control-plane
 * instances in private subnets across zones, an NLB for the API, an optional bastion, and the KubeOne outputs.
 */
import { DataAwsAmi } from "@cdktf/provider-aws/lib/data-aws-ami";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { KeyPair } from "@cdktf/provider-aws/lib/key-pair";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcSecurityGroupEgressRule } from "@cdktf/provider-aws/lib/vpc-security-group-egress-rule";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";
import type { AwsCloudSettings } from "./schema";
import type { EnvironmentConfig, KkpConfig } from "../../../config/settings/resolve";
import { KubeOneOutputs, SSH_PORT } from "../../kubeone-outputs";
import { BastionInstanceProfile, NodeInstanceProfile } from "./iam";
import { awsPartition, nodeBoundaryArn } from "./identity-names";
import { BASTION_OUTPUT } from "../../core/names";
import { TerraformOutput } from "../../core/cdktf";
import { AwsNetwork } from "./network";
import { clusterTag, workerPoolTag } from "./tags";

/** Canonical's AWS account, the publisher of the official Ubuntu images. */
const CANONICAL_OWNER_ID = "099720109477";
const UBUNTU_LTS_IMAGE = "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*";
const API_PORT = 6443;
const BASTION_DISK_GIB = 20;

export interface AwsClusterProps {
  readonly config: KkpConfig;
  readonly settings: AwsCloudSettings;
  readonly env: EnvironmentConfig;
}

export class AwsCluster extends Construct {
  constructor(scope: Construct, id: string, props: AwsClusterProps) {
    super(scope, id);
    const { config, settings, env } = props;
    const name = env.clusterName;
    const owned = { [clusterTag(name)]: "owned" };

    const network = new AwsNetwork(this, "network", { clusterName: name, settings });
    const ami = settings.amiId ?? this.latestUbuntu();

    const firewall = new ClusterFirewall(this, "firewall", { config, clusterName: name, vpcId: network.vpcId, egressCidrs: network.egressCidrs });
    const keyPair = new KeyPair(this, "ssh-key", { keyName: `${name}-deployer`, publicKey: config.ssh.publicKey });
    // With the identity stack, every role of the cluster carries its permissions boundary.
    const permissionsBoundary =
      config.pipeline.credentials === "oidc" && settings.accountId ? nodeBoundaryArn(config, { accountId: settings.accountId, region: settings.region }) : undefined;
    const partition = awsPartition(settings.region);
    const controlPlaneProfile = new NodeInstanceProfile(this, "control-plane-iam", { clusterName: name, role: "control-plane", partition, permissionsBoundary });
    const workerProfile = new NodeInstanceProfile(this, "worker-iam", { clusterName: name, role: "worker", partition, permissionsBoundary });

    const hardened = (diskSizeGiB: number) => ({
      ami,
      keyName: keyPair.keyName,
      ebsOptimized: true,
      // IMDSv2 only; hop limit 2 lets pods without host networking (EBS CSI controller) reach the metadata service.
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
      rootBlockDevice: { volumeType: "gp3", volumeSize: diskSizeGiB, encrypted: true, deleteOnTermination: true },
      // A newer Ubuntu AMI must not replace running control-plane machines; KubeOne upgrades them in place.
      lifecycle: { ignoreChanges: ["ami"] },
    });

    const controlPlane = Array.from({ length: config.controlPlane.count }, (_, i) => {
      const zone = i % network.privateSubnetIds.length;
      return new Instance(this, `control-plane-${i + 1}`, {
        ...hardened(config.controlPlane.diskSizeGiB),
        instanceType: config.controlPlane.machineType,
        subnetId: network.privateSubnetIds[zone],
        vpcSecurityGroupIds: [firewall.nodes.id],
        iamInstanceProfile: controlPlaneProfile.name,
        tags: { Name: `${name}-cp-${i + 1}`, ...owned },
      });
    });

    const bastion = config.bastion.enabled
      ? new Instance(this, "bastion", {
          ...hardened(BASTION_DISK_GIB),
          instanceType: config.bastion.machineType,
          subnetId: network.publicSubnetIds[0],
          associatePublicIpAddress: true,
          vpcSecurityGroupIds: [firewall.bastion!.id],
          // Session Manager's agent: the pipeline's tunnel to port 22, with no inbound rule from the internet.
          iamInstanceProfile: new BastionInstanceProfile(this, "bastion-iam", { clusterName: name, permissionsBoundary }).name,
          tags: { Name: `${name}-bastion` },
        })
      : undefined;
    if (bastion) new TerraformOutput(this, "bastion-tunnel", { value: { id: bastion.id }, description: "The bastion the pipeline's Session Manager tunnel reaches" }).overrideLogicalId(BASTION_OUTPUT);

    const apiLb = new Lb(this, "api-lb", {
      name: `${name}-api`,
      loadBalancerType: "network",
      internal: false,
      subnets: network.publicSubnetIds as string[],
      securityGroups: [firewall.apiLoadBalancer.id],
      enableCrossZoneLoadBalancing: true,
      tags: { Name: `${name}-api` },
    });
    const apiTargets = new LbTargetGroup(this, "api-targets", {
      name: `${name}-api`,
      port: API_PORT,
      protocol: "TCP",
      targetType: "instance",
      vpcId: network.vpcId,
      // Without client IP preservation a control-plane node can reach the API through the NLB itself.
      preserveClientIp: "false",
      deregistrationDelay: "30",
      healthCheck: { protocol: "HTTPS", port: String(API_PORT), path: "/healthz", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 3 },
    });
    new LbListener(this, "api-listener", {
      loadBalancerArn: apiLb.arn,
      port: API_PORT,
      protocol: "TCP",
      defaultAction: [{ type: "forward", targetGroupArn: apiTargets.arn }],
    });
    controlPlane.forEach(
      (instance, i) =>
        new LbTargetGroupAttachment(this, `api-target-${i + 1}`, { targetGroupArn: apiTargets.arn, targetId: instance.id, port: API_PORT }),
    );

    new KubeOneOutputs(this, "kubeone", {
      apiEndpoint: apiLb.dnsName,
      controlPlane: {
        clusterName: name,
        cloudProvider: "aws",
        privateAddresses: controlPlane.map((i) => i.privateIp),
        hostnames: controlPlane.map((i) => i.privateDns),
        operatingSystem: "ubuntu",
        sshUser: config.ssh.user,
        bastion: bastion ? { address: bastion.publicIp, user: config.ssh.user } : undefined,
      },
      workers: {
        pools: config.workers,
        zoneCount: network.privateSubnetIds.length,
        sshPublicKey: config.ssh.publicKey,
        cloudProviderSpec: (pool, zone) => ({
          region: settings.region,
          // machine-controller picks the current Ubuntu image itself unless one is pinned.
          ...(settings.amiId ? { ami: settings.amiId } : {}),
          availabilityZone: network.zones[zone],
          vpcId: network.vpcId,
          subnetId: network.privateSubnetIds[zone],
          securityGroupIDs: [firewall.nodes.id],
          instanceProfile: workerProfile.name,
          instanceType: pool.machineType,
          assignPublicIP: false,
          diskSize: pool.diskSizeGiB,
          diskType: "gp3",
          ebsVolumeEncrypted: true,
          isSpotInstance: false,
          tags: { ...owned, [workerPoolTag(name)]: pool.name },
        }),
      },
    });
  }

  private latestUbuntu(): string {
    return new DataAwsAmi(this, "ubuntu", {
      mostRecent: true,
      owners: [CANONICAL_OWNER_ID],
      filter: [
        { name: "name", values: [UBUNTU_LTS_IMAGE] },
        { name: "architecture", values: ["x86_64"] },
        { name: "virtualization-type", values: ["hvm"] },
      ],
    }).id;
  }
}

interface ClusterFirewallProps {
  readonly config: KkpConfig;
  readonly clusterName: string;
  readonly vpcId: string;
  /** The NAT gateways' addresses: nodes reach the public API endpoint from them, so they are always allowed. */
  readonly egressCidrs: readonly string[];
}

/**
 * Security groups: the API load balancer admits `access.apiCidrs`; the nodes admit the API only from the load
 * balancer, SSH only from the bastion (or `access.sshCidrs` without one), NodePorts from `access.nodePortCidrs`,
 * and everything from each other. Only the nodes' group carries the cluster tag, as the cloud controller requires.
 */
class ClusterFirewall extends Construct {
  readonly nodes: SecurityGroup;
  readonly apiLoadBalancer: SecurityGroup;
  readonly bastion?: SecurityGroup;

  constructor(scope: Construct, id: string, props: ClusterFirewallProps) {
    super(scope, id);
    const { config, clusterName, vpcId } = props;
    const access = config.access;
    const group = (groupId: string, description: string, tags: Record<string, string> = {}) =>
      new SecurityGroup(this, groupId, { name: `${clusterName}-${groupId}`, description, vpcId, tags: { Name: `${clusterName}-${groupId}`, ...tags } });

    this.nodes = group("nodes", "KKP master cluster nodes", { [clusterTag(clusterName)]: "owned" });
    this.apiLoadBalancer = group("api-lb", "Kubernetes API load balancer");
    this.bastion = config.bastion.enabled ? group("bastion", "SSH bastion") : undefined;

    const apiSources = [...access.apiCidrs, ...props.egressCidrs];
    apiSources.forEach((cidr, i) => this.allowCidr(this.apiLoadBalancer, `api-from-cidr-${i + 1}`, cidr, API_PORT, API_PORT, "Kubernetes API"));
    this.allowEgress(this.apiLoadBalancer, "api-lb-to-nodes", { referencedSecurityGroupId: this.nodes.id, fromPort: API_PORT, toPort: API_PORT, ipProtocol: "tcp" });

    this.allowGroup(this.nodes, "nodes-from-nodes", this.nodes, "Traffic within the cluster");
    this.allowGroup(this.nodes, "nodes-api-from-lb", this.apiLoadBalancer, "Kubernetes API and health checks from the load balancer", API_PORT);
    const port = SSH_PORT;
    if (this.bastion) {
      access.sshCidrs.forEach((cidr, i) => this.allowCidr(this.bastion!, `bastion-ssh-from-cidr-${i + 1}`, cidr, port, port, "SSH to the bastion"));
      this.allowGroup(this.nodes, "nodes-ssh-from-bastion", this.bastion, "SSH from the bastion", port);
      this.allowEgress(this.bastion, "bastion-egress", { cidrIpv4: "0.0.0.0/0", ipProtocol: "-1" });
    } else {
      access.sshCidrs.forEach((cidr, i) => this.allowCidr(this.nodes, `nodes-ssh-from-cidr-${i + 1}`, cidr, port, port, "SSH"));
    }
    const range = access.nodePortRange;
    access.nodePortCidrs.forEach((cidr, i) => this.allowCidr(this.nodes, `nodeports-from-cidr-${i + 1}`, cidr, range.from, range.to, "Kubernetes NodePorts"));
    this.allowEgress(this.nodes, "nodes-egress", { cidrIpv4: "0.0.0.0/0", ipProtocol: "-1" });
  }

  private allowCidr(target: SecurityGroup, id: string, cidrIpv4: string, fromPort: number, toPort: number, description: string): void {
    new VpcSecurityGroupIngressRule(this, id, { securityGroupId: target.id, cidrIpv4, fromPort, toPort, ipProtocol: "tcp", description });
  }

  private allowGroup(target: SecurityGroup, id: string, source: SecurityGroup, description: string, port?: number): void {
    new VpcSecurityGroupIngressRule(this, id, {
      securityGroupId: target.id,
      referencedSecurityGroupId: source.id,
      description,
      ...(port === undefined ? { ipProtocol: "-1" } : { ipProtocol: "tcp", fromPort: port, toPort: port }),
    });
  }

  private allowEgress(
    target: SecurityGroup,
    id: string,
    rule: { cidrIpv4?: string; referencedSecurityGroupId?: string; ipProtocol: string; fromPort?: number; toPort?: number },
  ): void {
    new VpcSecurityGroupEgressRule(this, id, { securityGroupId: target.id, description: "Outbound", ...rule });
  }
}
