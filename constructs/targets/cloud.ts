/**
 * The seam between the cloud-neutral code and a cloud. A cloud is a whole target: its section of the
 * configuration, its Terraform (provider, cluster, DNS, state bucket), how the pipeline logs in to it, and what
 * the generated content says about it (KubeOne's cloud provider, KKP's storage class, Seed datacenter and Preset).
 * Adding a cloud adds a directory beside clouds/aws/ that exports a `CloudModule`, and one line in config/registry.ts.
 */
import type { Construct } from "constructs";
import type { z } from "zod";
import type { SshKeyType } from "../../config/settings/formats";
import type { EnvironmentConfig, KkpConfig, MachineSizes, TargetSection } from "../../config/settings/resolve";
import type { CloudContent } from "../content/targets";
import type { DnsRecord } from "../dns-records";
import type { CiOidcTrust } from "./oidc";
import type { PipelineCloud } from "../pipeline/targets";
import type { StateStore } from "./state-store";

/** A problem a target finds in the configuration, at a path below the top level. */
export interface ConfigIssue {
  /** Below the target's own section; with `root`, from the top of the file. */
  readonly path: readonly PropertyKey[];
  readonly root?: boolean;
  readonly message: string;
}

/** A setting OIDC credentials need, missing: why the identity stack needs it, and that static keys need none. */
export function requiredForOidc(
  config: { readonly pipeline: Pick<KkpConfig["pipeline"], "credentials"> },
  missing: boolean,
  path: readonly PropertyKey[],
  why: string,
  pronoun: "it" | "them" = "it",
): ConfigIssue[] {
  if (config.pipeline.credentials !== "oidc" || !missing) return [];
  return [{ path, message: `is required for OIDC credentials (pipeline.credentials: oidc): ${why}; set ${pronoun}, or set pipeline.credentials: static-keys` }];
}

/**
 * With an existing network (`setting`, e.g. `cloud.aws.vpc.existing`) the nodes join through the API's public endpoint
 * from the network's own egress address, which the cluster stack cannot know, so access.apiCidrs must list it.
 */
export function egressAddressesNeeded(config: { readonly access: Pick<KkpConfig["access"], "apiCidrs"> }, existing: boolean, setting: string, network: string): ConfigIssue[] {
  if (!existing || config.access.apiCidrs.length > 0) return [];
  return [
    {
      path: ["access", "apiCidrs"],
      root: true,
      message: `is empty, but with ${setting} the nodes join the cluster through the API's public endpoint from the ${network}'s own egress address, which this tool cannot know; list the ${network}'s NAT addresses`,
    },
  ];
}

/** The settings outside its section a cloud's check reads. */
export interface CloudCheckInput {
  readonly pipeline: Pick<KkpConfig["pipeline"], "credentials">;
  readonly access: Pick<KkpConfig["access"], "apiCidrs">;
}

/** A cloud as the registry knows it: cheap to load (no provider bindings) until `target` is called. */
export interface CloudModule<Section extends TargetSection> {
  /** The `cloud` section for this cloud: `{ provider: <name>, <name>: {...} }`, with its defaults. */
  readonly schema: z.ZodType<Section> & z.core.$ZodTypeDiscriminable;
  /**
   * Whether etcd backups are on unless the configuration says otherwise: where the backups addon works with what
   * the one-time setup already provides (AWS: the KubeOne key is an S3 key), not where it needs more first.
   */
  readonly backupsByDefault: boolean;
  /** The SSH key types the cloud can install on its machines. */
  readonly sshKeyTypes: readonly SshKeyType[];
  /** Machine types used when the configuration names none. */
  readonly machineDefaults: MachineSizes;
  /** Where an installation lives in the cloud, e.g. `aws/eu-central-1`: part of the state bucket's identity. */
  location(section: Section): string;
  /** Checks that need settings outside the section, e.g. that OIDC credentials name a pipeline identity. */
  check(section: Section, config: CloudCheckInput): ConfigIssue[];
  /**
   * The address ranges the cluster's machines live in, each with its setting's path below the section: the Kubernetes
   * pod and service ranges must not overlap them. Empty where the configuration does not say (an existing VPC by ID).
   */
  networks(section: Section): ReadonlyArray<{ readonly path: readonly PropertyKey[]; readonly cidr: string }>;
  /** The target for a resolved configuration; loads the cloud's provider bindings. */
  target(config: KkpConfig, section: Section): CloudTarget;
}

export interface CloudTarget extends PipelineCloud, CloudContent {
  /** The cloud's state bucket, used unless the CI system keeps the state itself. */
  readonly stateStore: StateStore;
  /** Adds the cloud's Terraform provider to a stack; with `env`, one of that environment's stacks. */
  configureProvider(scope: Construct, env?: EnvironmentConfig): void;
  /**
   * Defines the pipeline's identities (the identity stack, with OIDC credentials): federation with the CI system's
   * tokens as `trust` describes them, a read-only plan identity, and an apply identity per environment.
   */
  defineIdentities(scope: Construct, trust: CiOidcTrust): void;
  /** Defines the master cluster's machines, network and API load balancer, and its KubeOne outputs. */
  defineCluster(scope: Construct, env: EnvironmentConfig): void;
  /** Writes KKP's DNS records in the configured zone. */
  defineDnsRecords(scope: Construct, records: readonly DnsRecord[]): void;
}
