/**
 * Turns the parsed configuration into the complete object the stacks read: machine types defaulted per
 * cloud, the state bucket named, every environment given its domain and cluster name.
 */
import { createHash } from "node:crypto";
import { awsMachineDefaults } from "./aws";
import { gcpMachineDefaults } from "./gcp";
import type { ParsedConfig } from "./schema";

type Cloud = ParsedConfig["cloud"];

/** One infrastructure environment, fully resolved. */
export interface EnvironmentConfig {
  /** Environment name, e.g. `prod` or `apps`. */
  readonly name: string;
  /** Position in the promotion order, 0 for the first. */
  readonly index: number;
  /** KKP domain of this environment; the dashboard is https://<domain>. */
  readonly domain: string;
  /** Kubernetes cluster name, `<installation>-<environment>`; prefixes the environment's cloud resources. */
  readonly clusterName: string;
  /** Who must approve this environment's apply-and-later jobs. */
  readonly reviewers: { readonly users: readonly string[]; readonly teams: readonly string[] };
}

export interface MachineSizes {
  readonly controlPlane: string;
  readonly worker: string;
  readonly bastion: string;
}

/** The resolved configuration every stack and construct reads. */
export interface KkpConfig extends Omit<ParsedConfig, "environments" | "state" | "controlPlane" | "bastion" | "workers" | "kkp"> {
  readonly kkp: ParsedConfig["kkp"] & { readonly project: string };
  readonly state: ParsedConfig["state"] & { readonly bucketName: string };
  readonly controlPlane: ParsedConfig["controlPlane"] & { readonly machineType: string };
  readonly bastion: ParsedConfig["bastion"] & { readonly machineType: string };
  readonly workers: ReadonlyArray<ParsedConfig["workers"][number] & { readonly machineType: string }>;
  readonly environments: readonly EnvironmentConfig[];
}

const MACHINE_DEFAULTS: Record<Cloud["provider"], MachineSizes> = {
  aws: awsMachineDefaults,
  gcp: gcpMachineDefaults,
};

/** Where an installation lives in its cloud: the part of its identity that the bucket name must reflect. */
function cloudLocation(cloud: Cloud): string {
  switch (cloud.provider) {
    case "aws":
      return `aws/${cloud.aws.region}`;
    case "gcp":
      return `gcp/${cloud.gcp.project}/${cloud.gcp.region}`;
  }
}

function repositoryOf(config: ParsedConfig): string {
  switch (config.ci.provider) {
    case "github":
      return `github.com/${config.ci.github.owner}/${config.ci.github.repository}`;
    case "gitlab":
      return `${config.ci.gitlab.url.replace(/^https:\/\//, "")}/${config.ci.gitlab.project}`;
    case "bitbucket":
      return `bitbucket.org/${config.ci.bitbucket.workspace}/${config.ci.bitbucket.repository}`;
  }
}

/**
 * A bucket name unique per installation and stable across runs: the name, plus a short hash of where the
 * installation runs and which repository drives it, so two installations called `kkp` never collide.
 */
export function defaultBucketName(config: ParsedConfig): string {
  const identity = [config.name, cloudLocation(config.cloud), repositoryOf(config).toLowerCase()].join("|");
  const hash = createHash("sha256").update(identity).digest("hex").slice(0, 10);
  return `${config.name}-tfstate-${hash}`;
}

/** An environment's KKP domain: its own, else kkp.domain for the first and `<name>.<kkp.domain>` for later ones. */
export function environmentDomain(env: { name: string; domain?: string }, index: number, kkpDomain: string): string {
  return env.domain ?? (index === 0 ? kkpDomain : `${env.name}.${kkpDomain}`);
}

export function resolveConfig(parsed: ParsedConfig): KkpConfig {
  const sizes = MACHINE_DEFAULTS[parsed.cloud.provider];
  return {
    ...parsed,
    kkp: { ...parsed.kkp, project: parsed.kkp.project ?? parsed.name },
    state: { ...parsed.state, bucketName: parsed.state.bucketName ?? defaultBucketName(parsed) },
    controlPlane: { ...parsed.controlPlane, machineType: parsed.controlPlane.machineType ?? sizes.controlPlane },
    bastion: { ...parsed.bastion, machineType: parsed.bastion.machineType ?? sizes.bastion },
    workers: parsed.workers.map((pool) => ({ ...pool, machineType: pool.machineType ?? sizes.worker })),
    environments: parsed.environments.map((env, index) => ({
      name: env.name,
      index,
      domain: environmentDomain(env, index, parsed.kkp.domain),
      clusterName: `${parsed.name}-${env.name}`,
      reviewers: env.reviewers,
    })),
  };
}
