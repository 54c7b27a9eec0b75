/**
 * Turns the parsed configuration into the complete object the stacks read: machine types defaulted per
 * cloud, the state bucket named, every environment given its domain and cluster name. What depends on the
 * cloud or the CI system comes in as `ResolveFacts`, from the configured targets.
 */
import { createHash } from "node:crypto";
import { environmentDomain, etcdBackupsEnabled, kubectlVersion, MAX_ENVIRONMENT_NAME_LENGTH, MAX_NAME_LENGTH, type ParsedSettings } from "./schema";

/** One infrastructure environment, fully resolved. */
export interface EnvironmentConfig {
  /** Environment name, e.g. `prod` or `apps`. */
  readonly name: string;
  /** Position in the promotion order, 0 for the first. */
  readonly index: number;
  /** KKP domain of this environment; the dashboard is https://<domain>. */
  readonly domain: string;
  /**
   * Kubernetes cluster name, `<installation>-<environment>` (with `uniqueResourceNames`, a hash of the installation
   * and environment appended, at most `MAX_CLUSTER_NAME_LENGTH` long); prefixes the environment's cloud resources.
   */
  readonly clusterName: string;
  /** Who must approve this environment's apply-and-later jobs. */
  readonly reviewers: { readonly users: readonly string[]; readonly teams: readonly string[] };
  /**
   * The bucket its etcd backups go to, `<name>-<env>-etcd-<hash of the installation>` (like the state bucket's
   * name, unique per installation); none when etcdBackups is off.
   */
  readonly etcdBackupBucket?: string;
  /** The bucket KKP backs its user clusters' etcd up to, `<name>-<env>-clusters-<hash>`; none when etcdBackups is off. */
  readonly userClusterBackupBucket?: string;
}

export interface MachineSizes {
  readonly controlPlane: string;
  readonly worker: string;
  readonly bastion: string;
}

/** The `cloud` or `ci` section of the file: which target, and its own settings beside `provider`. */
export interface TargetSection {
  readonly provider: string;
}

/**
 * The resolved configuration every stack and construct reads. Code outside a target sees its `cloud` and `ci`
 * sections only as a provider name; a target reads its own settings, handed to it by the registry.
 */
export interface KkpConfig<Cloud extends TargetSection = TargetSection, Ci extends TargetSection = TargetSection>
  extends Omit<ParsedSettings, "environments" | "state" | "controlPlane" | "bastion" | "workers" | "kkp" | "pipeline"> {
  readonly pipeline: ParsedSettings["pipeline"] & { readonly tools: ParsedSettings["pipeline"]["tools"] & { readonly kubectl: string } };
  readonly cloud: Cloud;
  readonly ci: Ci;
  readonly kkp: ParsedSettings["kkp"] & { readonly project: string };
  readonly state: ParsedSettings["state"] & { readonly bucketName: string };
  readonly controlPlane: ParsedSettings["controlPlane"] & { readonly machineType: string };
  readonly bastion: ParsedSettings["bastion"] & { readonly machineType: string };
  readonly workers: ReadonlyArray<ParsedSettings["workers"][number] & { readonly machineType: string }>;
  readonly environments: readonly EnvironmentConfig[];
  /**
   * Six hex digits of the installation's digest (name, cloud location, repository): added to the names of
   * account-wide resources created from the start with it (the pipeline's identities), so two installations
   * called `kkp` in one account or project never collide.
   */
  readonly installationHash: string;
}

/** What resolving needs from the configured cloud and CI system. */
export interface ResolveFacts {
  /** Machine types used when the configuration names none. */
  readonly machineDefaults: MachineSizes;
  /** Where the installation lives in its cloud, e.g. `aws/eu-central-1`: part of the state bucket's identity. */
  readonly cloudLocation: string;
  /** Whether the cloud's etcd backups are on unless configured (where their route has been checked end to end). */
  readonly backupsByDefault: boolean;
  /** The repository that drives it, e.g. `github.com/acme/kkp-gitops`: the other part. */
  readonly repository: string;
}

/**
 * A bucket name unique per installation and stable across runs: the name, plus a short hash of where the
 * installation runs and which repository drives it, so two installations called `kkp` never collide.
 */
export function defaultBucketName(name: string, facts: ResolveFacts): string {
  return `${name}-tfstate-${installationDigest(name, facts).slice(0, 10)}`;
}

/** The longest cluster name: the longest installation and environment names joined, which every cloud name limit allows for. */
export const MAX_CLUSTER_NAME_LENGTH = MAX_NAME_LENGTH + 1 + MAX_ENVIRONMENT_NAME_LENGTH;
const CLUSTER_HASH_LENGTH = 6;

/**
 * An environment's cluster name. Plain, `<name>-<env>`; unique, `<name>-<env>-<hash>`, the hash taken over the
 * installation's digest and the environment, the readable part cut so the whole stays within the plain names' length.
 */
export function clusterName(name: string, env: string, unique: false | { readonly digest: string }): string {
  const plain = `${name}-${env}`;
  if (!unique) return plain;
  const hash = createHash("sha256").update(`${unique.digest}|${env}`).digest("hex").slice(0, CLUSTER_HASH_LENGTH);
  const readable = plain.slice(0, MAX_CLUSTER_NAME_LENGTH - CLUSTER_HASH_LENGTH - 1).replace(/-+$/, "");
  return `${readable}-${hash}`;
}

/** The digest of what makes an installation itself: its name, where it runs, and the repository driving it. */
function installationDigest(name: string, facts: ResolveFacts): string {
  return createHash("sha256").update([name, facts.cloudLocation, facts.repository.toLowerCase()].join("|")).digest("hex");
}

export function resolveConfig<Cloud extends TargetSection, Ci extends TargetSection>(
  parsed: ParsedSettings & { readonly cloud: Cloud; readonly ci: Ci },
  facts: ResolveFacts,
): KkpConfig<Cloud, Ci> {
  const sizes = facts.machineDefaults;
  const digest = installationDigest(parsed.name, facts);
  return {
    ...parsed,
    pipeline: { ...parsed.pipeline, tools: { ...parsed.pipeline.tools, kubectl: kubectlVersion(parsed.pipeline.tools, parsed.kubernetes.version) } },
    kkp: { ...parsed.kkp, project: parsed.kkp.project ?? parsed.name },
    state: { ...parsed.state, bucketName: parsed.state.bucketName ?? defaultBucketName(parsed.name, facts) },
    controlPlane: { ...parsed.controlPlane, machineType: parsed.controlPlane.machineType ?? sizes.controlPlane },
    bastion: { ...parsed.bastion, machineType: parsed.bastion.machineType ?? sizes.bastion },
    workers: parsed.workers.map((pool) => ({ ...pool, machineType: pool.machineType ?? sizes.worker })),
    environments: parsed.environments.map((env, index) => ({
      name: env.name,
      index,
      domain: environmentDomain(env, index, parsed.kkp.domain),
      clusterName: clusterName(parsed.name, env.name, parsed.uniqueResourceNames && { digest }),
      reviewers: env.reviewers,
      ...(etcdBackupsEnabled(parsed, facts.backupsByDefault)
        ? { etcdBackupBucket: `${parsed.name}-${env.name}-etcd-${digest.slice(0, 10)}`, userClusterBackupBucket: `${parsed.name}-${env.name}-clusters-${digest.slice(0, 10)}` }
        : {}),
    })),
    installationHash: digest.slice(0, 6),
  };
}
