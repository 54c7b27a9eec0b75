/**
 * The cluster's network on Google Cloud: a VPC network with one regional subnetwork and Cloud NAT with a
 * reserved address, or an existing network. Nodes have no external addresses; they leave through the NAT.
 */
import { ComputeAddress } from "@cdktf/provider-google/lib/compute-address";
import { ComputeNetwork } from "@cdktf/provider-google/lib/compute-network";
import { ComputeRouter } from "@cdktf/provider-google/lib/compute-router";
import { ComputeRouterNat } from "@cdktf/provider-google/lib/compute-router-nat";
import { ComputeSubnetwork } from "@cdktf/provider-google/lib/compute-subnetwork";
import { Construct } from "constructs";
import type { GcpCloudSettings } from "./schema";
import { clusterZones } from "./zones";

export interface GcpNetworkProps {
  readonly clusterName: string;
  readonly settings: GcpCloudSettings;
}

export class GcpNetwork extends Construct {
  /** Network and subnetwork as self links (new) or partial URLs (existing), forms every consumer accepts. */
  readonly network: string;
  readonly subnetwork: string;
  readonly subnetCidr: string;
  readonly zones: readonly string[];
  /** The Cloud NAT address the nodes reach the public API endpoint from, when this construct created it. */
  readonly egressCidr?: string;

  constructor(scope: Construct, id: string, props: GcpNetworkProps) {
    super(scope, id);
    const { clusterName, settings } = props;
    this.zones = clusterZones(settings);

    const existing = settings.network.existing;
    if (existing) {
      this.network = `projects/${settings.project}/global/networks/${existing.network}`;
      this.subnetwork = `projects/${settings.project}/regions/${settings.region}/subnetworks/${existing.subnetwork}`;
      this.subnetCidr = existing.subnetCidr;
      return;
    }

    const network = new ComputeNetwork(this, "network", { name: clusterName, autoCreateSubnetworks: false });
    const subnetwork = new ComputeSubnetwork(this, "subnetwork", {
      name: clusterName,
      network: network.selfLink,
      region: settings.region,
      ipCidrRange: settings.network.subnetCidr,
      privateIpGoogleAccess: true,
    });
    const router = new ComputeRouter(this, "router", { name: clusterName, network: network.selfLink, region: settings.region });
    const natAddress = new ComputeAddress(this, "nat-address", { name: `${clusterName}-nat`, region: settings.region });
    new ComputeRouterNat(this, "nat", {
      name: clusterName,
      router: router.name,
      region: settings.region,
      natIpAllocateOption: "MANUAL_ONLY",
      natIps: [natAddress.selfLink],
      sourceSubnetworkIpRangesToNat: "ALL_SUBNETWORKS_ALL_IP_RANGES",
      logConfig: { enable: true, filter: "ERRORS_ONLY" },
    });
    this.network = network.selfLink;
    this.subnetwork = subnetwork.selfLink;
    this.subnetCidr = settings.network.subnetCidr;
    this.egressCidr = `${natAddress.address}/32`;
  }
}
