/**
 * Renders the pipeline model as `bitbucket-pipelines.yml`: a pure function from data to YAML text, like the
 * GitHub and GitLab renderers, within what Bitbucket Pipelines offers:
 * - `pull-requests` runs the change-request jobs; `branches: main` runs the chain;
 * - steps run in order (the two validate jobs in parallel); a step with a change condition before the deploy
 *   stage carries `condition: changesets`;
 * - a Bitbucket deployment environment may appear only once per pipeline, so the apply-and-later jobs form one
 *   `stage` bound to it, which runs when any change set changed, and only when someone starts it (`trigger:
 *   manual`) after reading the plan; the deployment permissions (README) decide who may and from which branch.
 *   Inside it, apply applies the saved plan when the plan step made one (an unchanged infrastructure has none),
 *   and the other steps are idempotent;
 * - the cloud is reached with the step's OIDC token (`oidc: true`) unless static keys are configured; state is
 *   in the cloud's bucket, prepared by terraform-backend-prepare as on GitHub.
 */
import { stringify } from "yaml";
import { changePaths, loginOf, TEARDOWN_CONFIRM_VARIABLE, timeoutMinutes, type Job, type Pipeline, type Secret } from "../../core/pipeline-model";
import { SECRETS } from "../../core/secrets";
import { sshAgentScript, toolsScript } from "../../pipeline/shell";

export const BITBUCKET_PIPELINES_PATH = "bitbucket-pipelines.yml";
/** The variable Bitbucket puts a step's OIDC token in. */
const OIDC_TOKEN = "BITBUCKET_STEP_OIDC_TOKEN";
const TOOLS_DIR = "$HOME/.cache/kkp-tools";

type Yaml = Record<string, unknown>;

export function renderBitbucketPipelines(pipeline: Pipeline, header: string): string {
  const onChangeRequest = pipeline.jobs.filter((job) => job.triggers.includes("change-request"));
  const onMain = pipeline.jobs.filter((job) => job.triggers.includes("main"));
  const document = {
    image: `node:${pipeline.tools.node}-bookworm`,
    definitions: { caches: { "kkp-tools": "~/.cache/kkp-tools" } },
    pipelines: {
      "pull-requests": { "**": sequence(pipeline, onChangeRequest, false) },
      branches: { [pipeline.mainBranch]: sequence(pipeline, onMain, true) },
      // Run by hand (Pipelines, Run pipeline, on main; the deployment permissions admit main only): the whole
      // chain, and the teardown, which asks for the environment's name.
      custom: {
        [`deploy-${pipeline.environment}`]: sequence(pipeline, onMain, true, true),
        [`teardown-${pipeline.environment}`]: [
          { variables: [{ name: TEARDOWN_CONFIRM_VARIABLE, description: `Type ${pipeline.environment} to destroy its cluster, KKP with its user clusters, and its DNS records` }] },
          // Outside the deployment, with no secret: the typed name and the branch, before anyone is asked.
          {
            step: {
              name: "teardown-confirm",
              "max-time": 5,
              script: [
                `if [ "$${TEARDOWN_CONFIRM_VARIABLE}" != ${pipeline.environment} ]; then echo "Type ${pipeline.environment} exactly to tear it down (got '$${TEARDOWN_CONFIRM_VARIABLE}')." >&2; exit 1; fi`,
                `if [ "$BITBUCKET_BRANCH" != ${pipeline.mainBranch} ]; then echo "Tear down from ${pipeline.mainBranch} only (this run is on $BITBUCKET_BRANCH)." >&2; exit 1; fi`,
              ],
            },
          },
          {
            stage: {
              name: `Tear ${pipeline.environment} down`,
              deployment: pipeline.environment,
              // A second, deliberate start, by someone the deployment permissions admit.
              trigger: "manual",
              steps: [{ step: step(pipeline, pipeline.teardown, { condition: false, keepPlan: false }) }],
            },
          },
        ],
      },
    },
  };
  return header + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * The jobs in order: jobs without predecessors in parallel, then one step each, the environment's jobs as a stage.
 * `onMain`: keep the plan, and (unless `byHand`, where every change set counts as changed) skip unchanged parts.
 */
function sequence(pipeline: Pipeline, jobs: readonly Job[], onMain: boolean, byHand = false): Yaml[] {
  const first = jobs.filter((job) => job.needs.length === 0);
  const rest = jobs.filter((job) => job.needs.length > 0 && !job.environment);
  const deploy = jobs.filter((job) => job.environment);
  const items: Yaml[] = [];
  const context = { condition: onMain && !byHand, keepPlan: onMain };
  if (first.length > 1) items.push({ parallel: first.map((job) => ({ step: step(pipeline, job, context) })) });
  else items.push(...first.map((job) => ({ step: step(pipeline, job, context) })));
  items.push(...rest.map((job) => ({ step: step(pipeline, job, context) })));
  if (deploy.length > 0) {
    items.push({
      stage: {
        name: `Deploy ${pipeline.environment}`,
        deployment: pipeline.environment,
        // Bitbucket's only approval: the stage waits for a person, since a step inside a stage cannot be manual.
        trigger: "manual",
        ...(byHand ? {} : { condition: { changesets: { includePaths: changePaths(pipeline) } } }),
        steps: deploy.map((job) => ({ step: step(pipeline, job, { condition: false, keepPlan: true }) })),
      },
    });
  }
  return items;
}

/**
 * One step. `condition`: carry the job's change condition (steps before the deploy stage on main). `keepPlan`:
 * keep the saved plan as an artifact (never on pull requests: it holds planned values in clear text).
 */
function step(pipeline: Pipeline, job: Job, context: { condition: boolean; keepPlan: boolean }): Yaml {
  const paths = job.onlyIfChanged?.flatMap((set) => pipeline.changeSets[set]);
  const uploads = context.keepPlan ? job.uploads : undefined;
  // Caches are shared by every branch and pull request on Bitbucket: a step holding credentials installs afresh.
  const trusted = job.cloudLogin || job.environment !== undefined;
  return {
    name: job.id,
    ...(job.cloudLogin && loginOf(pipeline, job).method === "oidc" ? { oidc: true } : {}),
    ...(trusted ? {} : { caches: ["node", "kkp-tools"] }),
    "max-time": timeoutMinutes(job),
    ...(context.condition && paths ? { condition: { changesets: { includePaths: paths } } } : {}),
    script: [
      "set -euo pipefail",
      ...(job.downloads
        ? [`if [ ! -d ${job.downloads.directory} ]; then echo "No saved plan: the infrastructure did not change, nothing to apply."; exit 0; fi`]
        : []),
      // Bitbucket has no pipeline-wide variables in the file: every step exports them.
      Object.entries({ ...pipeline.env, ...job.env }).map(([key, value]) => `export ${key}=${shellQuote(value)}`).join("\n"),
      // Bitbucket variables cannot hold line breaks: multi-line secrets are stored base64-encoded.
      ...secretsReadBy(pipeline, job)
        .filter((secret) => secret.format === "multiline")
        .map((secret) => `export ${secret.name}="$(printf '%s' "$${secret.name}" | base64 -d)"`),
      toolsScript(pipeline, job, TOOLS_DIR),
      ...(job.cloudLogin ? [loginOf(pipeline, job).script(OIDC_TOKEN)] : []),
      ...(job.sshAgent ? [sshAgentScript(SECRETS.sshPrivateKey.name)] : []),
      ...job.steps.map((s) => `# ${s.name}\n${s.run}`),
      ...(job.report ? [`cat ${job.report}`] : []),
      // Artifacts cannot exclude paths: drop what must not be kept (provider binaries) before they are collected.
      ...(uploads?.exclude ?? []).map((path) => `rm -rf ${uploads!.directory}/${path}`),
    ].filter((line) => line !== ""),
    ...(uploads || job.report ? { artifacts: [...(uploads ? [`${uploads.directory}/**`] : []), ...(job.report ? [job.report] : [])] } : {}),
  };
}

/** Every secret a job's commands read: the SSH key for the agent, its steps' secrets, static cloud keys. */
function secretsReadBy(pipeline: Pipeline, job: Job): Secret[] {
  const cloud = loginOf(pipeline, job);
  return [
    ...(job.sshAgent ? [SECRETS.sshPrivateKey] : []),
    ...job.steps.flatMap((s) => s.secrets ?? []),
    ...(job.cloudLogin ? cloud.keySecrets : []),
  ];
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
