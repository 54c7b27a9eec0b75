/**
 * The GitHub Actions workflow, checked as GitHub would run it: actionlint's verdict, and which jobs run, in
 * which order, for a pull request, a push to main, and a push that touches nothing the pipeline cares about.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../config/load";
import { SEED_JOB_IDS } from "../constructs/core/pipeline-model";
import { planCounts, planSummary } from "../constructs/pipeline/plan-summary";
import { repositoryFiles } from "../config/repository-files";
import { installationOf } from "../config/installation";
import { WORKFLOW_PATH } from "../constructs/ci/github/workflow";
import { configFrom, gcpExampleText } from "./helpers";
import { actionlint, jobsRun } from "./workflow-sim";
import { envWithoutConfig, testDir } from "./test-dirs";

type Edit = Parameters<typeof configFrom>[0];
const workflowText = (edit?: Edit, text?: string) =>
  repositoryFiles(installationOf({ config: configFrom(edit, text), configFile: "kkp.yaml" })).get(WORKFLOW_PATH)!;
const workflowOf = (edit?: Edit, text?: string) => parse(workflowText(edit, text));

describe("the GitHub Actions workflow", () => {
  const workflow = workflowOf();

  test.each([
    ["the embedded AWS example", undefined, undefined],
    ["the GCP example", undefined, gcpExampleText],
    ["static keys instead of OIDC", ((c: any) => { delete c.cloud.aws.accountId; c.pipeline = { credentials: "static-keys" }; }) as Edit, undefined],
  ])("actionlint reports nothing for %s", async (_, edit, text) => {
    expect(await actionlint(workflowText(edit, text))).toEqual([]);
  });

  test("actionlint does find problems (the check can fail)", async () => {
    const broken = workflowText().replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    needs: [no-such-job]");
    expect((await actionlint(broken)).map((p) => p.message).join("\n")).toContain("no-such-job");
  });

  test("has the nine jobs under their seed names", () => {
    expect(Object.keys(workflow.jobs)).toEqual([...SEED_JOB_IDS]);
  });

  test("a pull request runs only validate and plan", () => {
    expect(jobsRun(workflow, "pull_request")).toEqual(["terraform-kkp-validate", "terraform-kkp-dns-validate", "terraform-plan"]);
  });

  test("a push to main that changes the infrastructure code runs the whole chain in order", () => {
    expect(jobsRun(workflow, "push", ["constructs/aws/cluster.ts"])).toEqual([...SEED_JOB_IDS]);
    for (const changed of [".github/workflows/kkp.yml", "package-lock.json", "stacks/dns-stack.ts"]) {
      expect(jobsRun(workflow, "push", [changed])).toHaveLength(9);
    }
  });

  test("a push to main that touches only unrelated paths runs nothing", () => {
    expect(jobsRun(workflow, "push", ["README.md", "docs/notes.md"])).toEqual([]);
  });

  test("a push that changes only flux/ runs no job at all: Flux pulls it", () => {
    expect(jobsRun(workflow, "push", ["flux/clusters/prod/kkp/seed.yaml"])).toEqual([]);
  });

  test("a push that changes only kubermatic/ skips Terraform and KubeOne", () => {
    expect(jobsRun(workflow, "push", ["kubermatic/values.yaml"])).toEqual([
      "terraform-kkp-validate",
      "terraform-kkp-dns-validate",
      "kkp-deploy",
      "flux-bootstrap",
      "dns-update",
    ]);
  });

  test("a push that changes only kubeone/ skips Terraform but runs KubeOne and what follows", () => {
    expect(jobsRun(workflow, "push", ["kubeone/kubeone.yaml"])).toEqual([
      "terraform-kkp-validate",
      "terraform-kkp-dns-validate",
      "kubeone-apply",
      "kkp-deploy",
      "flux-bootstrap",
      "dns-update",
    ]);
  });

  test("a failed job stops everything after it, even past skipped jobs", () => {
    expect(jobsRun(workflow, "push", ["constructs/aws/cluster.ts"], ["terraform-apply"])).toEqual([
      "terraform-kkp-validate",
      "terraform-kkp-dns-validate",
      "terraform-backend-prepare",
      "terraform-plan",
      "terraform-apply",
    ]);
    expect(jobsRun(workflow, "push", ["kubermatic/values.yaml"], ["kkp-deploy"])).toEqual([
      "terraform-kkp-validate",
      "terraform-kkp-dns-validate",
      "kkp-deploy",
    ]);
  });

  test("pull-request feedback takes at most two sequential jobs", () => {
    const depth = (id: string): number => 1 + Math.max(0, ...(workflow.jobs[id].needs ?? []).filter((n: string) => jobsRun(workflow, "pull_request").includes(n)).map(depth));
    expect(Math.max(...jobsRun(workflow, "pull_request").map(depth))).toBe(2);
  });

  test("chains each deploy job on the one before it", () => {
    const needs = (id: string) => workflow.jobs[id].needs;
    expect(needs("terraform-apply")).toEqual(["terraform-plan", "terraform-backend-prepare", "terraform-kkp-validate"]);
    expect(needs("kubeone-apply")).toEqual(["terraform-kkp-validate", "terraform-apply"]);
    expect(needs("kkp-deploy")).toEqual(["terraform-kkp-validate", "kubeone-apply"]);
    // Flux delivers the Seed; only then does nodeport-proxy, the target of *.kubermatic.<domain>, exist.
    expect(needs("flux-bootstrap")).toEqual(["terraform-kkp-validate", "kkp-deploy"]);
    expect(needs("dns-update")).toEqual(["terraform-kkp-validate", "flux-bootstrap"]);
  });

  test("applies exactly the plan the plan job saved", () => {
    const plan = workflow.jobs["terraform-plan"].steps;
    const apply = workflow.jobs["terraform-apply"].steps;
    const saved = plan.find((s: any) => s.uses?.startsWith("actions/upload-artifact@")).with;
    const fetched = apply.find((s: any) => s.uses?.startsWith("actions/download-artifact@")).with;
    expect(fetched).toEqual({ name: saved.name, path: "cdktf.out/stacks/prod-cluster" });
    expect(saved.path).toBe("cdktf.out/stacks/prod-cluster\n!cdktf.out/stacks/prod-cluster/.terraform");
    expect(saved["include-hidden-files"]).toBe(true);
    expect(plan.map((s: any) => s.run ?? "").join("\n")).toContain("plan -input=false -lock-timeout=5m -out=plan.tfplan");
    expect(apply.map((s: any) => s.run ?? "").join("\n")).toContain("apply -input=false -lock-timeout=5m plan.tfplan");
  });

  test("shows reviewers the plan in the job summary and as a pull-request comment", () => {
    const steps = workflow.jobs["terraform-plan"].steps;
    expect(steps.map((s: any) => s.run ?? "").join("\n")).toContain("npx tsx scripts/plan-summary.ts prod-cluster plan.json > plan-summary.md");
    expect(steps).toContainEqual(expect.objectContaining({ run: 'cat plan-summary.md >> "$GITHUB_STEP_SUMMARY"' }));
    const comment = steps.find((s: any) => s.name === "Comment the plan on the pull request");
    expect(comment.if).toBe("github.event_name == 'pull_request'");
    expect(comment.env.PR_NUMBER).toBe("${{ github.event.pull_request.number }}");
  });

  test("validates with the project's tests, the generated-files check, cdktf synth and terraform validate per stack", () => {
    const run = workflow.jobs["terraform-kkp-validate"].steps.map((s: any) => s.run ?? "").join("\n");
    for (const expected of ["npm test", "npx tsx scripts/render.ts --check", "npx cdktf synth", "terraform -chdir=cdktf.out/stacks/state init -backend=false", "terraform -chdir=cdktf.out/stacks/prod-cluster validate"]) {
      expect(run).toContain(expected);
    }
    expect(workflow.jobs["terraform-kkp-dns-validate"].steps.map((s: any) => s.run ?? "").join("\n")).toContain("terraform -chdir=cdktf.out/stacks/prod-dns validate");
  });

  test("gives KubeOne the cluster outputs and the SSH key through an agent, never a key file", () => {
    const job = workflow.jobs["kubeone-apply"];
    const run = job.steps.map((s: any) => s.run ?? "").join("\n");
    expect(run).toContain("output -json > tf.json");
    expect(run).toContain("kubeone apply --manifest kubeone/kubeone.yaml --tfjson tf.json");
    // The backups addon's password and repository reach KubeOne's `env:` parameters through the environment.
    expect(job.env).toMatchObject({ KKP_ETCD_BACKUP_REPOSITORY: expect.stringMatching(/^s3:s3\.[a-z0-9-]+\.amazonaws\.com\/kkp-prod-etcd-/), KKP_ETCD_BACKUP_REGION: "eu-central-1" });
    expect(job.steps.find((s: any) => s.name === "kubeone apply").env).toMatchObject({ KKP_ETCD_BACKUP_PASSWORD: "${{ secrets.KKP_ETCD_BACKUP_PASSWORD }}" });
    expect(job.env.SSH_AUTH_SOCK).toBeDefined();
    expect(job.steps.find((s: any) => s.name === "Load the SSH key into an agent").run).toContain('ssh-add - <<< "$SSH_PRIVATE_KEY"');
  });

  test("creates KKP's secrets idempotently and runs the installer with the generated files", () => {
    const run = workflow.jobs["kkp-deploy"].steps.map((s: any) => s.run ?? "").join("\n");
    expect(run).toMatch(/kubectl -n kubermatic create secret generic kubeconfig-kubermatic .* --dry-run=client -o yaml \| kubectl apply -f -/);
    expect(run).toContain("npx tsx scripts/fill-secrets.ts kubermatic/prod/kubermatic.yaml \"$filled/kubermatic.yaml\"");
    expect(run).toContain("npx tsx scripts/fill-secrets.ts kubermatic/prod/values.yaml \"$filled/values.yaml\"");
    expect(run).toContain('kubermatic-installer deploy --config "$filled/kubermatic.yaml" --helm-values "$filled/values.yaml" --storageclass aws');
  });

  test("points DNS at the Gateway's address (KKP 2.31) and nodeport-proxy, read from the cluster", () => {
    const run = workflow.jobs["dns-update"].steps.map((s: any) => s.run ?? "").join("\n");
    expect(run).toContain("ingress_target=$(kubectl -n kubermatic get gateway kubermatic -o jsonpath='{.status.addresses[0].value}' 2>/dev/null || true)");
    expect(run).not.toContain("nginx");
    expect(run).toContain("-n kubermatic get service nodeport-proxy");
    expect(run).toContain('apply -input=false -lock-timeout=5m -auto-approve -var "ingress_target=$ingress_target" -var "nodeport_proxy_target=$nodeport_proxy_target"');
  });

  test("before 2.31 (an installation stepping through 2.29 and 2.30), DNS points at nginx-ingress-controller", () => {
    const older = workflowOf((c) => {
      c.kubernetes = { version: "1.35.8" };
      c.pipeline = { tools: { kubermatic: "v2.30.6", kubeone: "1.13.7", flux: "2.8.8", helm: "v3.21.4" } };
    });
    const run = older.jobs["dns-update"].steps.map((s: any) => s.run ?? "").join("\n");
    expect(run).toContain("-n nginx-ingress-controller get service nginx-ingress-controller -o jsonpath=");
    expect(run).not.toContain("get gateway");
    expect(older.jobs["kkp-deploy"].steps.map((s: any) => s.run ?? "").join("\n")).not.toContain("ingress-cutover");
  });

  test("guards each upgrade before it changes anything: Kubernetes before kubeone apply, KKP before the installer", () => {
    const kubeone = workflow.jobs["kubeone-apply"].steps.map((s: any) => s.run ?? "");
    // Through the job's kubeone proxy: the API admits no runner.
    const guard = kubeone.indexOf("KKP_API_PROXY=http://127.0.0.1:8888 npx tsx scripts/upgrade-guard.ts kubernetes 1.36.4 tf.json");
    expect(guard).toBeGreaterThan(kubeone.findIndex((r: string) => r.includes("output -json > tf.json")));
    expect(guard).toBeLessThan(kubeone.findIndex((r: string) => r.includes("kubeone apply")));
    // The guard calls kubectl, so the job installs it.
    expect(kubeone.find((r: string) => r.includes("scripts/install-tools.sh"))).toContain("kubectl=v1.36.4");
    const kkp = workflow.jobs["kkp-deploy"].steps.map((s: any) => s.run ?? "");
    const kkpGuard = kkp.indexOf("npx tsx scripts/upgrade-guard.ts kkp v2.31.0");
    expect(kkpGuard).toBeGreaterThan(kkp.findIndex((r: string) => r.includes("kubeone kubeconfig")));
    expect(kkpGuard).toBeLessThan(kkp.findIndex((r: string) => r.includes("kubermatic-installer deploy")));
    // The staged move off nginx-ingress decides the installer's flags from what runs.
    const installer = kkp.find((r: string) => r.includes("kubermatic-installer deploy"));
    expect(installer).toContain('cutover="$(npx tsx scripts/upgrade-guard.ts ingress-cutover kkp.example.com)"');
    expect(installer).toContain('--kubeconfig "$KUBECONFIG" ${cutover:+"$cutover"}');
  });

  test("bootstraps Flux on GitHub for the environment's path, unless it already is", () => {
    const run = workflow.jobs["flux-bootstrap"].steps.map((s: any) => s.run ?? "").join("\n");
    expect(run).toContain("if grep -qx '# Flux Version: v2.9.4' flux/clusters/prod/flux-system/gotk-components.yaml 2>/dev/null; then");
    expect(run).toContain("flux bootstrap github --owner=example-org --repository=kkp-gitops --branch=main --path=flux/clusters/prod --personal=false");
    const personal = workflowOf((c) => (c.ci.github.personal = true)).jobs["flux-bootstrap"].steps.map((s: any) => s.run ?? "").join("\n");
    expect(personal).toContain("--personal=true");
  });

  test("installs the tool versions pinned in the config, with caching", () => {
    const custom = workflowOf((c) => (c.pipeline = { tools: { kubeone: "1.14.0", terraform: "1.10.5" } }));
    const steps = custom.jobs["kubeone-apply"].steps;
    expect(steps.find((s: any) => s.name === "Install tools").run).toContain("bash scripts/install-tools.sh kubeone=1.14.0");
    expect(steps.find((s: any) => s.name === "Cache tools").with.key).toContain("kubeone=1.14.0");
    expect(custom.jobs["terraform-plan"].steps.find((s: any) => s.uses?.startsWith("hashicorp/setup-terraform@")).with.terraform_version).toBe("1.10.5");
    expect(custom.jobs["terraform-plan"].steps.find((s: any) => s.uses?.startsWith("actions/setup-node@")).with.cache).toBe("npm");
  });
});

describe("workflow hardening", () => {
  const text = workflowText();
  const workflow = parse(text);
  const jobs = Object.entries<any>(workflow.jobs);

  test("grants nothing by default and each job only what it needs", () => {
    expect(workflow.permissions).toEqual({});
    for (const [id, job] of jobs) {
      const expected: Record<string, string> = { contents: "read" };
      if (job.steps.some((s: any) => s.uses?.startsWith("aws-actions/"))) expected["id-token"] = "write";
      if (id === "terraform-plan") expected["pull-requests"] = "write";
      expect({ id, permissions: job.permissions }).toEqual({ id, permissions: expected });
    }
  });

  test("pins every action to a full commit SHA", () => {
    const refs = jobs.flatMap(([, job]) => job.steps.filter((s: any) => s.uses).map((s: any) => s.uses));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  test("runs on pull_request, never pull_request_target", () => {
    expect(Object.keys(workflow.on).sort()).toEqual(["pull_request", "push", "workflow_dispatch"]);
    expect(text).not.toContain("pull_request_target");
  });

  test("never interpolates event data into a shell script", () => {
    for (const [, job] of jobs) for (const step of job.steps) expect(step.run ?? "").not.toMatch(/\$\{\{/);
  });

  test("never runs two deployments at once and never cancels one", () => {
    // A run by hand on main deploys too, so it queues with the pushes.
    expect(workflow.concurrency).toEqual({ group: "kkp-prod-${{ github.event_name != 'pull_request' && 'deploy' || github.ref }}", "cancel-in-progress": false });
  });

  test("binds every job that changes something to the environment: the state bucket, apply and every later job", () => {
    const bound = jobs.filter(([, job]) => job.environment === "prod").map(([id]) => id);
    expect(bound).toEqual(["terraform-backend-prepare", "terraform-apply", "kubeone-apply", "kkp-deploy", "flux-bootstrap", "dns-update"]);
  });

  test("installs npm packages without lifecycle scripts in every job that can mint a cloud token", () => {
    for (const [id, job] of jobs) {
      const installs = job.steps.filter((s: any) => /\bnpm ci\b/.test(s.run ?? "")).map((s: any) => s.run);
      const expected = installs.length > 0 ? ["npm ci --ignore-scripts --no-audit --no-fund"] : [];
      if (job.permissions["id-token"]) expect({ id, installs }).toEqual({ id, installs: expected });
      else expect(installs.filter((run: string) => run.includes("--ignore-scripts"))).toEqual([]);
    }
  });

  test("reads deploy secrets only in jobs bound to the environment", () => {
    const environmentSecrets = ["SSH_PRIVATE_KEY", "KUBEONE_CREDENTIALS", "FLUX_GITHUB_TOKEN"];
    for (const [id, job] of jobs) {
      const used = environmentSecrets.filter((name) => JSON.stringify(job).includes(`secrets.${name}`));
      if (used.length > 0) expect({ id, environment: job.environment }).toEqual({ id, environment: "prod" });
    }
  });

  test("runs every script with errexit, nounset and pipefail", () => {
    expect(workflow.defaults).toEqual({ run: { shell: "bash --noprofile --norc -euo pipefail {0}" } });
  });

  test("uploads the saved plan only where apply uses it, never on pull requests", () => {
    const upload = workflow.jobs["terraform-plan"].steps.find((s: any) => s.uses?.startsWith("actions/upload-artifact@"));
    expect(upload.if).toBe("github.event_name != 'pull_request'");
  });

  test("points every tool at the fetched kubeconfig, and the installer at the release's charts", () => {
    for (const id of ["kkp-deploy", "flux-bootstrap", "dns-update"]) expect(workflow.jobs[id].env.KUBECONFIG).toBe(".kkp/kubeconfig");
    const run = workflow.jobs["kkp-deploy"].steps.map((s: any) => s.run ?? "").join("\n");
    expect(run).toContain('--charts-directory "$HOME/.kkp-tools/kubermatic/charts" --kubeconfig "$KUBECONFIG"');
  });

  test("assumes the identity stack's roles by OIDC: the plan role outside the environment, the environment's apply role inside it", () => {
    const roleOf = (id: string) => workflow.jobs[id].steps.find((s: any) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with;
    expect(roleOf("terraform-plan")).toEqual({ "role-to-assume": "arn:aws:iam::123456789012:role/kkp-plan-2bfa18", "aws-region": "eu-central-1", "role-session-name": "kkp-pipeline" });
    for (const [id, job] of jobs) {
      const role = roleOf(id)?.["role-to-assume"];
      if (role) expect({ id, role }).toEqual({ id, role: job.environment === "prod" ? "arn:aws:iam::123456789012:role/kkp-prod-apply-2bfa18" : "arn:aws:iam::123456789012:role/kkp-plan-2bfa18" });
    }
    expect(text).not.toMatch(/secrets\.AWS_SECRET_ACCESS_KEY/);
  });

  test("uses static keys only when the config says so, and then asks for no OIDC token", () => {
    const keyed = workflowOf((c) => {
      delete c.cloud.aws.accountId;
      c.pipeline = { credentials: "static-keys" };
    });
    const login = (id: string) => keyed.jobs[id].steps.find((s: any) => s.uses?.startsWith("aws-actions/"));
    // The read-only user's keys outside the environment; the deploying user's only in jobs bound to it.
    expect(login("terraform-plan").with["aws-secret-access-key"]).toBe("${{ secrets.AWS_PLAN_SECRET_ACCESS_KEY }}");
    expect(login("terraform-apply").with["aws-secret-access-key"]).toBe("${{ secrets.AWS_SECRET_ACCESS_KEY }}");
    for (const job of Object.values<any>(keyed.jobs)) expect(job.permissions["id-token"]).toBeUndefined();
  });

  test("uses workload identity federation on Google Cloud", () => {
    const gcp = workflowOf(undefined, gcpExampleText);
    const login = (id: string) => gcp.jobs[id].steps.find((s: any) => s.uses?.startsWith("google-github-actions/auth@")).with;
    const provider = "projects/123456789012/locations/global/workloadIdentityPools/kkp-cb8209/providers/github";
    expect(login("terraform-plan")).toEqual({ workload_identity_provider: provider, service_account: "kkp-plan-cb8209@acme-kkp-prod.iam.gserviceaccount.com" });
    expect(login("terraform-apply")).toEqual({ workload_identity_provider: provider, service_account: "prod-apply-cb8209@acme-kkp-prod.iam.gserviceaccount.com" });
    // The installer knows the provider as gcp (pkg/install/stack/common/storageclass.go); gce is refused.
    expect(gcp.jobs["kkp-deploy"].steps.map((s: any) => s.run ?? "").join("\n")).toContain("--storageclass gcp ");
  });

  test("starts with the generated-file marker", () => {
    expect(text.split("\n")[0]).toBe("# Generated by kkp-gitops from kkp.yaml. Do not edit: change the configuration and run `npm run render`.");
  });

  test("matches the reviewed snapshot", () => {
    expect(text).toMatchSnapshot();
  });
});

describe("safe re-runs", () => {
  const workflow = workflowOf();
  const scripts = Object.entries<any>(workflow.jobs).flatMap(([id, job]) => job.steps.filter((st: any) => st.run).map((st: any) => ({ id, run: st.run as string })));
  const lines = scripts.flatMap(({ id, run }) => run.split("\n").map((line: string) => ({ id, line: line.trim() })));

  test("every Terraform command that takes the state lock waits for it instead of failing", () => {
    const locking = lines.filter(({ line }) => /terraform -chdir=\S+ (init|plan|apply)\b/.test(line) && !line.includes("-backend=false"));
    expect(locking.length).toBeGreaterThan(5);
    for (const { line } of locking) expect(line).toContain("-lock-timeout=5m");
  });

  test("Kubernetes objects are created so that a re-run updates instead of failing", () => {
    const creates = lines.filter(({ line }) => line.includes("kubectl") && line.includes(" create "));
    expect(creates.length).toBeGreaterThan(0);
    for (const { line } of creates) expect(line).toMatch(/--dry-run=client -o yaml \| kubectl apply -f -$/);
  });

  test("the state backend is prepared by the idempotent bootstrap script, and Flux is bootstrapped once per Flux version", () => {
    expect(lines).toContainEqual({ id: "terraform-backend-prepare", line: "bash scripts/bootstrap-state.sh" });
    expect(scripts.find((s) => s.id === "flux-bootstrap" && s.run.includes("flux bootstrap"))!.run).toMatch(/^if grep -qx '# Flux Version: v2\.9\.4' flux\/clusters\/prod\/flux-system\/gotk-components\.yaml 2>\/dev\/null; then[\s\S]*exit 0\nfi\n/);
  });

  test("apply only ever applies a saved plan, so a stale plan fails instead of applying something unreviewed", () => {
    const applies = lines.filter(({ line }) => /terraform -chdir=\S+ apply\b/.test(line));
    for (const { id, line } of applies) {
      if (id === "terraform-apply") expect(line).toMatch(/apply .* plan\.tfplan$/);
      else expect(id).toBe("dns-update"); // the DNS stack is applied from the addresses read the moment before
    }
  });
});

describe("npm run render", () => {
  const render = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/render.ts", ...args], { cwd: PROJECT_ROOT, encoding: "utf8", env: envWithoutConfig() });

  test("writes the workflow byte for byte as the CI stack commits it, and --check finds it current", () => {
    const out = testDir("kkp-render-");
    expect(render("--out", out).status).toBe(0);
    const expected = repositoryFiles(installationOf({ config: configFrom(), configFile: "config/kkp.example.yaml" })).get(WORKFLOW_PATH);
    expect(readFileSync(path.join(out, WORKFLOW_PATH), "utf8")).toBe(expected);
    expect(render("--check", "--out", out).status).toBe(0);
  });

  test("--check fails with how to regenerate when a committed file was edited", () => {
    const out = testDir("kkp-render-");
    render("--out", out);
    writeFileSync(path.join(out, WORKFLOW_PATH), "# edited by hand\n");
    const check = render("--check", "--out", out);
    expect(check.status).toBe(1);
    expect(check.stderr).toBe(
      `These generated files differ from what the code generates:\n  - ${WORKFLOW_PATH}\nRegenerate them with \`npm run render\` and commit the result (or apply the CI stack, which commits them).\n`,
    );
  });
});

describe("plan summary", () => {
  const plan = {
    resource_changes: [
      { address: "aws_instance.a", change: { actions: ["create"] } },
      { address: "aws_instance.b", change: { actions: ["delete", "create"] } },
      { address: "aws_lb.api", change: { actions: ["update"] } },
      { address: "aws_key_pair.old", change: { actions: ["delete"] } },
      { address: "data.aws_ami.ubuntu", change: { actions: ["read"] } },
      { address: "aws_vpc.main", change: { actions: ["no-op"] } },
    ],
  };

  test("counts a replacement as one add and one destroy, and ignores reads and no-ops", () => {
    expect(planCounts(plan)).toEqual({ add: 2, change: 1, destroy: 2 });
  });

  test("lists the changed resources under the counts", () => {
    const summary = planSummary("prod-cluster", plan);
    expect(summary).toContain("| 2 | 1 | 2 |");
    expect(summary).toContain("+ aws_instance.a\n-/+ aws_instance.b\n~ aws_lb.api\n- aws_key_pair.old\n```");
    expect(summary).not.toContain("aws_vpc.main");
  });

  test("says so when nothing changes", () => {
    expect(planSummary("prod-cluster", { resource_changes: [] })).toContain("No changes.");
  });
});
