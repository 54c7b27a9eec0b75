/**
 * The delivery pipeline as provider-neutral data: jobs, their order, when they run, what they install, which
 * secrets and artifacts they use, and their shell commands. Each CI target's renderer (ci/<system>/) turns it
 * into that system's YAML; nothing here names a CI system's syntax.
 */

/**
 * The events that start a pipeline: a pull/merge request against main, a push to main (both drive the first
 * environment), and a deploy tag `<env>-deploy-<anything>` (drives every later environment). Every CI system can
 * also start the `main` jobs by hand on main (for the first deployment, whose files the CI stack commits with
 * `[skip ci]`); such a run counts every change set as changed.
 */
export type Trigger = "change-request" | "main" | "deploy-tag";

/** The jobs in the order a push to main runs them. Flux comes before DNS: KKP's nodeport-proxy, which
 * `*.kubermatic.<domain>` points at, exists only once the Seed that Flux delivers is in place. */
export const SEED_JOB_IDS = [
  "terraform-kkp-validate",
  "terraform-kkp-dns-validate",
  "terraform-backend-prepare",
  "terraform-plan",
  "terraform-apply",
  "kubeone-apply",
  "kkp-deploy",
  "flux-bootstrap",
  "dns-update",
] as const;

/** Jobs of promotion between environments. */
export const PROMOTION_JOB_IDS = [
  // Environments after the first: a deploy tag runs them, after the promotion check and before the hand-over to Flux.
  "promotion-check",
  "flux-source-update",
  // The first environment's push to main ends by planning the next environment.
  "terraform-plan-next",
] as const;

/** Jobs no event starts: an admin runs them by hand, on main. */
export const MAINTENANCE_JOB_IDS = ["teardown"] as const;

export const JOB_IDS = [...SEED_JOB_IDS, ...PROMOTION_JOB_IDS, ...MAINTENANCE_JOB_IDS] as const;

/** The variable a teardown run must set to the environment's name, as its confirmation. */
export const TEARDOWN_CONFIRM_VARIABLE = "KKP_TEARDOWN_CONFIRM";
export type JobId = (typeof JOB_IDS)[number];

/**
 * What a push changed, as far as deploying is concerned: the infrastructure code (and the CI definition), the
 * KubeOne manifest, or KKP's installer files. A push that touches none of them runs nothing; Flux pulls `flux/`.
 */
export type ChangeSet = "infrastructure" | "kubeone" | "kubermatic";
export const CHANGE_SETS: readonly ChangeSet[] = ["infrastructure", "kubeone", "kubermatic"];

/** Command-line tools a job needs besides the runner's own (git, curl, jq, the GitHub/GitLab CLIs). */
export type Tool = "node" | "terraform" | "kubeone" | "kubermatic-installer" | "kubectl" | "helm" | "flux" | "restic";

export interface ToolVersions {
  readonly terraform: string;
  readonly node: string;
  readonly kubeone: string;
  readonly kubermatic: string;
  readonly kubectl: string;
  readonly helm: string;
  readonly flux: string;
  /** restic, for the encryption configuration kept beside the etcd backups. */
  readonly restic: string;
}

/** A third-party action (GitHub Actions `uses:`), pinned to the commit of the release named beside it. */
export interface PinnedAction {
  readonly uses: string;
  readonly sha: string;
  readonly version: string;
}

/**
 * How jobs that touch the cloud obtain credentials, as the cloud target describes it: once as a setup action
 * for CI systems that have them (GitHub Actions), once as shell for those that do not (GitLab, Bitbucket).
 */
export interface CloudLogin {
  readonly method: "oidc" | "static-keys";
  /** The long-lived keys the login reads from CI secrets; empty with OIDC. */
  readonly keySecrets: readonly Secret[];
  /** The audience the job's OIDC token must carry for the cloud's federation to accept it; only with OIDC. */
  readonly oidcAudience?: string;
  /** The setup action, its step name and inputs; `secretRef` is how the CI system refers to a secret's value. */
  readonly setupAction: {
    readonly name: string;
    readonly action: PinnedAction;
    inputs(secretRef: (secret: Secret) => string): Readonly<Record<string, string>>;
  };
  /** Shell that logs in: with OIDC from the token in `tokenVariable`, with keys from their variables. */
  script(tokenVariable: string): string;
}

/**
 * Who a job is to the cloud. Jobs that change request authors can influence (plans on change requests, and
 * every job outside a deployment environment) get the read-only **plan** identity; only jobs bound to a
 * deployment environment, after its approvals, get that environment's **apply** identity.
 */
export type PipelineIdentity = { readonly kind: "plan" } | { readonly kind: "apply"; readonly env: string };

export const PLAN_IDENTITY: PipelineIdentity = { kind: "plan" };

/** The identity a job logs in as: its environment's apply identity when it is bound to one, else the plan identity. */
export function identityOf(job: Pick<Job, "environment">): PipelineIdentity {
  return job.environment ? { kind: "apply", env: job.environment } : PLAN_IDENTITY;
}

/** A CI secret exposed to a job's commands as an environment variable of the same name. */
export interface Secret {
  readonly name: string;
  readonly description: string;
  /**
   * `environment`: stored with the deployment environment, readable only by jobs bound to it (after its
   * approvals), so a branch's edited workflow cannot read it. `repository`: readable by every job.
   */
  readonly scope: "environment" | "repository";
  /**
   * Produced by Terraform in the CI stack (one value per environment) instead of supplied by an admin:
   * a random password, a random UUID, or the bcrypt hash of the administrator's generated password.
   */
  readonly generated?:
    | { readonly kind: "password"; readonly length: number; /** Also a sensitive output, for a person who must read it (a restore). */ readonly output?: true }
    | { readonly kind: "uuid" }
    | { readonly kind: "admin-password-hash" };
  /**
   * The value's shape, where CI systems care: a single-line `token` (GitLab can mask it), or `multiline` text
   * such as a private key (Bitbucket variables cannot hold line breaks, so there it is stored base64-encoded).
   */
  readonly format?: "token" | "multiline";
  /**
   * Only for admin-supplied environment secrets: each environment gets its own value (its own Terraform variable
   * `<name>_<env>`), so what one environment holds, e.g. a token kept in its cluster, is worth nothing to another.
   */
  readonly perEnvironment?: boolean;
}

export interface Artifact {
  readonly name: string;
  /** Directory the artifact is uploaded from and downloaded to. */
  readonly directory: string;
  /** Paths below `directory` left out, e.g. provider binaries. */
  readonly exclude?: readonly string[];
}

export interface Step {
  readonly name: string;
  /** Names the step, for job outputs that read what it wrote. */
  readonly id?: string;
  /** Bash, run with `set -euo pipefail`. */
  readonly run: string;
  /** Secrets this step, and only this step, sees as environment variables. */
  readonly secrets?: readonly Secret[];
}

export interface Job {
  readonly id: JobId;
  readonly title: string;
  readonly triggers: readonly Trigger[];
  /** Jobs that must have succeeded. */
  readonly needs: readonly JobId[];
  /** Variables for every command of the job. */
  readonly env?: Readonly<Record<string, string>>;
  /** Jobs waited for when they run at all; their being skipped (on the other trigger, or for lack of changes) is fine. */
  readonly after?: readonly JobId[];
  /** On a push to main, run only when one of these change sets changed. */
  readonly onlyIfChanged?: readonly ChangeSet[];
  /** Deployment environment guarding the job with the environment's approvals. */
  readonly environment?: string;
  readonly tools: readonly Tool[];
  readonly cloudLogin: boolean;
  /** Load the SSH private key secret into an SSH agent (KubeOne needs an agent socket). */
  readonly sshAgent: boolean;
  readonly downloads?: Artifact;
  readonly uploads?: Artifact;
  readonly steps: readonly Step[];
  /** A Markdown file the job writes for reviewers: shown as the job's summary and on the change request. */
  readonly report?: string;
  /** Values the job hands to later jobs: each output's name and the step that writes it. */
  readonly outputs?: ReadonlyArray<{ readonly name: string; readonly step: string }>;
  /** How long the job may run; else 60 minutes in a deployment environment, 20 outside. */
  readonly timeoutMinutes?: number;
  /** What the job does through the CI system's API with the run's own token: read commit statuses. */
  readonly repositoryApi?: readonly "read-statuses"[];
  readonly description: string;
}

export interface Pipeline {
  readonly name: string;
  readonly mainBranch: string;
  /** Globs of each change set; a push to main runs the pipeline only when one of them matched. */
  readonly changeSets: Readonly<Record<ChangeSet, readonly string[]>>;
  /** The job that works out which change sets a push changed; jobs with `onlyIfChanged` need it. */
  readonly changeDetector: JobId;
  /** The environment this pipeline deploys; runs for it never overlap. */
  readonly environment: string;
  /**
   * Only for environments after the first, which deploy one commit named by a deploy tag: the tag pattern
   * (`apps-deploy-*`), and the job output holding the commit every job checks out (the job that resolved the
   * tag, and checked it may be deployed).
   */
  readonly deployTag?: { readonly pattern: string; readonly commit: { readonly job: JobId; readonly output: string } };
  readonly runner: string;
  readonly tools: ToolVersions;
  /** How the pipeline's jobs log in: as the plan identity, or as this environment's apply identity. */
  readonly cloud: { readonly plan: CloudLogin; readonly apply: CloudLogin };
  /** Every CI secret the pipeline reads: the CI stack creates exactly these. */
  readonly secrets: readonly Secret[];
  /** Variables set for every command, e.g. which config file the app reads. */
  readonly env: Readonly<Record<string, string>>;
  readonly jobs: readonly Job[];
  /**
   * Tears the environment down (its cluster and DNS stacks, what KKP and Kubernetes made in the cloud), keeping
   * the state. Started by hand only, on main, with `TEARDOWN_CONFIRM_VARIABLE` set to the environment's name;
   * bound to the environment, so its approvals and apply identity hold.
   */
  readonly teardown: Job;
}

/** The login of a job: the apply identity's in a deployment environment, else the plan identity's. */
export function loginOf(pipeline: Pick<Pipeline, "cloud">, job: Pick<Job, "environment">): CloudLogin {
  return identityOf(job).kind === "apply" ? pipeline.cloud.apply : pipeline.cloud.plan;
}

/** Every path that can make a push run the pipeline. */
export function changePaths(pipeline: Pipeline): string[] {
  return [...new Set(CHANGE_SETS.flatMap((set) => pipeline.changeSets[set]))];
}

/** How long a job may run, in minutes. */
export function timeoutMinutes(job: Pick<Job, "timeoutMinutes" | "environment">): number {
  return job.timeoutMinutes ?? (job.environment ? 60 : 20);
}
