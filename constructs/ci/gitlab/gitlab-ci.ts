/**
 * Renders the pipeline model as `.gitlab-ci.yml`: a pure function from data to YAML text, like the GitHub
 * renderer, with GitLab's own means for the same rules:
 * - merge requests run the change-request jobs; a push to main runs the chain, and only when a change set's
 *   files changed (`workflow:rules:changes` for the pipeline, `rules:changes` per job);
 * - the model's soft dependencies are optional `needs`, so a job whose predecessor was left out by its rules
 *   still runs, and one whose predecessor failed does not;
 * - apply-and-later jobs are bound to the GitLab environment and serialized per environment by a
 *   `resource_group` (set its process mode to oldest_first, README); they all need one approval job, the
 *   deployment the protected environment's approvers approve;
 * - the cloud is reached with a GitLab OIDC id token (`id_tokens`) unless static keys are configured, and state
 *   lives in the project's managed Terraform backend, authenticated with the job token.
 */
import { stringify } from "yaml";
import { changePaths, loginOf, TEARDOWN_CONFIRM_VARIABLE, timeoutMinutes, type Job, type Pipeline } from "../../core/pipeline-model";
import { SECRETS } from "../../core/secrets";
import { sshAgentScript, toolsScript } from "../../pipeline/shell";

export const GITLAB_CI_PATH = ".gitlab-ci.yml";
/** The variable GitLab puts the job's OIDC token in. */
const OIDC_TOKEN = "KKP_OIDC_TOKEN";
/** Tools and Terraform providers, cached inside the project directory as GitLab requires. */
const TOOLS_DIR = "$CI_PROJECT_DIR/.kkp-tools";

type Yaml = Record<string, unknown>;

/**
 * A path glob as GitLab's `rules:changes` reads it. GitLab matches with Ruby's File.fnmatch and FNM_PATHNAME, where
 * `**` reaches into subdirectories only as `**\/`: a trailing `dir/**` would match `dir/x` but not `dir/a/x`. So
 * `dir/**` becomes `dir/**\/*`, which matches every file below `dir`.
 */
export function gitlabChanges(globs: readonly string[]): string[] {
  return globs.map((glob) => (glob.endsWith("/**") ? `${glob}/*` : glob));
}

export function renderGitlabCi(pipeline: Pipeline, header: string): string {
  const mergeRequest = '$CI_PIPELINE_SOURCE == "merge_request_event"';
  const push = `$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "${pipeline.mainBranch}"`;
  // Run pipeline (Build, Pipelines, Run pipeline) on main: the whole chain, or with the confirmation variable set,
  // the teardown alone.
  const web = `$CI_PIPELINE_SOURCE == "web" && $CI_COMMIT_BRANCH == "${pipeline.mainBranch}"`;
  const manual: Rules = { deploy: `${web} && $${TEARDOWN_CONFIRM_VARIABLE} == null`, teardown: `${web} && $${TEARDOWN_CONFIRM_VARIABLE} == "${pipeline.environment}"` };
  const document = {
    workflow: {
      name: `kkp ${pipeline.environment}`,
      rules: [{ if: mergeRequest }, { if: push, changes: gitlabChanges(changePaths(pipeline)) }, { if: manual.deploy }, { if: manual.teardown }],
    },
    stages: stages(pipeline),
    variables: {
      ...pipeline.env,
      // The managed Terraform state is reached with the job's own token.
      TF_HTTP_USERNAME: "gitlab-ci-token",
      TF_HTTP_PASSWORD: "$CI_JOB_TOKEN",
      TF_IN_AUTOMATION: "1",
    },
    default: { image: `node:${pipeline.tools.node}-bookworm` },
    ...Object.fromEntries(
      pipeline.jobs.flatMap((job) => [
        ...(job.id === firstDeployJob(pipeline)?.id
          ? [[approvalJob(pipeline), approval(pipeline, approvalJob(pipeline), [push, manual.deploy], `Deployment of $CI_COMMIT_SHA to ${pipeline.environment}`)]]
          : []),
        [job.id, renderJob(pipeline, job, chainRules(pipeline, job, mergeRequest, push, manual.deploy), approvalJob(pipeline))],
      ]),
    ),
    // The teardown, only in a run by hand on main whose confirmation variable names the environment, after the
    // approval of the environment's reviewers.
    [teardownApprovalJob(pipeline)]: approval(pipeline, teardownApprovalJob(pipeline), [manual.teardown], `Teardown of ${pipeline.environment}`),
    [pipeline.teardown.id]: renderJob(pipeline, pipeline.teardown, [{ if: manual.teardown }], teardownApprovalJob(pipeline)),
  };
  return header + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** One stage per job, in the model's order, with the approval gate before the first deploy job; the teardown last. */
function stages(pipeline: Pipeline): string[] {
  const gate = firstDeployJob(pipeline);
  return [...pipeline.jobs.flatMap((job) => (job === gate ? [approvalJob(pipeline), job.id] : [job.id])), teardownApprovalJob(pipeline), pipeline.teardown.id];
}

/** The teardown's own approval, so that approvers see a teardown as one and never mistake it for a deployment. */
function teardownApprovalJob(pipeline: Pipeline): string {
  return `approve-${pipeline.environment}-teardown`;
}

/** The `if:` of a run by hand on main: to deploy, or (with the confirmation) to tear down. */
interface Rules {
  readonly deploy: string;
  readonly teardown: string;
}


function firstDeployJob(pipeline: Pipeline): Job | undefined {
  return pipeline.jobs.find((job) => job.environment);
}

function approvalJob(pipeline: Pipeline): string {
  return `approve-${pipeline.environment}`;
}

/**
 * The deployment the protected environment's approval rules hold: GitLab asks approvers only for a job that
 * starts a deployment, so one job does, on every push to main, and every deploy job needs it. The deploy jobs
 * themselves only access the environment (they still need its deploy access).
 */
function approval(pipeline: Pipeline, stage: string, on: readonly string[], what: string): Yaml {
  return {
    stage,
    needs: [],
    rules: on.map((rule) => ({ if: rule })),
    environment: { name: pipeline.environment, action: "start" },
    resource_group: `kkp-${pipeline.environment}`,
    script: [`echo "${what} approved."`],
  };
}

/** When a job of the chain runs: on merge requests (for those that do), pushes to main it concerns, runs by hand. */
function chainRules(pipeline: Pipeline, job: Job, mergeRequest: string, push: string, byHand: string): Yaml[] {
  const onMain = job.onlyIfChanged ? { if: push, changes: gitlabChanges(job.onlyIfChanged.flatMap((set) => pipeline.changeSets[set])) } : { if: push };
  // Developers may read the managed state but not lock it: their merge requests plan without the lock.
  const onMergeRequest = { if: mergeRequest, variables: { TF_CLI_ARGS_plan: "-lock=false" } };
  // A run by hand has no change set: every job of the chain runs.
  return [...(job.triggers.includes("change-request") ? [onMergeRequest] : []), onMain, ...(job.triggers.includes("main") ? [{ if: byHand }] : [])];
}

/** A job under `rules`; one bound to an environment waits for `approval`, the job holding its approvals. */
function renderJob(pipeline: Pipeline, job: Job, rules: Yaml[], approval: string): Yaml {
  const audience = job.cloudLogin ? loginOf(pipeline, job).oidcAudience : undefined;
  const needs = [
    ...(job.environment ? [{ job: approval, artifacts: false }] : []),
    ...job.needs.map((need) => ({ job: need, artifacts: job.downloads !== undefined && producerOf(pipeline, job) === need })),
    ...(job.after ?? []).map((after) => ({ job: after, optional: true, artifacts: false })),
  ];
  return {
    stage: job.id,
    ...(needs.length > 0 ? { needs } : { needs: [] }),
    rules,
    ...(job.environment ? { environment: { name: job.environment, action: "access" }, resource_group: `kkp-${job.environment}` } : {}),
    ...(audience ? { id_tokens: { [OIDC_TOKEN]: { aud: audience } } } : {}),
    ...(job.env ? { variables: { ...job.env } } : {}),
    timeout: `${timeoutMinutes(job)}m`,
    // Keyed by the ref's protection too, so merge requests never share main's cache, whatever the project's
    // "separate caches" setting (the ci stack also refuses a project where it is off).
    cache: { key: `kkp-tools-${Object.values(pipeline.tools).join("-")}-protected-$CI_COMMIT_REF_PROTECTED`, paths: [".kkp-tools/"] },
    script: [
      "set -euo pipefail",
      toolsScript(pipeline, job, TOOLS_DIR),
      ...(job.cloudLogin ? [loginOf(pipeline, job).script(OIDC_TOKEN)] : []),
      ...(job.sshAgent ? [sshAgentScript(SECRETS.sshPrivateKey.name)] : []),
      ...job.steps.map((step) => `# ${step.name}\n${step.run}`),
      // The saved plan holds planned values in clear text: kept for the apply on main only.
      ...(job.uploads && job.triggers.includes("change-request")
        ? [`if [ "$CI_PIPELINE_SOURCE" = merge_request_event ]; then rm -rf ${job.uploads.directory}; fi`]
        : []),
    ].filter((line) => line !== ""),
    ...(job.uploads || job.report ? { artifacts: artifacts(job) } : {}),
  };
}

/** The job whose upload `job` downloads. */
function producerOf(pipeline: Pipeline, job: Job): string | undefined {
  return pipeline.jobs.find((j) => j.uploads && j.uploads.name === job.downloads?.name)?.id;
}

function artifacts(job: Job): Yaml {
  return {
    // Kept briefly, for the apply of the same pipeline, and downloadable by developers only.
    paths: [...(job.uploads ? [`${job.uploads.directory}/`] : []), ...(job.report ? [job.report] : [])],
    ...(job.uploads?.exclude ? { exclude: job.uploads.exclude.map((p) => `${job.uploads!.directory}/${p}/**`) } : {}),
    expire_in: "7 days",
    access: "developer",
  };
}
