/**
 * The KubeOne manifest (`kubeone/kubeone.yaml`). It holds what the configuration decides; the cluster's name,
 * API endpoint, hosts and worker MachineDeployments come from the cluster stack's outputs at apply time
 * (`kubeone apply --manifest kubeone/kubeone.yaml --tfjson tf.json`), so one manifest serves every environment.
 */
import type { KkpConfig } from "../../config/settings/resolve";
import { ETCD_BACKUP_PASSWORD } from "../core/secrets";
import type { CloudContent } from "./targets";
import type { Manifest } from "./yaml";

/** The newest API version KubeOne accepts up to 1.14 (v1beta3 exists in the code but config.go AllowedAPIs does not enable it). */
export const KUBEONE_API_VERSION = "kubeone.k8c.io/v1beta2";

export function kubeoneManifest(config: KkpConfig, cloud: CloudContent): Manifest {
  return {
    apiVersion: KUBEONE_API_VERSION,
    kind: "KubeOneCluster",
    versions: { kubernetes: config.kubernetes.version },
    // External cloud controller manager and CSI driver: the only choice on current Kubernetes releases.
    cloudProvider: cloud.kubeoneCloudProvider,
    containerRuntime: { containerd: {} },
    // Written out, not left to KubeOne's defaults: the configuration check holds the network to these ranges, and
    // the firewall rules admit this NodePort range.
    clusterNetwork: {
      podSubnet: config.kubernetes.podCidr,
      serviceSubnet: config.kubernetes.serviceCidr,
      nodePortRange: `${config.access.nodePortRange.from}-${config.access.nodePortRange.to}`,
      cni: { canal: {} },
    },
    features: {
      // Secrets at rest in etcd are encrypted with a key KubeOne generates and keeps on the control plane.
      encryptionProviders: { enable: true },
    },
    // machine-controller creates the worker MachineDeployments from the cluster stack's kubeone_workers output.
    machineController: { deploy: true },
    operatingSystemManager: { deploy: true },
    addons: {
      enable: true,
      addons: [
        // The default StorageClass KKP's installer (--storageclass aws|gcp) and its etcd and Prometheus volumes use.
        { name: "default-storage-class" },
        ...(config.environments.some((env) => env.etcdBackupBucket) ? [etcdBackupsAddon()] : []),
      ],
    },
  };
}

/** What kubeone-apply exports for the backups addon's repository (per environment, so not in this shared manifest). */
/** The restic of KubeOne 1.14.2's backups-restic addon (its uploader image, pkg/templates/images), which the pipeline uses on the same repository. */
export const RESTIC_VERSION = "0.19.1";

export const ETCD_BACKUP_VARIABLES = { repository: "KKP_ETCD_BACKUP_REPOSITORY", region: "KKP_ETCD_BACKUP_REGION" } as const;

/**
 * KubeOne's embedded backups-restic addon: etcd, its PKI and Kubernetes' PKI, every 30 minutes, the last 48 kept,
 * uploaded with the S3 keys of KUBEONE_CREDENTIALS (addons/backups-restic in KubeOne 1.14). Its parameters name
 * environment variables (`env:`, pkg/addons/manifest.go), which `kubeone apply` refuses to run without: the
 * password is a CI secret, the repository and region are set per environment by kubeone-apply.
 */
function etcdBackupsAddon(): Manifest {
  return {
    name: "backups-restic",
    params: {
      resticPassword: `${KUBEONE_ENV_PARAM}${ETCD_BACKUP_PASSWORD.name}`,
      s3Bucket: `${KUBEONE_ENV_PARAM}${ETCD_BACKUP_VARIABLES.repository}`,
      awsDefaultRegion: `${KUBEONE_ENV_PARAM}${ETCD_BACKUP_VARIABLES.region}`,
    },
  };
}

/** KubeOne 1.14's prefix for an addon parameter read from the environment at apply time. */
const KUBEONE_ENV_PARAM = "env:";
