/**
 * Renders the pipeline model as a GitHub Actions workflow: a pure function from data to YAML text.
 * Hardening is structural here: `permissions: {}` at the top and the least each job needs; third-party actions
 * pinned to full commit SHAs from one table; `pull_request` only (forks get no secrets); event data reaches
 * shell only through `env:`, never interpolated into a script; deploy jobs bound to a GitHub environment and
 * serialized by a concurrency group that never cancels a running deployment.
 */
import { stringify } from "yaml";
import { TOOLS_HOME } from "../../core/names";
import { CHANGE_SETS, changePaths, loginOf, type Artifact, type CloudLogin, type Job, type PinnedAction, type Pipeline, type Secret, type Tool, TEARDOWN_CONFIRM_VARIABLE, timeoutMinutes } from "../../core/pipeline-model";
import { SECRETS } from "../../core/secrets";
import { holdsCredentials, installSpecs, npmInstall } from "../../pipeline/shell";

/** Every action the workflows use besides the cloud's login action, pinned to the commit of the release named beside it. */
export const ACTIONS = {
  checkout: { uses: "actions/checkout", sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", version: "v7.0.1" },
  setupNode: { uses: "actions/setup-node", sha: "820762786026740c76f36085b0efc47a31fe5020", version: "v7.0.0" },
  cache: { uses: "actions/cache", sha: "27d5ce7f107fe9357f9df03efb73ab90386fccae", version: "v5.0.5" },
  uploadArtifact: { uses: "actions/upload-artifact", sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", version: "v7.0.0" },
  downloadArtifact: { uses: "actions/download-artifact", sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", version: "v8.0.1" },
  setupTerraform: { uses: "hashicorp/setup-terraform", sha: "dfe3c3f87815947d99a8997f908cb6525fc44e9e", version: "v4.0.1" },
} as const satisfies Record<string, PinnedAction>;

export const WORKFLOW_PATH = ".github/workflows/kkp.yml";

/** The first environment's workflow is kkp.yml; every later environment has its own, run by its deploy tags. */
export function workflowPath(pipeline: Pipeline): string {
  return pipeline.deployTag ? `.github/workflows/${laterEnvironmentWorkflow(pipeline.environment)}` : WORKFLOW_PATH;
}

/** The workflow file of an environment after the first, which deploy tags and the promotion gate dispatch. */
export function laterEnvironmentWorkflow(env: string): string {
  return `kkp-${env}.yml`;
}
const SSH_AUTH_SOCK = "/tmp/kkp-ssh-agent.sock";
/** Terraform's provider cache, relative to the home directory. */
const PLUGIN_CACHE = ".terraform.d/plugin-cache";

type Yaml = Record<string, unknown>;

export function uses(action: keyof typeof ACTIONS | PinnedAction, inputs?: Yaml, name?: string): Yaml {
  const a = typeof action === "string" ? ACTIONS[action] : action;
  return { ...(name ? { name } : {}), uses: `${a.uses}@${a.sha}`, ...(inputs ? { with: inputs } : {}) };
}

/** The shell every workflow runs its steps in. */
export const SHELL_DEFAULTS = { run: { shell: "bash --noprofile --norc -euo pipefail {0}" } };

/** YAML text with each pinned action (those of ACTIONS, and `pins`) annotated with its release. */
export function workflowText(header: string, workflow: Record<string, unknown>, pins: readonly PinnedAction[] = []): string {
  const text = [...Object.values(ACTIONS), ...pins].reduce(
    (yaml, a) => yaml.split(`uses: ${a.uses}@${a.sha}\n`).join(`uses: ${a.uses}@${a.sha} # ${a.version}\n`),
    // Steps shared between jobs are written out in each, never as YAML aliases (GitHub does not accept them).
    stringify(workflow, { lineWidth: 0, aliasDuplicateObjects: false }),
  );
  return `${header}${text}`;
}

export function renderGithubWorkflow(pipeline: Pipeline, header: string): string {
  const workflow = {
    name: `kkp ${pipeline.environment}`,
    // A later environment runs by dispatch on main with the deploy tag as input (from the tag dispatcher or the
    // promotion gate), so its definition is always main's, reviewed; its first job resolves and checks the tag.
    on: pipeline.deployTag
      ? { workflow_dispatch: { inputs: { tag: { description: `Deploy tag to deploy (${pipeline.deployTag.pattern})`, required: true, type: "string" } } } }
      : {
          pull_request: { branches: [pipeline.mainBranch] },
          push: { branches: [pipeline.mainBranch], paths: changePaths(pipeline) },
          // Run by hand on main (the first deployment; the CI stack commits with [skip ci]): the whole chain.
          workflow_dispatch: {},
        },
    permissions: {},
    // Deployments of one environment queue behind each other and are never cancelled midway; a pull request's
    // runs only replace that pull request's older runs.
    concurrency: {
      group: pipeline.deployTag ? deployGroup(pipeline) : `kkp-${pipeline.environment}-\${{ github.event_name != 'pull_request' && 'deploy' || github.ref }}`,
      "cancel-in-progress": false,
    },
    env: { ...pipeline.env },
    defaults: SHELL_DEFAULTS,
    jobs: Object.fromEntries(pipeline.jobs.map((job) => [job.id, renderJob(pipeline, job)])),
  };
  return workflowText(header, workflow, [pipeline.cloud.plan.setupAction.action]);
}

/** The concurrency group of an environment's deployments, which its teardown joins. */
function deployGroup(pipeline: Pipeline): string {
  return `kkp-${pipeline.environment}-deploy`;
}

/** The teardown workflow of an environment: dispatched by hand on main, with the environment's name typed in. */
export function teardownWorkflowPath(environment: string): string {
  return `.github/workflows/kkp-${environment}-teardown.yml`;
}

export function renderTeardownWorkflow(pipeline: Pipeline, header: string): string {
  const job = pipeline.teardown;
  const rendered = renderJob(pipeline, job);
  const workflow = {
    name: `kkp ${pipeline.environment} teardown`,
    on: {
      workflow_dispatch: {
        inputs: {
          confirm: {
            description: `Type ${pipeline.environment} to destroy its cluster, KKP with its user clusters, and its DNS records (the state stays)`,
            required: true,
            type: "string",
          },
        },
      },
    },
    permissions: {},
    // Never beside a deployment of the same environment.
    concurrency: { group: deployGroup(pipeline), "cancel-in-progress": false },
    env: { ...pipeline.env },
    defaults: SHELL_DEFAULTS,
    jobs: {
      [TEARDOWN_AUTHORIZE_JOB]: teardownAuthorization(pipeline),
      [job.id]: {
        name: rendered.name,
        // Skipped, before any approval is asked, unless run on main with the environment's name.
        if: `github.ref == 'refs/heads/${pipeline.mainBranch}' && inputs.confirm == '${pipeline.environment}'`,
        ...rendered,
        needs: [TEARDOWN_AUTHORIZE_JOB],
        env: { ...(rendered.env as Yaml | undefined), [TEARDOWN_CONFIRM_VARIABLE]: "${{ inputs.confirm }}" },
      },
    },
  };
  return workflowText(header, workflow, [pipeline.cloud.apply.setupAction.action]);
}

const TEARDOWN_AUTHORIZE_JOB = "authorize";

/**
 * Before any credential: the typed name exactly (GitHub's `==` ignores case), and who asks. Dispatching needs only
 * write access, while a destructive change otherwise needs a reviewed merge; a repository admin can merge alone
 * anyway (branch protection does not bind admins), so only admins may start a teardown. Environment reviewers,
 * where configured, approve it as well.
 */
function teardownAuthorization(pipeline: Pipeline): Yaml {
  const env = pipeline.environment;
  return {
    name: `Check the confirmation and that a repository admin asks`,
    "runs-on": pipeline.runner,
    if: `github.ref == 'refs/heads/${pipeline.mainBranch}'`,
    permissions: { contents: "read" },
    "timeout-minutes": 5,
    steps: [
      {
        name: "Refuse unless an admin typed the environment's name",
        run: [
          `if [ "$${TEARDOWN_CONFIRM_VARIABLE}" != ${env} ]; then echo "Type ${env} exactly to tear it down (got '$${TEARDOWN_CONFIRM_VARIABLE}')." >&2; exit 1; fi`,
          'permission="$(gh api "repos/$GH_REPO/collaborators/$ACTOR/permission" --jq .permission)"',
          `if [ "$permission" != admin ]; then echo "Only a repository admin may tear ${env} down; $ACTOR has the $permission role." >&2; exit 1; fi`,
          `echo "$ACTOR, a repository admin, asked to tear ${env} down."`,
        ].join("\n"),
        env: {
          [TEARDOWN_CONFIRM_VARIABLE]: "${{ inputs.confirm }}",
          // Whoever started this attempt, also on a re-run.
          ACTOR: "${{ github.triggering_actor }}",
          GH_TOKEN: "${{ github.token }}",
          GH_REPO: "${{ github.repository }}",
        },
      },
    ],
  };
}

function renderJob(pipeline: Pipeline, job: Job): Yaml {
  const condition = jobCondition(pipeline, job);
  const oidc = job.cloudLogin && loginOf(pipeline, job).method === "oidc";
  const detector = job.id === pipeline.changeDetector && pipeline.jobs.some((j) => j.onlyIfChanged);
  const needs = [...new Set([...job.needs, ...(job.after ?? []), ...(job.onlyIfChanged ? [pipeline.changeDetector] : [])])];
  return {
    name: job.title,
    "runs-on": pipeline.runner,
    needs: needs.length > 0 ? needs : undefined,
    ...(condition ? { if: condition } : {}),
    ...(detector ? { outputs: Object.fromEntries(CHANGE_SETS.map((set) => [set, `\${{ steps.changes.outputs.${set} }}`])) } : {}),
    ...(job.outputs ? { outputs: Object.fromEntries(job.outputs.map((o) => [o.name, `\${{ steps.${o.step}.outputs.${o.name} }}`])) } : {}),
    ...(job.environment ? { environment: job.environment } : {}),
    permissions: {
      contents: "read",
      ...(oidc ? { "id-token": "write" } : {}),
      ...(job.report && job.triggers.includes("change-request") ? { "pull-requests": "write" } : {}),
      ...(job.repositoryApi?.includes("read-statuses") ? { statuses: "read" } : {}),
    },
    ...(job.sshAgent || job.env || job.repositoryApi
      ? { env: { ...(job.sshAgent ? { SSH_AUTH_SOCK } : {}), ...(job.repositoryApi ? { GH_TOKEN: "${{ github.token }}" } : {}), ...job.env } }
      : {}),
    "timeout-minutes": timeoutMinutes(job),
    steps: [
      // The change detector compares with the commit before the push, so it needs the history.
      uses("checkout", { "persist-credentials": false, ...(detector ? { "fetch-depth": 0 } : {}), ...checkoutRef(pipeline, job) }),
      ...toolSteps(pipeline, job.tools, holdsCredentials(job)),
      ...(detector ? [changeDetectionStep()] : []),
      ...(job.cloudLogin ? [cloudLoginStep(loginOf(pipeline, job))] : []),
      ...(job.sshAgent ? [sshAgentStep()] : []),
      ...(job.downloads ? [download(job.downloads)] : []),
      ...job.steps.map((s) => ({ name: s.name, ...(s.id ? { id: s.id } : {}), run: s.run, ...mergedEnv(secretEnv(s.secrets ?? []), inputEnv(pipeline, job)) })),
      ...(job.report ? reportSteps(job.report, job.triggers.includes("change-request")) : []),
      ...(job.uploads ? [upload(pipeline, job.uploads)] : []),
    ],
  };
}

function mergedEnv(...parts: Yaml[]): Yaml {
  const env = Object.assign({}, ...parts.map((p) => (p.env ?? {}) as Yaml));
  return Object.keys(env).length > 0 ? { env } : {};
}

/** In a later environment's pipeline, every job but the one resolving the tag works on the tagged commit. */
function checkoutRef(pipeline: Pipeline, job: Job): Yaml {
  const commit = pipeline.deployTag?.commit;
  return commit && job.needs.includes(commit.job) ? { ref: `\${{ needs.${commit.job}.outputs.${commit.output} }}` } : {};
}

/** The job resolving the deploy tag reads it from the dispatch input, through env like all event data. */
function inputEnv(pipeline: Pipeline, job: Job): Yaml {
  return pipeline.deployTag?.commit.job === job.id ? { env: { DEPLOY_TAG: "${{ inputs.tag }}" } } : {};
}

/**
 * Jobs for main only run on push. A job with soft dependencies or a change condition evaluates its `needs`
 * itself: hard ones must have succeeded, soft ones may have been skipped, and no ancestor may have failed
 * (`failure()` looks at the whole chain, so a failure is never laundered into a "skipped" further down).
 */
function jobCondition(pipeline: Pipeline, job: Job): string | undefined {
  const mainOnly = job.triggers.includes("main") && !job.triggers.includes("change-request");
  // On main: pushed, or run by hand (workflow_dispatch, which only the first environment's workflow accepts here).
  const parts: string[] = mainOnly ? ["github.event_name != 'pull_request'"] : [];
  if ((job.after ?? []).length > 0 || job.onlyIfChanged) {
    parts.unshift("!cancelled() && !failure()");
    for (const need of job.needs) parts.push(`needs.${need}.result == 'success'`);
    for (const after of job.after ?? []) parts.push(`(needs.${after}.result == 'success' || needs.${after}.result == 'skipped')`);
  }
  if (job.onlyIfChanged) {
    const changed = job.onlyIfChanged.map((set) => `needs.${pipeline.changeDetector}.outputs.${set} == 'true'`).join(" || ");
    parts.push(mainOnly ? `(${changed})` : `(github.event_name == 'pull_request' || ${changed})`);
  }
  return parts.length > 0 ? parts.join(" && ") : undefined;
}

/** Works out which change sets the push changed (scripts/change-sets.ts); event data reaches it through env. */
function changeDetectionStep(): Yaml {
  return {
    name: "Detect what the push changed",
    id: "changes",
    // A run by hand has no commit before it: every change set counts as changed.
    if: "github.event_name != 'pull_request'",
    run: 'npx tsx scripts/change-sets.ts "$BEFORE" "$AFTER" | tee -a "$GITHUB_OUTPUT"',
    env: { BEFORE: "${{ github.event.before }}", AFTER: "${{ github.sha }}" },
  };
}

function secretRef(secret: Secret): string {
  return `\${{ secrets.${secret.name} }}`;
}

function secretEnv(secrets: readonly Secret[]): Yaml {
  return secrets.length > 0 ? { env: Object.fromEntries(secrets.map((s) => [s.name, secretRef(s)])) } : {};
}

/** The setup steps of `tools`; `cloudLogin` when the job logs in to the cloud, so npm runs no install script. */
export function toolSteps(pipeline: Pipeline, tools: readonly Tool[], withoutScripts: boolean): Yaml[] {
  const steps: Yaml[] = [];
  const v = pipeline.tools;
  if (tools.includes("node")) {
    steps.push(uses("setupNode", { "node-version": v.node, cache: "npm" }));
    steps.push({ name: "Install dependencies", run: npmInstall(withoutScripts) });
  }
  if (tools.includes("terraform")) {
    steps.push(uses("setupTerraform", { terraform_version: v.terraform, terraform_wrapper: false }));
    steps.push({ name: "Prepare the provider cache", run: `mkdir -p ~/${PLUGIN_CACHE}\necho "TF_PLUGIN_CACHE_DIR=$HOME/${PLUGIN_CACHE}" >> "$GITHUB_ENV"` });
    steps.push(uses("cache", { path: `~/${PLUGIN_CACHE}`, key: "terraform-providers-${{ runner.os }}-${{ hashFiles('package-lock.json') }}" }, "Cache Terraform providers"));
  }
  const binaries = installSpecs(v, tools, false);
  if (binaries.length > 0) {
    steps.push(uses("cache", { path: `~/${TOOLS_HOME}`, key: `kkp-tools-\${{ runner.os }}-${binaries.join("-")}` }, "Cache tools"));
    steps.push({ name: "Install tools", run: `bash scripts/install-tools.sh ${binaries.join(" ")}\necho "$HOME/${TOOLS_HOME}/bin" >> "$GITHUB_PATH"` });
  }
  return steps;
}

/** The cloud's own login action, with secrets referred to the GitHub way. */
export function cloudLoginStep(login: CloudLogin): Yaml {
  const action = login.setupAction;
  return uses(action.action, action.inputs(secretRef), action.name);
}

function sshAgentStep(): Yaml {
  return {
    name: "Load the SSH key into an agent",
    run: `ssh-agent -a "$SSH_AUTH_SOCK" > /dev/null\nssh-add - <<< "$${SECRETS.sshPrivateKey.name}"`,
    ...secretEnv([SECRETS.sshPrivateKey]),
  };
}

function reportSteps(file: string, onChangeRequests: boolean): Yaml[] {
  const summary = { name: "Show the plan in the job summary", run: `cat ${file} >> "$GITHUB_STEP_SUMMARY"` };
  if (!onChangeRequests) return [summary];
  return [
    summary,
    {
      name: "Comment the plan on the pull request",
      if: "github.event_name == 'pull_request'",
      run: `gh pr comment "$PR_NUMBER" --body-file ${file} --edit-last || gh pr comment "$PR_NUMBER" --body-file ${file}`,
      env: { GH_TOKEN: "${{ github.token }}", GH_REPO: "${{ github.repository }}", PR_NUMBER: "${{ github.event.pull_request.number }}" },
    },
  ];
}

/** Uploaded only on the events whose jobs download it: a saved plan holds sensitive values in clear text. */
function upload(pipeline: Pipeline, artifact: Artifact): Yaml {
  const excluded = (artifact.exclude ?? []).map((p) => `!${artifact.directory}/${p}`);
  const consumers = pipeline.jobs.filter((j) => j.downloads?.name === artifact.name);
  const notOnChangeRequests = consumers.every((j) => !j.triggers.includes("change-request"));
  return {
    ...uses(
      "uploadArtifact",
      { name: artifact.name, path: [artifact.directory, ...excluded].join("\n"), "include-hidden-files": true, "retention-days": 7, "if-no-files-found": "error" },
      "Keep the plan for apply",
    ),
    ...(notOnChangeRequests ? { if: "github.event_name != 'pull_request'" } : {}),
  };
}

function download(artifact: Artifact): Yaml {
  return uses("downloadArtifact", { name: artifact.name, path: artifact.directory }, "Fetch the saved plan");
}
