/**
 * The cluster stack's outputs in KubeOne's Terraform-output contract. KubeOne parses them
 * strictly, so these types list only fields KubeOne knows; every cloud fills the same shape.
 */
import { TerraformOutput } from "./core/cdktf";
import { Construct } from "constructs";
import type { KkpConfig } from "../config/settings/resolve";

export interface KubeOneBastion {
  /** Public address of the SSH bastion. */
  readonly address: string;
  readonly user: string;
}

export interface KubeOneControlPlane {
  readonly clusterName: string;
  /** KubeOne's cloud provider name, e.g. `aws` or `gce`. */
  readonly cloudProvider: string;
  /** Public addresses, when the control plane has any; KubeOne then connects to them directly. */
  readonly publicAddresses?: readonly string[];
  readonly privateAddresses: readonly string[];
  /** Host names as the cloud controller knows the nodes (AWS: the private DNS names). */
  readonly hostnames: readonly string[];
  readonly operatingSystem: "ubuntu";
  readonly sshUser: string;
  /** Reach the nodes through this bastion; omitted when KubeOne reaches them directly. */
  readonly bastion?: KubeOneBastion;
}

type WorkerPool = KkpConfig["workers"][number];

/** Worker pools become one MachineDeployment per zone, `<cluster>-<pool>-<zone number>`, created by machine-controller. */
export interface KubeOneWorkers {
  readonly pools: readonly WorkerPool[];
  readonly zoneCount: number;
  readonly sshPublicKey: string;
  /** machine-controller's provider-specific spec of one pool in one zone, e.g. region, instanceType, subnetId on AWS. */
  readonly cloudProviderSpec: (pool: WorkerPool, zoneIndex: number) => Record<string, unknown>;
}

export interface KubeOneOutputsProps {
  /** The Kubernetes API load balancer's address, host name or IP. */
  readonly apiEndpoint: string;
  readonly controlPlane: KubeOneControlPlane;
  readonly workers: KubeOneWorkers;
}

/** The SSH agent KubeOne uses: the pipeline loads the key into an agent, so no key file is ever written. */
export const SSH_AGENT_SOCKET = "env:SSH_AUTH_SOCK";
/** sshd's port on the stock images; firewalls open exactly this one. */
export const SSH_PORT = 22;

/** Emits `kubeone_api`, `kubeone_hosts` and `kubeone_workers`, and nothing else KubeOne would choke on. */
export class KubeOneOutputs extends Construct {
  constructor(scope: Construct, id: string, props: KubeOneOutputsProps) {
    super(scope, id);
    const cp = props.controlPlane;

    new TerraformOutput(this, "api", {
      value: { endpoint: props.apiEndpoint },
      description: "KubeOne: the Kubernetes API endpoint",
    }).overrideLogicalId("kubeone_api");

    new TerraformOutput(this, "hosts", {
      value: {
        control_plane: {
          cluster_name: cp.clusterName,
          cloud_provider: cp.cloudProvider,
          ...(cp.publicAddresses ? { public_address: cp.publicAddresses } : {}),
          private_address: cp.privateAddresses,
          hostnames: cp.hostnames,
          operating_system: cp.operatingSystem,
          ssh_user: cp.sshUser,
          ssh_port: SSH_PORT,
          ssh_agent_socket: SSH_AGENT_SOCKET,
          ...(cp.bastion ? { bastion: cp.bastion.address, bastion_port: SSH_PORT, bastion_user: cp.bastion.user } : {}),
        },
      },
      description: "KubeOne: the control-plane hosts and how to reach them",
    }).overrideLogicalId("kubeone_hosts");

    const workers = props.workers;
    new TerraformOutput(this, "workers", {
      value: Object.fromEntries(
        workers.pools.flatMap((pool) =>
          Array.from({ length: workers.zoneCount }, (_, zone) => [
            `${cp.clusterName}-${pool.name}-${zone + 1}`,
            {
              replicas: pool.replicasPerZone,
              providerSpec: {
                sshPublicKeys: [workers.sshPublicKey],
                operatingSystem: cp.operatingSystem,
                operatingSystemSpec: { distUpgradeOnBoot: false },
                cloudProviderSpec: workers.cloudProviderSpec(pool, zone),
              },
            },
          ]),
        ),
      ),
      description: "KubeOne: worker MachineDeployments created by machine-controller",
    }).overrideLogicalId("kubeone_workers");
  }
}
