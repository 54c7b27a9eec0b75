/**
 * The cluster's network: a VPC with a public and a private subnet per zone and a NAT gateway in each zone (or one,
 * as a cost choice), or an existing VPC. Load balancers and the bastion sit in public subnets; the nodes in private
 * ones, each routed through its own zone's NAT gateway, so that losing a zone leaves the others' egress (and their
 * way to the API's public endpoint) intact.
 */
import { DataAwsAvailabilityZones } from "@cdktf/provider-aws/lib/data-aws-availability-zones";
import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Fn } from "../../core/cdktf";
import { Construct } from "constructs";
import type { AwsCloudSettings } from "./schema";
import { clusterTag } from "./tags";
import { canonicalCidr, parseCidr } from "../../../config/settings/formats";

/** Zones used when the configuration lists none: KubeOne's reference layout spreads over three. */
export const DEFAULT_ZONE_COUNT = 3;
/** Each subnet is the VPC's range split 16 ways: public subnets take slots 0-5, private ones 8-13. */
const SUBNET_NEWBITS = 4;
const PRIVATE_SLOT_OFFSET = 8;

export interface AwsNetworkProps {
  readonly clusterName: string;
  readonly settings: AwsCloudSettings;
}

export class AwsNetwork extends Construct {
  readonly vpcId: string;
  /** The zone of each subnet slot, as names or Terraform expressions. */
  readonly zones: readonly string[];
  readonly publicSubnetIds: readonly string[];
  readonly privateSubnetIds: readonly string[];
  /** The addresses the nodes reach the internet from, when this construct created the NAT gateways. */
  readonly egressCidrs: readonly string[];

  constructor(scope: Construct, id: string, props: AwsNetworkProps) {
    super(scope, id);
    const { clusterName, settings } = props;

    const existing = settings.vpc.existing;
    if (existing) {
      this.vpcId = existing.vpcId;
      this.publicSubnetIds = existing.publicSubnetIds;
      this.privateSubnetIds = existing.privateSubnetIds;
      // The nodes' zones are those of the private subnets they are placed in.
      this.zones = existing.privateSubnetIds.map((subnetId, i) => new DataAwsSubnet(this, `private-${i + 1}`, { id: subnetId }).availabilityZone);
      this.egressCidrs = [];
      return;
    }
    this.zones = settings.availabilityZones ?? this.lookUpZones();

    const owned = { [clusterTag(clusterName)]: "owned" };
    const vpc = new Vpc(this, "vpc", {
      cidrBlock: settings.vpc.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: clusterName },
    });
    this.vpcId = vpc.id;
    const gateway = new InternetGateway(this, "igw", { vpcId: vpc.id, tags: { Name: clusterName } });

    const subnet = (kind: "public" | "private", index: number) =>
      new Subnet(this, `${kind}-${index + 1}`, {
        vpcId: vpc.id,
        availabilityZone: this.zones[index],
        cidrBlock: subnetCidr(settings.vpc.cidr, (kind === "private" ? PRIVATE_SLOT_OFFSET : 0) + index),
        mapPublicIpOnLaunch: false,
        tags: {
          Name: `${clusterName}-${kind}-${index + 1}`,
          ...owned,
          // Where the cloud controller places LoadBalancer services, e.g. KKP's ingress and nodeport-proxy.
          [kind === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
        },
      });
    const publicSubnets = this.zones.map((_, i) => subnet("public", i));
    const privateSubnets = this.zones.map((_, i) => subnet("private", i));
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    // The first zone's NAT gateway and route table keep the names they had when there was only one.
    const suffix = (i: number) => (i === 0 ? "" : `-${i + 1}`);
    const natZones = settings.vpc.natGateways === "per-zone" ? publicSubnets.length : 1;
    const egress: string[] = [];
    const privateRoutes = publicSubnets.slice(0, natZones).map((publicSubnet, i) => {
      const address = new Eip(this, `nat-eip${suffix(i)}`, { domain: "vpc", tags: { Name: `${clusterName}-nat${suffix(i)}` } });
      const nat = new NatGateway(this, `nat${suffix(i)}`, {
        allocationId: address.allocationId,
        subnetId: publicSubnet.id,
        tags: { Name: `${clusterName}${suffix(i)}` },
        dependsOn: [gateway],
      });
      egress.push(`${address.publicIp}/32`);
      return new RouteTable(this, `private-routes${suffix(i)}`, {
        vpcId: vpc.id,
        route: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }],
        tags: { Name: `${clusterName}-private${suffix(i)}` },
      });
    });

    this.egressCidrs = egress;

    const publicRoutes = new RouteTable(this, "public-routes", {
      vpcId: vpc.id,
      route: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }],
      tags: { Name: `${clusterName}-public` },
    });
    publicSubnets.forEach((s, i) => new RouteTableAssociation(this, `public-${i + 1}-routes`, { subnetId: s.id, routeTableId: publicRoutes.id }));
    // Each private subnet leaves through its own zone's NAT gateway (with a single one, through that).
    privateSubnets.forEach(
      (s, i) => new RouteTableAssociation(this, `private-${i + 1}-routes`, { subnetId: s.id, routeTableId: privateRoutes[Math.min(i, natZones - 1)].id }),
    );
  }

  private lookUpZones(): string[] {
    const available = new DataAwsAvailabilityZones(this, "zones", {
      state: "available",
      filter: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
      // element() would wrap around and put two subnets in one zone, which the load balancer refuses.
      lifecycle: {
        postcondition: [
          {
            condition: `\${length(self.names) >= ${DEFAULT_ZONE_COUNT}}`,
            errorMessage: `This region offers fewer than ${DEFAULT_ZONE_COUNT} availability zones to this account; list the ones to use in cloud.aws.availabilityZones.`,
          },
        ],
      },
    });
    return Array.from({ length: DEFAULT_ZONE_COUNT }, (_, i) => Fn.element(available.names, i));
  }
}

/** The `slot`-th of the 16 equal subnets of `vpcCidr`, computed here so the plan shows literal CIDRs. */
export function subnetCidr(vpcCidr: string, slot: number): string {
  const parsed = parseCidr(vpcCidr);
  if (!parsed) throw new Error(`not a CIDR: ${vpcCidr}`);
  const prefix = parsed.prefix + SUBNET_NEWBITS;
  return canonicalCidr(parsed.address + slot * 2 ** (32 - prefix), prefix);
}
