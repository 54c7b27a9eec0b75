/**
 * Tearing an environment down: scripts/teardown.sh against stand-ins of kubectl, kubeone and terraform (each
 * records its arguments; kubectl answers as a cluster with Flux and KKP would), and the GitHub workflow that runs it
 * by hand only, on main, with the environment's name as confirmation. GitLab's and Bitbucket's entry points are
 * tested beside their other jobs. Also: the first environment's workflow can be run by hand, deploying everything.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { installationOf } from "../config/installation";
import { PROJECT_ROOT } from "../config/load";
import { repositoryFiles } from "../config/repository-files";
import { teardownWorkflowPath, WORKFLOW_PATH } from "../constructs/ci/github/workflow";
import { SEED_JOB_IDS } from "../constructs/core/pipeline-model";
import { configFrom } from "./helpers";
import { testDir } from "./test-dirs";
import { actionlint, jobsRun } from "./workflow-sim";
import { bash } from "./shell";

const SCRIPT = path.join(PROJECT_ROOT, "scripts", "teardown.sh");

interface Cluster {
  /** Whether KKP's Cluster CRD exists (KKP installed). */
  readonly kkp?: boolean;
  /** Whether deleting KKP's user clusters fails (times out). */
  readonly clustersStuck?: boolean;
  /** Whether the API does not answer (the tunnel or the kubeconfig broken). */
  readonly apiDown?: boolean;
}

/** A scratch checkout with stand-ins on PATH; `calls` lists each stand-in call as `<tool> <args>`. */
function standIns(cluster: Cluster = {}) {
  const work = testDir("kkp-teardown-");
  const bin = path.join(work, "bin");
  mkdirSync(bin);
  const record = (name: string, body: string[] = []) => {
    writeFileSync(path.join(bin, name), ["#!/usr/bin/env bash", `echo "${name} $*" >> "${work}/calls"`, ...body, ""].join("\n"));
    chmodSync(path.join(bin, name), 0o755);
  };
  record("kubectl", [
    'case "$*" in',
    `  "get --raw /readyz") ${cluster.apiDown ? 'echo "The connection to the server was refused" >&2; exit 1' : "echo ok"} ;;`,
    '  "-n flux-system get deployments -o name") printf "deployment.apps/source-controller\\ndeployment.apps/kustomize-controller\\n" ;;',
    `  "get crd clusters.kubermatic.k8c.io --ignore-not-found -o name") ${cluster.kkp === false ? "" : "echo customresourcedefinition.apiextensions.k8s.io/clusters.kubermatic.k8c.io"} ;;`,
    `  "delete clusters.kubermatic.k8c.io"*) exit ${cluster.clustersStuck ? 1 : 0} ;;`,
    '  "get clusters.kubermatic.k8c.io") echo "NAME        HUMANREADABLENAME" ; echo "x7k2m9q4    team-a" ;;',
    "esac",
  ]);
  // kubeone keeps a copy of the credentials file it was given, to check its content and that it was removed.
  record("kubeone", ['for arg in "$@"; do [ "${previous:-}" = --credentials ] && { cp "$arg" "$(dirname "$0")/../credentials-seen"; echo "$arg" > "$(dirname "$0")/../credentials-path"; }; previous="$arg"; done']);
  record("terraform", ['echo "  TF_VAR_ingress_target=${TF_VAR_ingress_target:-}" >> "$(dirname "$0")/../calls"']);
  for (const stack of ["prod-dns", "prod-cluster"]) {
    mkdirSync(path.join(work, "cdktf.out", "stacks", stack), { recursive: true });
    writeFileSync(path.join(work, "cdktf.out", "stacks", stack, "cdk.tf.json"), "{}");
  }
  const run = (args: string[], env: Record<string, string> = {}) => {
    const result = bash([SCRIPT, ...args], { cwd: work, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env }, encoding: "utf8" });
    const calls = existsSync(path.join(work, "calls")) ? readFileSync(path.join(work, "calls"), "utf8").trim().split("\n") : [];
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  };
  return { work, run };
}

describe("scripts/teardown.sh", () => {
  test("refuses without the environment's exact name as confirmation, before touching anything", () => {
    const { run } = standIns();
    for (const confirm of [undefined, "", "PROD", "prod ", "apps"]) {
      const result = run(["confirm", "prod"], confirm === undefined ? {} : { KKP_TEARDOWN_CONFIRM: confirm });
      expect({ confirm, status: result.status }).toEqual({ confirm, status: 1 });
      expect(result.stderr).toContain("Type the environment's name, prod, as the confirmation");
      expect(result.calls).toEqual([]);
    }
    expect(run(["confirm", "prod"], { KKP_TEARDOWN_CONFIRM: "prod" })).toMatchObject({ status: 0, stdout: "confirmed: tearing down prod\n" });
  });

  test("stops Flux, deletes KKP's user clusters and waits for them, then resets the cluster with every cleanup on", () => {
    const { work, run } = standIns();
    const result = run(["cluster", "prod"], { KUBEONE_CREDENTIALS: "AWS_ACCESS_KEY_ID: AKIA-STAND-IN" });
    expect(result.status).toBe(0);
    expect(result.calls).toEqual([
      "kubectl get --raw /readyz",
      "kubectl -n flux-system get deployments -o name",
      "kubectl -n flux-system scale deployment.apps/source-controller --replicas=0",
      "kubectl -n flux-system scale deployment.apps/kustomize-controller --replicas=0",
      "kubectl get crd clusters.kubermatic.k8c.io --ignore-not-found -o name",
      "kubectl delete clusters.kubermatic.k8c.io --all --wait=true --timeout=45m",
      expect.stringMatching(
        /^kubeone reset --manifest kubeone\/kubeone\.yaml --tfjson tf\.json --credentials \S+ --auto-approve --remove-lb-services=true --remove-volumes=true --destroy-workers=true$/,
      ),
    ]);
    // The credentials reached kubeone in a file that is gone afterwards.
    expect(readFileSync(path.join(work, "credentials-seen"), "utf8")).toBe("AWS_ACCESS_KEY_ID: AKIA-STAND-IN\n");
    expect(existsSync(readFileSync(path.join(work, "credentials-path"), "utf8").trim())).toBe(false);
  });

  test("without KKP installed, goes straight to the reset", () => {
    const result = standIns({ kkp: false }).run(["cluster", "prod"], { KUBEONE_CREDENTIALS: "x: y" });
    expect(result.status).toBe(0);
    expect(result.calls.some((c) => c.startsWith("kubectl delete"))).toBe(false);
    expect(result.calls.at(-1)).toMatch(/^kubeone reset /);
    expect(result.stdout).toContain("no user clusters to delete");
  });

  test("an API that does not answer stops everything: it is never taken for a cluster without KKP", () => {
    const result = standIns({ apiDown: true }).run(["cluster", "prod"], { KUBEONE_CREDENTIALS: "x: y" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("the cluster's API does not answer; nothing was removed");
    expect(result.calls).toEqual(["kubectl get --raw /readyz"]);
  });

  test("when KKP cannot remove its user clusters, stops before the reset and names what remains", () => {
    const result = standIns({ clustersStuck: true }).run(["cluster", "prod"], { KUBEONE_CREDENTIALS: "x: y", KKP_CLUSTERS_TIMEOUT: "1s" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("KKP's user clusters were not removed within 1s; these remain:");
    expect(result.stderr).toContain("x7k2m9q4    team-a");
    expect(result.calls.some((c) => c.startsWith("kubeone"))).toBe(false);
  });

  test("refuses the reset without the KubeOne credentials", () => {
    const result = standIns({ kkp: false }).run(["cluster", "prod"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("the KubeOne credentials secret is not set");
    expect(result.calls.some((c) => c.startsWith("kubeone"))).toBe(false);
  });

  test("destroys the DNS stack, then the cluster stack, and never the state stack", () => {
    const { run } = standIns();
    const result = run(["stacks", "prod", "cdktf.out/stacks/prod-dns", "cdktf.out/stacks/prod-cluster"], { TF_VAR_ingress_target: "destroyed" });
    expect(result.status).toBe(0);
    expect(result.calls.filter((c) => c.startsWith("terraform"))).toEqual([
      "terraform -chdir=cdktf.out/stacks/prod-dns init -input=false -lock-timeout=5m",
      "terraform -chdir=cdktf.out/stacks/prod-dns destroy -input=false -lock-timeout=5m -auto-approve",
      "terraform -chdir=cdktf.out/stacks/prod-cluster init -input=false -lock-timeout=5m",
      "terraform -chdir=cdktf.out/stacks/prod-cluster destroy -input=false -lock-timeout=5m -auto-approve",
    ]);
    // The DNS stack's inputs reach terraform from the job's environment.
    expect(result.calls).toContain("  TF_VAR_ingress_target=destroyed");
    expect(result.calls.join("\n")).not.toMatch(/stacks\/(state|identity|ci)\b/);
    expect(result.stdout).toContain("its state files remain in the state backend");
  });

  test("refuses to destroy stacks that were not synthesized, and unknown phases", () => {
    const { run } = standIns();
    const missing = run(["stacks", "prod", "cdktf.out/stacks/apps-dns", "cdktf.out/stacks/prod-cluster"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("cdktf.out/stacks/apps-dns/cdk.tf.json not found");
    expect(missing.calls).toEqual([]);
    expect(run(["everything", "prod"]).status).toBe(2);
    expect(run(["cluster"]).status).toBe(2);
  });
});

describe("the GitHub workflows", () => {
  const files = repositoryFiles(installationOf({ config: configFrom(), configFile: "kkp.yaml" }));
  const teardownPath = teardownWorkflowPath("prod");
  const teardown = parse(files.get(teardownPath)!);
  const job = teardown.jobs.teardown;

  test("the first environment's workflow, run by hand on main, deploys the whole chain", () => {
    const workflow = parse(files.get(WORKFLOW_PATH)!);
    expect(workflow.on.workflow_dispatch).toEqual({});
    expect(jobsRun(workflow, "workflow_dispatch")).toEqual([...SEED_JOB_IDS]);
  });

  test("teardown runs only by hand, only on main with the environment's name, beside no deployment", async () => {
    expect(teardownPath).toBe(".github/workflows/kkp-prod-teardown.yml");
    expect(Object.keys(teardown.on)).toEqual(["workflow_dispatch"]);
    expect(teardown.on.workflow_dispatch.inputs.confirm).toMatchObject({ required: true, type: "string" });
    expect(job.if).toBe("github.ref == 'refs/heads/main' && inputs.confirm == 'prod'");
    expect(teardown.concurrency).toEqual({ group: "kkp-prod-deploy", "cancel-in-progress": false });
    expect(await actionlint(files.get(teardownPath)!)).toEqual([]);
  });

  test("a first job without credentials refuses anything but the exact name, typed by a repository admin", () => {
    const authorize = teardown.jobs.authorize;
    expect(job.needs).toEqual(["authorize"]);
    expect(authorize).not.toHaveProperty("environment");
    expect(authorize.permissions).toEqual({ contents: "read" });
    expect(authorize.steps.every((s: any) => !s.uses)).toBe(true);
    // Its script against a stand-in gh that answers with the asking user's role.
    const bin = testDir("kkp-gh-");
    writeFileSync(path.join(bin, "gh"), '#!/usr/bin/env bash\n[ "$*" = "api repos/acme/kkp/collaborators/$ACTOR/permission --jq .permission" ] && echo "$ROLE"\n');
    chmodSync(path.join(bin, "gh"), 0o755);
    const check = (confirm: string, role: string) =>
      bash(["-euo", "pipefail", "-c", authorize.steps[0].run], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, KKP_TEARDOWN_CONFIRM: confirm, ACTOR: "octocat", GH_REPO: "acme/kkp", ROLE: role },
        encoding: "utf8",
      });
    expect(check("prod", "admin").status).toBe(0);
    const writer = check("prod", "write");
    expect(writer.status).toBe(1);
    expect(writer.stderr).toContain("Only a repository admin may tear prod down; octocat has the write role.");
    // GitHub's == ignores case; the script does not.
    expect(check("PROD", "admin").status).toBe(1);
    expect(authorize.steps[0].env).toMatchObject({ ACTOR: "${{ github.triggering_actor }}", KKP_TEARDOWN_CONFIRM: "${{ inputs.confirm }}" });
  });

  test("teardown runs in the environment, as its apply identity, and in the order that leaves nothing behind", () => {
    expect(job.environment).toBe("prod");
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(job.steps.find((s: any) => s.uses?.startsWith("aws-actions/configure-aws-credentials")).with["role-to-assume"]).toMatch(/:role\/kkp-prod-apply-/);
    // The typed name reaches the script through env, never interpolated into shell.
    expect(job.env.KKP_TEARDOWN_CONFIRM).toBe("${{ inputs.confirm }}");
    for (const step of job.steps) expect(step.run ?? "").not.toMatch(/\$\{\{/);
    const names = job.steps.map((s: any) => s.name).filter(Boolean);
    const at = (name: string) => names.indexOf(name);
    expect(at("Confirm")).toBeLessThan(at("Synthesize the stacks"));
    expect(at("Open the tunnel to the bastion and the proxy to the API")).toBeLessThan(at("Remove KKP's user clusters, then reset the cluster"));
    expect(at("Remove KKP's user clusters, then reset the cluster")).toBeLessThan(at("Close the tunnel and the proxy"));
    expect(at("Close the tunnel and the proxy")).toBeLessThan(at("Destroy the DNS and cluster stacks"));
    expect(job.steps.find((s: any) => s.name === "Remove KKP's user clusters, then reset the cluster").env).toEqual({ KUBEONE_CREDENTIALS: "${{ secrets.KUBEONE_CREDENTIALS }}" });
    expect(job.steps.at(-1).run).toBe(
      "TF_VAR_ingress_target=destroyed TF_VAR_nodeport_proxy_target=destroyed bash scripts/teardown.sh stacks prod cdktf.out/stacks/prod-dns cdktf.out/stacks/prod-cluster",
    );
    expect(job["timeout-minutes"]).toBe(120);
  });
});
