/**
 * The KKP master cluster's infrastructure on Google Cloud: shielded Ubuntu control-plane instances without
 * external addresses spread over the region's zones, dedicated service accounts, firewall rules, a bastion, the
 * API load balancer of api-load-balancer.ts, and the KubeOne outputs with `cloud_provider: gce`.
 */
import { ComputeFirewall } from "@cdktf/provider-google/lib/compute-firewall";
import { ComputeInstance, type ComputeInstanceConfig } from "@cdktf/provider-google/lib/compute-instance";
import { DataGoogleComputeImage } from "@cdktf/provider-google/lib/data-google-compute-image";
import { Construct } from "constructs";
import type { GcpCloudSettings } from "./schema";
import type { EnvironmentConfig, KkpConfig } from "../../../config/settings/resolve";
import { KubeOneOutputs, SSH_PORT } from "../../kubeone-outputs";
import { API_PORT, ApiLoadBalancer, GOOGLE_FRONT_END_RANGES } from "./api-load-balancer";
import { controlPlaneAccountEmail, ControlPlaneServiceAccount } from "./iam";
import { GcpNetwork } from "./network";
import { IAP_FORWARDING_RANGE } from "./tunnel";
import { BASTION_OUTPUT } from "../../core/names";
import { TerraformOutput } from "../../core/cdktf";

const BASTION_DISK_GIB = 20;
/** machine-controller's disk type for workers. */
const WORKER_DISK_TYPE = "pd-ssd";

export interface GcpClusterProps {
  readonly config: KkpConfig;
  readonly settings: GcpCloudSettings;
  readonly env: EnvironmentConfig;
}

/** Network tags: firewall rules select instances by these. */
export function networkTags(clusterName: string) {
  return { node: clusterName, controlPlane: `${clusterName}-control-plane`, bastion: `${clusterName}-bastion` };
}

export class GcpCluster extends Construct {
  constructor(scope: Construct, id: string, props: GcpClusterProps) {
    super(scope, id);
    const { config, settings, env } = props;
    const name = env.clusterName;
    const tags = networkTags(name);

    const network = new GcpNetwork(this, "network", { clusterName: name, settings });
    const image = new DataGoogleComputeImage(this, "ubuntu", { family: settings.image.family, project: settings.image.project });
    new ClusterFirewall(this, "firewall", { config, clusterName: name, network: network.network, subnetCidr: network.subnetCidr });
    // The identity stack holds the account when there is one (OIDC); otherwise this stack creates it.
    const controlPlaneEmail =
      config.pipeline.credentials === "oidc"
        ? controlPlaneAccountEmail(name, settings.project)
        : new ControlPlaneServiceAccount(this, "control-plane-sa", { project: settings.project, clusterName: name }).email;
    const sshKeys = `${config.ssh.user}:${config.ssh.publicKey.trim()}`;

    const hardened = (diskSizeGiB: number): Omit<ComputeInstanceConfig, "name" | "machineType" | "zone" | "networkInterface"> => ({
      bootDisk: { autoDelete: true, initializeParams: { image: image.selfLink, size: diskSizeGiB, type: "pd-balanced" } },
      shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
      // Only this key, never project-wide keys; no OS Login, since KubeOne authenticates with its own key.
      metadata: { "ssh-keys": sshKeys, "block-project-ssh-keys": "TRUE", "enable-oslogin": "FALSE" },
      allowStoppingForUpdate: true,
      // A newer image must not replace running control-plane machines; KubeOne upgrades them in place.
      lifecycle: { ignoreChanges: ["boot_disk[0].initialize_params[0].image"] },
    });

    const controlPlane = Array.from({ length: config.controlPlane.count }, (_, i) => {
      const zone = i % network.zones.length;
      return {
        zone,
        instance: new ComputeInstance(this, `control-plane-${i + 1}`, {
          ...hardened(config.controlPlane.diskSizeGiB),
          name: `${name}-cp-${i + 1}`,
          machineType: config.controlPlane.machineType,
          zone: network.zones[zone],
          networkInterface: [{ subnetwork: network.subnetwork }],
          serviceAccount: { email: controlPlaneEmail, scopes: ["cloud-platform"] },
          tags: [tags.node, tags.controlPlane],
        }),
      };
    });

    const bastion = config.bastion.enabled
      ? new ComputeInstance(this, "bastion", {
          ...hardened(BASTION_DISK_GIB),
          name: `${name}-bastion`,
          machineType: config.bastion.machineType,
          zone: network.zones[0],
          // An ephemeral external address: the only way in from outside.
          networkInterface: [{ subnetwork: network.subnetwork, accessConfig: [{}] }],
          // No service account: the bastion needs no Google API access at all.
          tags: [tags.bastion],
        })
      : undefined;
    if (bastion) {
      new TerraformOutput(this, "bastion-tunnel", {
        value: { id: bastion.name, zone: bastion.zone },
        description: "The bastion the pipeline's IAP tunnel reaches",
      }).overrideLogicalId(BASTION_OUTPUT);
    }

    const usedZones = Math.min(controlPlane.length, network.zones.length);
    const api = new ApiLoadBalancer(this, "api", {
      clusterName: name,
      network: network.network,
      instancesByZone: Array.from({ length: usedZones }, (_, zone) => ({
        zone: network.zones[zone],
        instances: controlPlane.filter((cp) => cp.zone === zone).map((cp) => cp.instance.selfLink),
      })),
      allowedCidrs: [...config.access.apiCidrs, ...(network.egressCidr ? [network.egressCidr] : [])],
    });

    new KubeOneOutputs(this, "kubeone", {
      apiEndpoint: api.address,
      controlPlane: {
        clusterName: name,
        cloudProvider: "gce",
        privateAddresses: controlPlane.map((cp) => cp.instance.networkInterface.get(0).networkIp),
        hostnames: controlPlane.map((cp) => cp.instance.name),
        operatingSystem: "ubuntu",
        sshUser: config.ssh.user,
        bastion: bastion
          ? { address: bastion.networkInterface.get(0).accessConfig.get(0).natIp, user: config.ssh.user }
          : undefined,
      },
      workers: {
        pools: config.workers,
        zoneCount: network.zones.length,
        sshPublicKey: config.ssh.publicKey,
        cloudProviderSpec: (pool, zone) => ({
          zone: network.zones[zone],
          machineType: pool.machineType,
          diskSize: pool.diskSizeGiB,
          diskType: WORKER_DISK_TYPE,
          network: network.network,
          subnetwork: network.subnetwork,
          assignPublicIPAddress: false,
          preemptible: false,
          multizone: false,
          regional: false,
          // Workers call no Google API, so they run without a service account.
          disableMachineServiceAccount: true,
          labels: { [`${name}-workers`]: pool.name },
          tags: [tags.node],
        }),
      },
    });
  }
}

interface ClusterFirewallProps {
  readonly config: KkpConfig;
  readonly clusterName: string;
  readonly network: string;
  readonly subnetCidr: string;
}

/**
 * Firewall rules: everything within the subnetwork; the API port only from Google's front ends and health
 * checks (who may connect at all is decided by the load balancer's Cloud Armor policy); SSH to the nodes only
 * from the bastion (or `access.sshCidrs` without one); NodePorts from `access.nodePortCidrs`.
 */
class ClusterFirewall extends Construct {
  constructor(scope: Construct, id: string, props: ClusterFirewallProps) {
    super(scope, id);
    const { config, clusterName, network } = props;
    const tags = networkTags(clusterName);
    const access = config.access;
    const rule = (ruleId: string, description: string, allow: { protocol: string; ports?: string[] }, source: { sourceRanges?: string[]; sourceTags?: string[] }, targetTag: string) =>
      new ComputeFirewall(this, ruleId, { name: `${clusterName}-${ruleId}`, network, description, direction: "INGRESS", allow: [allow], ...source, targetTags: [targetTag] });

    rule("internal", "Traffic within the cluster", { protocol: "all" }, { sourceRanges: [props.subnetCidr] }, tags.node);
    rule("api", "Kubernetes API from the load balancer and its health checks", { protocol: "tcp", ports: [String(API_PORT)] }, { sourceRanges: GOOGLE_FRONT_END_RANGES }, tags.controlPlane);
    const ssh = { protocol: "tcp", ports: [String(SSH_PORT)] };
    if (config.bastion.enabled) {
      // IAP's forwarding range: the pipeline's tunnel, authorized by its cloud identity, with no SSH from the internet.
      rule("bastion-ssh", "SSH to the bastion through IAP (and from access.sshCidrs)", ssh, { sourceRanges: [IAP_FORWARDING_RANGE, ...access.sshCidrs] }, tags.bastion);
      rule("ssh", "SSH from the bastion", ssh, { sourceTags: [tags.bastion] }, tags.node);
    } else {
      rule("ssh", "SSH", ssh, { sourceRanges: [...access.sshCidrs] }, tags.node);
    }
    if (access.nodePortCidrs.length > 0) {
      const range = access.nodePortRange;
      rule("nodeports", "Kubernetes NodePorts", { protocol: "tcp", ports: [`${range.from}-${range.to}`] }, { sourceRanges: [...access.nodePortCidrs] }, tags.node);
    }
  }
}
