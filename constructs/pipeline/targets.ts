/**
 * What building the pipeline needs to know about the configured cloud and CI system. The targets
 * (clouds/<cloud>/, ci/<system>/) provide these facts; the builder never branches on a provider.
 */
import type { KkpConfig } from "../../config/settings/resolve";
import type { CloudLogin, PipelineIdentity, Secret, Step } from "../core/pipeline-model";

/** Everything the builder reads: the configuration and the facts of its targets. */
export interface PipelineSource {
  readonly config: KkpConfig;
  /** The configuration file, relative to the repository root: the pipeline synthesizes from exactly this file. */
  readonly configFile: string;
  readonly cloud: PipelineCloud;
  readonly ci: PipelineCi;
  /** The state lives in a bucket the state stack creates, so the pipeline prepares it; false when the CI system keeps the state. */
  readonly stateInBucket: boolean;
}

/**
 * The cloud's own tunnel to the bastion's SSH port (AWS Session Manager, Google Cloud IAP), authorized by the job's
 * cloud identity, so no SSH port is open to the internet and any runner can reach the cluster.
 */
export interface BastionTunnel {
  /**
   * Shell run once before the tunnel: installs the cloud's client where the image lacks it, logs it in with the job's
   * credentials, and reads the bastion from the cluster stack's output `BASTION_OUTPUT` in tf.json.
   */
  readonly prepare: string;
  /** Shell starting the tunnel from 127.0.0.1:`localPort` to the bastion's port 22, as a command the caller backgrounds. */
  start(localPort: number): string;
}

export interface PipelineCloud {
  /** How a job that touches the cloud logs in as `identity`. */
  login(identity: PipelineIdentity): CloudLogin;
  readonly tunnel: BastionTunnel;
  /** `kubermatic-installer deploy --storageclass`: the installer's name for the cloud's default StorageClass. */
  readonly storageClass: string;
  /**
   * Where KubeOne's backups-restic addon puts an environment's etcd backups, as restic's S3 repository (`s3:<endpoint>/<bucket>`)
   * and the region it signs requests for.
   */
  etcdBackupRepository(bucket: string): { readonly repository: string; readonly region: string };
  /** The admin-supplied CI secrets holding the KKP Preset's credentials, which flux-bootstrap hands to Flux. */
  readonly presetSecrets: readonly Secret[];
}

export interface FluxBootstrap {
  /** Shell that bootstraps Flux on the git host for the environment's path in the repository. */
  readonly script: string;
  /** The CI secret it authenticates with. */
  readonly secret: Secret;
}

export interface PipelineCi {
  /** Where the CI system keeps its pipeline definition; a change there re-runs everything. */
  readonly definitionPaths: readonly string[];
  /** `flux bootstrap` for the git host, committing Flux's manifests below `path` on `branch`. */
  fluxBootstrap(path: string, branch: string): FluxBootstrap;
  /**
   * Only CI systems that promote between environments: the step pointing `branch`, a later environment's Flux
   * branch, at the checked-out commit, with a credential the branch's protection lets through (one no cluster holds).
   */
  moveDeployBranch?(branch: string): Step;
}
