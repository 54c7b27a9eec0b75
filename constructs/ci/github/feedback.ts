/**
 * The GitHub workflows around the delivery pipeline, rendered from the same pipelines:
 *
 * - post-deployment: started by Flux (a repository_dispatch, or a commit status it posted), it finds which
 *   environment and commit the event is about, checks every Flux part of that environment is healthy there,
 *   smoke-tests the endpoints, and opens the promotion gate to the next environment: the gate job is bound to
 *   that environment, so its reviewers approve, and then tags the commit and starts that environment's pipeline.
 *   Flux's githubdispatch provider does not forward a Kustomization's final "reconciliation finished" event, so a
 *   deployment without changes sends no dispatch; its commit status (posted for every new revision) starts the
 *   workflow instead, through the `status` trigger.
 * - drift detection: every day, a plan of every environment's cluster stack with `-detailed-exitcode`; drift is
 *   reported in the job summary and in an issue per environment, never applied.
 */
import type { KkpConfig } from "../../../config/settings/resolve";
import { fluxParts } from "../../content/flux-parts";
import { deployTagPattern, deployTagPrefix, fluxKustomizationName, stackDir, stackIds } from "../../core/names";
import type { Pipeline } from "../../core/pipeline-model";
import { PLAN_FILE, SYNTH, terraform, TERRAFORM_FLAGS } from "../../pipeline/shell";
import { cloudLoginStep, laterEnvironmentWorkflow, SHELL_DEFAULTS, toolSteps, uses, workflowText } from "./workflow";

export const POST_DEPLOY_PATH = ".github/workflows/kkp-post-deploy.yml";
export const DRIFT_PATH = ".github/workflows/kkp-drift.yml";

/** Flux's dispatch event type: `<Kind>/<name>.<namespace>`. */
export function dispatchTypes(config: KkpConfig): string[] {
  return config.environments.flatMap((env) => fluxParts(config).map((part) => `Kustomization/${fluxKustomizationName(env.name, part)}.flux-system`));
}

const checkout = () => uses("checkout", { "persist-credentials": false });

/** Whether the runners reach the API directly: inside the network (no bastion), or the API open to every address. */
function apiOpenToRunners(config: KkpConfig): boolean {
  return !config.bastion.enabled || config.access.apiCidrs.some((cidr) => cidr.endsWith("/0"));
}

export function renderPostDeployWorkflow(config: KkpConfig, first: Pipeline, header: string): string {
  // Every job here holds a token of the run (statuses, or contents and actions write): no install scripts beside it.
  const node = toolSteps(first, ["node"], true);
  const api = { GH_TOKEN: "${{ github.token }}" };
  // The environment is the event's: the cluster stack's directory is named at run time.
  const clusterDir = stackDir(stackIds.cluster("$KKP_ENV"));
  const workflow = {
    name: "kkp post-deployment",
    on: { repository_dispatch: { types: dispatchTypes(config) }, status: {} },
    permissions: {},
    env: { ...first.env },
    defaults: SHELL_DEFAULTS,
    jobs: {
      verify: {
        name: "Find the deployment and check its health",
        "runs-on": first.runner,
        // Only Flux's events: its dispatches, and successful commit statuses of its Kustomizations.
        if: "github.event_name == 'repository_dispatch' || (github.event.state == 'success' && startsWith(github.event.context, 'kustomization/kkp-'))",
        permissions: { contents: "read", statuses: "read" },
        env: api,
        outputs: Object.fromEntries(["env", "sha", "next", "healthy"].map((key) => [key, `\${{ steps.verify.outputs.${key} }}`])),
        "timeout-minutes": 10,
        steps: [checkout(), ...node, { name: "Check every Flux part of the environment", id: "verify", run: "npx tsx scripts/promotion.ts verify" }],
      },
      "smoke-test": apiOpenToRunners(config)
        ? {
            name: "Smoke-test ${{ needs.verify.outputs.env }}",
            "runs-on": first.runner,
            needs: ["verify"],
            if: "needs.verify.outputs.healthy == 'true'",
            permissions: { contents: "read", ...(first.cloud.plan.method === "oidc" ? { "id-token": "write" } : {}) },
            "timeout-minutes": 20,
            env: { KKP_ENV: "${{ needs.verify.outputs.env }}" },
            steps: [
              checkout(),
              ...toolSteps(first, ["node", "terraform"], true),
              // Only to read the cluster stack's outputs: where the Kubernetes API is.
              cloudLoginStep(first.cloud.plan),
              {
                name: "Find the Kubernetes API",
                run: [
                  SYNTH,
                  `terraform -chdir="${clusterDir}" init ${TERRAFORM_FLAGS}`,
                  // On its own line, so that a failing output or an empty endpoint fails the step instead of skipping the check.
                  `endpoint="$(terraform -chdir="${clusterDir}" output -json kubeone_api | jq -er .endpoint)"`,
                  'echo "endpoint=$endpoint" >> "$GITHUB_OUTPUT"',
                ].join("\n"),
                id: "api",
              },
              {
                name: "Smoke-test the cluster and the KKP endpoints",
                run: 'npx tsx scripts/smoke-test.ts "$KKP_ENV" "$API_ENDPOINT" | tee -a "$GITHUB_STEP_SUMMARY"',
                env: { API_ENDPOINT: "${{ steps.api.outputs.endpoint }}" },
              },
            ],
          }
        : {
            // The API admits no runner (the pipeline reaches it through its tunnel): the public KKP endpoints only.
            name: "Smoke-test ${{ needs.verify.outputs.env }}",
            "runs-on": first.runner,
            needs: ["verify"],
            if: "needs.verify.outputs.healthy == 'true'",
            permissions: { contents: "read" },
            "timeout-minutes": 20,
            env: { KKP_ENV: "${{ needs.verify.outputs.env }}" },
            steps: [checkout(), ...node, { name: "Smoke-test the KKP endpoints", run: 'npx tsx scripts/smoke-test.ts "$KKP_ENV" | tee -a "$GITHUB_STEP_SUMMARY"' }],
          },
      promote: {
        name: "Promote to ${{ needs.verify.outputs.next }}",
        "runs-on": first.runner,
        needs: ["verify", "smoke-test"],
        if: "needs.verify.outputs.next != ''",
        // The next environment's reviewers approve the promotion here.
        environment: "${{ needs.verify.outputs.next }}",
        // Events about one deployment queue here one at a time (a newer duplicate replaces a waiting one); the
        // verify job already dropped those that found the commit promoted.
        concurrency: { group: "kkp-promote-${{ needs.verify.outputs.next }}-${{ needs.verify.outputs.sha }}", "cancel-in-progress": false },
        permissions: { contents: "write", actions: "write" },
        "timeout-minutes": 10,
        steps: [
          checkout(),
          ...node,
          {
            name: "Tag the commit and start the next environment's pipeline",
            run: 'npx tsx scripts/promotion.ts promote "$NEXT"',
            env: { ...api, NEXT: "${{ needs.verify.outputs.next }}", SHA: "${{ needs.verify.outputs.sha }}" },
          },
        ],
      },
    },
  };
  return workflowText(header, workflow, [first.cloud.plan.setupAction.action]);
}

export const DEPLOY_TAGS_PATH = ".github/workflows/kkp-deploy-tags.yml";

/**
 * Deploy tags pushed by people: a tag-triggered workflow runs from the tagged commit, whose workflow files
 * anyone with write access can edit, so this one holds nothing worth taking (no secrets, no environment, no
 * cloud identity; the environments admit main only). It hands the tag to the environment's pipeline, which runs
 * with main's reviewed definition and checks the tag itself.
 */
export function renderDeployTagsWorkflow(config: KkpConfig, first: Pipeline, header: string): string {
  const later = config.environments.slice(1).sort((a, b) => b.name.length - a.name.length);
  const workflow = {
    name: "kkp deploy tags",
    on: { push: { tags: later.map((env) => deployTagPattern(env.name)) } },
    permissions: {},
    defaults: SHELL_DEFAULTS,
    jobs: {
      dispatch: {
        name: "Start the environment's pipeline for ${{ github.ref_name }}",
        "runs-on": first.runner,
        permissions: { actions: "write" },
        env: { GH_TOKEN: "${{ github.token }}", GH_REPO: "${{ github.repository }}", TAG: "${{ github.ref_name }}" },
        "timeout-minutes": 5,
        steps: [
          {
            name: "Dispatch the environment's workflow on main",
            run: [
              'case "$TAG" in',
              ...later.map((env) => `  ${deployTagPrefix(env.name)}?*) workflow=${laterEnvironmentWorkflow(env.name)} ;;`),
              '  *) echo "$TAG is not a deploy tag of an environment after the first" >&2; exit 1 ;;',
              "esac",
              `gh workflow run "$workflow" --ref ${first.mainBranch} -f tag="$TAG"`,
            ].join("\n"),
          },
        ],
      },
    },
  };
  return workflowText(header, workflow);
}

export function renderDriftWorkflow(config: KkpConfig, first: Pipeline, header: string): string {
  const oidc = first.cloud.plan.method === "oidc";
  const workflow = {
    name: "kkp drift",
    on: { schedule: [{ cron: "17 5 * * *" }], workflow_dispatch: {} },
    permissions: {},
    env: { ...first.env },
    defaults: SHELL_DEFAULTS,
    jobs: Object.fromEntries(
      config.environments.map((env) => {
        const stack = stackIds.cluster(env.name);
        return [
          `drift-${env.name}`,
          {
            name: `Detect drift in ${env.name}`,
            "runs-on": first.runner,
            permissions: { contents: "read", issues: "write", ...(oidc ? { "id-token": "write" } : {}) },
            env: { GH_TOKEN: "${{ github.token }}" },
            "timeout-minutes": 30,
            steps: [
              checkout(),
              ...toolSteps(first, ["node", "terraform"], true),
              cloudLoginStep(first.cloud.plan),
              { name: "Synthesize the stacks", run: SYNTH },
              {
                name: "Plan without applying",
                run: [
                  terraform(stack, `init ${TERRAFORM_FLAGS}`),
                  // A read-only plan: no lock, so a running deployment is never blocked by it.
                  `code=0`,
                  `${terraform(stack, `plan -input=false -lock=false -detailed-exitcode -out=${PLAN_FILE}`)} || code=$?`,
                  `if [ "$code" = 0 ]; then echo "No drift in ${env.name}." >> "$GITHUB_STEP_SUMMARY"; exit 0; fi`,
                  `[ "$code" = 2 ] || exit "$code"`,
                  `${terraform(stack, `show -json ${PLAN_FILE}`)} > plan.json`,
                  `npx tsx scripts/plan-summary.ts ${stack} plan.json > drift.md`,
                  `cat drift.md >> "$GITHUB_STEP_SUMMARY"`,
                  `title="Drift in ${env.name}"`,
                  `issue=$(gh issue list --state open --search "\\"$title\\" in:title" --json number --jq '.[0].number // empty')`,
                  `if [ -n "$issue" ]; then gh issue comment "$issue" --body-file drift.md; else gh issue create --title "$title" --body-file drift.md; fi`,
                ].join("\n"),
              },
            ],
          },
        ];
      }),
    ),
  };
  return workflowText(header, workflow, [first.cloud.plan.setupAction.action]);
}
