/**
 * The seam between the CI-neutral code and a CI system. A CI system is a whole target: its section of the
 * configuration, its renderer, its side of the CI stack, its git host's facts for Flux (bootstrap command and
 * secret, repository URLs, notification providers), its state store where it keeps state, and what it supports.
 * Adding one adds a directory beside ci/github/ that exports a `CiModule`, and one line in config/registry.ts.
 */
import type { Construct } from "constructs";
import type { z } from "zod";
import type { EnvironmentConfig, KkpConfig, TargetSection } from "../../config/settings/resolve";
import type { GitHost } from "../content/targets";
import type { Pipeline, Secret } from "../core/pipeline-model";
import type { CiOidcTrust } from "./oidc";
import type { GeneratedSecrets } from "../generated-secrets";
import type { PipelineCi } from "../pipeline/targets";
import type { ConfigIssue } from "./cloud";
import type { StateStore } from "./state-store";

/** A CI system as the registry knows it: cheap to load until `target` is called. */
export interface CiModule<Section extends TargetSection> {
  /** The `ci` section for this system: `{ provider: <name>, <name>: {...} }`, with its defaults. */
  readonly schema: z.ZodType<Section> & z.core.$ZodTypeDiscriminable;
  /** Whether it renders several environments promoted by deploy tags; otherwise one environment per configuration. */
  readonly supportsPromotion: boolean;
  /** The repository, e.g. `github.com/acme/kkp-gitops`: part of the state bucket's identity. */
  repository(section: Section): string;
  /**
   * Why jobs on `runner` (pipeline.runner) cannot be inside the cluster's network, as the fix to suggest; undefined
   * when they can be (self-hosted runners). Hosted runners reach private nodes only through the bastion's tunnel.
   */
  hostedRunner(runner: string): string | undefined;
  /**
   * What is wrong with an environment's reviewers for this system, each at a path below `reviewers` (e.g. `users`, 0):
   * their names follow the system's rules, and a system that cannot set reviewers refuses them.
   */
  reviewerIssues(reviewers: Reviewers): ConfigIssue[];
  /** Checks that need settings outside the section, e.g. that OIDC needs the repository's IDs. */
  check?(section: Section, config: { readonly pipeline: Pick<KkpConfig["pipeline"], "credentials"> }): ConfigIssue[];
  /** The target for a resolved configuration; loads the system's provider bindings. */
  target(config: KkpConfig, section: Section): CiTarget;
}

/** An environment's reviewers as configured. */
export type Reviewers = EnvironmentConfig["reviewers"];

/** Each name in `names` that `valid` refuses, as an issue at `[list, index]` with `message`. */
export function invalidNames(names: readonly string[], list: "users" | "teams", valid: (name: string) => boolean, message: string): ConfigIssue[] {
  return names.flatMap((name, index) => (valid(name) ? [] : [{ path: [list, index], message }]));
}

/** What the CI stack hands the CI system's side of it. */
export interface CiStackContent {
  /** The environments' pipelines, first environment first. */
  readonly pipelines: readonly Pipeline[];
  /** Every CI secret any of the pipelines reads. */
  readonly secrets: readonly Secret[];
  /** Every generated repository file, path -> content. */
  readonly files: ReadonlyMap<string, string>;
  readonly environments: readonly EnvironmentConfig[];
  /** Values of the secrets the CI stack generates (those with `generated`). */
  readonly generated: GeneratedSecrets;
}

export interface CiTarget extends PipelineCi, GitHost {
  /** How its OIDC tokens identify the pipeline's identities. */
  readonly oidc: CiOidcTrust;
  /** A state store the CI system keeps itself, used instead of the cloud's bucket. */
  readonly stateStore?: StateStore;
  /** The CI system's own files rendered from the pipelines (path, content), in a stable order. */
  pipelineFiles(pipelines: readonly Pipeline[], header: string): ReadonlyArray<readonly [string, string]>;
  /** Adds the CI system's side to the CI stack: its provider and resources, or outputs an admin copies. */
  defineStack(stack: Construct, content: CiStackContent): void;
}
