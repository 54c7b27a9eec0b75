/**
 * The pipeline on Bitbucket (examples/gcp-bitbucket.yaml): the steps `bitbucket-pipelines.yml` runs per trigger,
 * computed from the rendered YAML (its parallel groups, step and stage `condition: changesets`), the deploy
 * stage bound to the deployment, and what the CI stack still does without a Bitbucket provider.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../config/load";
import { BITBUCKET_PIPELINES_PATH } from "../constructs/ci/bitbucket/bitbucket-pipelines";
import { installationOf, pipelineOf } from "../config/installation";
import { matchesAny } from "../constructs/pipeline/globs";
import { SEED_JOB_IDS } from "../constructs/core/pipeline-model";
import { repositoryFiles } from "../config/repository-files";
import { configErrorFor, configFrom, synthAll } from "./helpers";
import { bash } from "./shell";

const CONFIG_FILE = "examples/gcp-bitbucket.yaml";
const exampleText = readFileSync(path.join(PROJECT_ROOT, CONFIG_FILE), "utf8");
const config = configFrom(undefined, exampleText);
const files = repositoryFiles(installationOf({ config, configFile: CONFIG_FILE }));
const text = files.get(BITBUCKET_PIPELINES_PATH)!;
const pipelines = parse(text).pipelines;

const applies = (condition: any, changed: string[]) => !condition || changed.some((file) => matchesAny(condition.changesets.includePaths, file));

/** The steps Bitbucket runs for a trigger, in order; a push's steps follow their change conditions. */
function stepsRun(items: any[], changed?: string[]): string[] {
  return items.flatMap((item) => {
    if (item.parallel) return item.parallel.map((p: any) => p.step).filter((s: any) => !changed || applies(s.condition, changed)).map((s: any) => s.name);
    if (item.stage) return changed && !applies(item.stage.condition, changed) ? [] : item.stage.steps.map((s: any) => s.step.name);
    return !changed || applies(item.step.condition, changed) ? [item.step.name] : [];
  });
}

describe("the bitbucket-pipelines.yml of the Bitbucket example", () => {
  test("installs npm packages without lifecycle scripts in every step that can mint a cloud token", () => {
    const steps = pipelines.branches.main.flatMap((item: any) => [...(item.parallel ?? []), ...(item.stage?.steps ?? []), ...(item.step ? [item] : [])].map((s: any) => s.step));
    const credentialed = steps.filter((step: any) => step.oidc);
    expect(credentialed.length).toBeGreaterThan(0);
    for (const step of credentialed) {
      const scripts = step.script.join("\n").match(/npm ci[^\n]*/g) ?? [];
      expect({ step: step.name, scripts }).toEqual({ step: step.name, scripts: scripts.length > 0 ? ["npm ci --ignore-scripts --no-audit --no-fund"] : [] });
    }
  });

  test("pull requests run validate and plan", () => {
    expect(stepsRun(pipelines["pull-requests"]["**"])).toEqual(["terraform-kkp-validate", "terraform-kkp-dns-validate", "terraform-plan"]);
    expect(pipelines["pull-requests"]["**"][0].parallel).toHaveLength(2);
  });

  // Preparing the state bucket changes it, so it runs in the deployment stage, as the deployment's identity, after the plan.
  const deployOrder: string[] = SEED_JOB_IDS.filter((id) => id !== "terraform-backend-prepare");
  deployOrder.splice(deployOrder.indexOf("terraform-plan") + 1, 0, "terraform-backend-prepare");

  test("a push to main changing the infrastructure runs the whole chain, with the job names used on GitHub", () => {
    expect(stepsRun(pipelines.branches.main, ["constructs/gcp/cluster.ts"])).toEqual(deployOrder);
  });

  test("a push changing only kubermatic/ skips the plan; the deploy stage's apply finds no plan and stops", () => {
    expect(stepsRun(pipelines.branches.main, ["kubermatic/prod/values.yaml"])).toEqual(deployOrder.filter((id) => id !== "terraform-plan"));
    const apply = pipelines.branches.main.find((item: any) => item.stage).stage.steps[1].step;
    expect(apply.name).toBe("terraform-apply");
    expect(apply.script[1]).toBe('if [ ! -d cdktf.out/stacks/prod-cluster ]; then echo "No saved plan: the infrastructure did not change, nothing to apply."; exit 0; fi');
  });

  test("a push changing nothing the pipeline cares about runs only the validate steps", () => {
    expect(stepsRun(pipelines.branches.main, ["README.md"])).toEqual(["terraform-kkp-validate", "terraform-kkp-dns-validate"]);
  });

  test("a run by hand of the custom pipeline deploy-prod runs the whole chain, with no change conditions, keeping the plan for apply", () => {
    const custom = pipelines.custom["deploy-prod"];
    expect(stepsRun(custom, ["README.md"])).toEqual(deployOrder);
    expect(JSON.stringify(custom)).not.toContain("changesets");
    const plan = custom.find((item: any) => item.step?.name === "terraform-plan").step;
    expect(plan.artifacts).toEqual(["cdktf.out/stacks/prod-cluster/**", "plan-summary.md"]);
  });

  test("the custom pipeline teardown-prod checks the typed name and the branch without secrets, then waits for a second start", () => {
    const [variables, confirm, teardown] = pipelines.custom["teardown-prod"];
    expect(variables.variables).toEqual([{ name: "KKP_TEARDOWN_CONFIRM", description: expect.stringContaining("Type prod") }]);
    expect(confirm.step).not.toHaveProperty("deployment");
    expect(confirm.step).not.toHaveProperty("oidc");
    const check = (value: string, branch: string) =>
      bash(["-euo", "pipefail", "-c", confirm.step.script.join("\n")], { env: { ...process.env, KKP_TEARDOWN_CONFIRM: value, BITBUCKET_BRANCH: branch }, encoding: "utf8" }).status;
    expect([check("prod", "main"), check("PROD", "main"), check("", "main"), check("prod", "feature")]).toEqual([0, 1, 1, 1]);
    expect(teardown.stage).toMatchObject({ deployment: "prod", trigger: "manual", steps: [{ step: { name: "teardown", "max-time": 120 } }] });
    const script = teardown.stage.steps[0].step.script.join("\n");
    expect(script.indexOf("bash scripts/teardown.sh confirm prod")).toBeLessThan(script.indexOf("npx cdktf synth"));
  });

  test("the apply-and-later steps form one stage bound to the deployment, which Bitbucket allows once per pipeline", () => {
    const stages = pipelines.branches.main.filter((item: any) => item.stage);
    expect(stages).toHaveLength(1);
    expect(stages[0].stage).toMatchObject({ name: "Deploy prod", deployment: "prod" });
    for (const items of [pipelines.branches.main, pipelines.custom["deploy-prod"], pipelines.custom["teardown-prod"]]) {
      expect(JSON.stringify(items).match(/"deployment"/g)).toHaveLength(1);
    }
  });

  test("the deployment stage waits for someone to start it, after the plan step, and pull requests have no deployment at all", () => {
    const items = pipelines.branches.main;
    const stageAt = items.findIndex((item: any) => item.stage);
    expect(items[stageAt].stage.trigger).toBe("manual");
    // Not the first item (Bitbucket refuses a manual first step or stage), and after the plan reviewers read.
    expect(items.findIndex((item: any) => item.step?.name === "terraform-plan")).toBeLessThan(stageAt);
    // Nothing else is manual: the stage is the one approval (of each pipeline that has one).
    expect(JSON.stringify(pipelines.branches).match(/"trigger"/g)).toHaveLength(1);
    expect(JSON.stringify(pipelines.custom["teardown-prod"]).match(/"trigger"/g)).toHaveLength(1);
    expect(JSON.stringify(pipelines["pull-requests"])).not.toContain('"deployment"');
  });

  test("steps reach Google Cloud with the step's OIDC token through workload identity federation", () => {
    const plan = pipelines.branches.main.find((item: any) => item.step?.name === "terraform-plan").step;
    expect(plan.oidc).toBe(true);
    const script = plan.script.join("\n");
    expect(script).toContain('printf \'%s\' "$BITBUCKET_STEP_OIDC_TOKEN" > "$oidc_token_file"');
    expect(script).toContain('"audience":"//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/kkp-047f82/providers/bitbucket"');
    // Outside the deployment the read-only account; inside it the deployment's.
    expect(script).toContain("serviceAccounts/kkp-plan-047f82@acme-kkp-prod.iam.gserviceaccount.com:generateAccessToken");
    const apply = pipelines.branches.main.find((item: any) => item.stage).stage.steps.find((s: any) => s.step.name === "terraform-apply").step;
    expect(apply.script.join("\n")).toContain("serviceAccounts/prod-apply-047f82@acme-kkp-prod.iam.gserviceaccount.com:generateAccessToken");
    expect(script).toContain('export GOOGLE_APPLICATION_CREDENTIALS="$google_credentials"');
    // The plan travels to apply as an artifact, without provider binaries.
    expect(plan.artifacts).toEqual(["cdktf.out/stacks/prod-cluster/**", "plan-summary.md"]);
    expect(script).toContain("rm -rf cdktf.out/stacks/prod-cluster/.terraform");
  });

  test("flux bootstrap pushes over HTTPS with a repository access token (access keys are read-only), which never touches the command line", () => {
    const flux = stepsRun(pipelines.branches.main, ["constructs/x.ts"]).includes("flux-bootstrap");
    expect(flux).toBe(true);
    // flux reads GIT_PASSWORD (cmd/flux/bootstrap_git.go); --token-auth makes Flux pull with the same credentials.
    expect(text).toContain(
      'GIT_PASSWORD="$FLUX_BITBUCKET_TOKEN" flux bootstrap git --url=https://bitbucket.org/example-org/kkp-gitops.git --username=x-token-auth --token-auth=true --branch=main --path=flux/clusters/prod --silent',
    );
    expect(text).not.toContain("FLUX_SSH_PRIVATE_KEY");
  });

  test("a pull request's plan is not kept as an artifact: it holds planned values in clear text", () => {
    const plan = pipelines["pull-requests"]["**"].find((item: any) => item.step?.name === "terraform-plan").step;
    expect(plan.artifacts).toEqual(["plan-summary.md"]);
  });

  test("multi-line secrets, which Bitbucket variables cannot hold, are stored base64-encoded and decoded in the step", () => {
    const kubeone = pipelines.branches.main.find((item: any) => item.stage).stage.steps.find((s: any) => s.step.name === "kubeone-apply").step;
    const script = kubeone.script.join("\n");
    expect(script).toContain(`export SSH_PRIVATE_KEY="$(printf '%s' "$SSH_PRIVATE_KEY" | base64 -d)"`);
    expect(script).toContain(`export KUBEONE_CREDENTIALS="$(printf '%s' "$KUBEONE_CREDENTIALS" | base64 -d)"`);
    // A token is one line: stored as it is.
    expect(text).not.toContain(`export FLUX_BITBUCKET_TOKEN="$(printf`);
  });

  test("steps holding credentials do not use caches, which every branch and pull request shares", () => {
    const all = [...pipelines["pull-requests"]["**"], ...pipelines.branches.main].flatMap((item: any) =>
      item.parallel ? item.parallel.map((p: any) => p.step) : item.stage ? item.stage.steps.map((s: any) => s.step) : [item.step],
    );
    for (const s of all) expect({ step: s.name, caches: s.oidc || s.name === "kkp-deploy" ? s.caches : undefined }).toEqual({ step: s.name, caches: undefined });
    expect(all.find((s: any) => s.name === "terraform-kkp-validate").caches).toEqual(["node", "kkp-tools"]);
  });

  test("the validate step checks the committed files, so a stale bitbucket-pipelines.yml fails it", () => {
    expect(stepsRun(pipelines["pull-requests"]["**"])[0]).toBe("terraform-kkp-validate");
    expect(text).toContain("npx tsx scripts/render.ts --check");
  });
});

describe("the CI stack without a Bitbucket provider", () => {
  const ci = synthAll(config, CONFIG_FILE).ci;

  test("generates KKP's secrets and exposes them as sensitive outputs for the deployment variables", () => {
    const generated = pipelineOf(installationOf({ config, configFile: CONFIG_FILE })).secrets.filter((s) => s.generated).map((s) => `${s.name.toLowerCase()}_prod`);
    expect(Object.keys(ci.output!).sort()).toEqual([...generated, "kkp_admin_password_prod"].sort());
    for (const name of generated) expect(ci.output![name]).toMatchObject({ sensitive: true });
    expect(Object.keys(ci.resource)).toEqual(expect.arrayContaining(["random_password", "random_uuid"]));
    expect(Object.keys(ci.resource).filter((type) => !type.startsWith("random_"))).toEqual([]);
  });

  test("several environments are refused for Bitbucket, with the reason", () => {
    expect(configErrorFor((c) => (c.environments = [{ name: "ops" }, { name: "apps" }]), exampleText)).toContain("with bitbucket, deploy one environment per configuration");
  });

  test("Flux reports commit statuses to the Bitbucket repository", () => {
    const notifications = files.get("flux/clusters/prod/kkp/parts/notifications.yaml")!;
    expect(notifications).toContain("type: bitbucket");
    expect(notifications).toContain("address: https://bitbucket.org/example-org/kkp-gitops");
  });
});
