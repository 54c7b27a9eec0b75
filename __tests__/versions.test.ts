/**
 * Supported versions: the compatibility table's refusals, the pipeline's upgrade guard against a stand-in kubectl,
 * the staged move off nginx-ingress, GCP's zones, and the whole upgrade path from the previous defaults walked
 * through the check, the guard and the renderers.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../config/load";
import { installationOf } from "../config/installation";
import { repositoryFiles } from "../config/repository-files";
import { checkCompatibility, COMPATIBILITY, upgradeVerdict } from "../config/settings/compatibility";
import { PREVIOUS_DEFAULTS, UPGRADE_PATH } from "../config/settings/upgrade-path";
import { DEFAULT_KUBERNETES_VERSION, DEFAULT_TOOLS } from "../config/settings/schema";
import { regionZones } from "../constructs/clouds/gcp/zones";
import { REPOSITORY_PATHS } from "../constructs/core/names";
import { cutoverFlags } from "../scripts/upgrade-guard";
import { configErrorFor, configFrom, gcpExampleText, APP_NODE_ARGS } from "./helpers";
import { testDir } from "./test-dirs";

describe("the compatibility table", () => {
  test("every row names its upstream source and a range that reads oldest to newest", () => {
    for (const rows of Object.values(COMPATIBILITY)) {
      for (const row of rows) {
        expect(row.source).toMatch(/^(kubermatic|fluxcd|helm)\/|kubermatic\/docs/);
        if (row.kubernetes.newest) expect(Number(row.kubernetes.newest.split(".")[1])).toBeGreaterThanOrEqual(Number(row.kubernetes.oldest.split(".")[1]));
      }
    }
  });

  test("accepts the defaults together", () => {
    expect(checkCompatibility({ ...DEFAULT_TOOLS, kubernetes: DEFAULT_KUBERNETES_VERSION, kubectl: `v${DEFAULT_KUBERNETES_VERSION}` })).toEqual([]);
  });

  test("refuses Kubernetes 1.32 with KubeOne 1.14, naming the settings, their values and what would fit", () => {
    const message = configErrorFor((c) => (c.kubernetes = { version: "1.32.9" }));
    expect(message).toContain(
      "pipeline.tools.kubeone: is 1.14.2, and KubeOne 1.14 supports Kubernetes 1.34 to 1.36, not kubernetes.version 1.32.9; KubeOne 1.11, 1.12 support Kubernetes 1.32; change kubernetes.version or pipeline.tools.kubeone",
    );
    expect(message).toContain("pipeline.tools.kubermatic: is v2.31.0, and KKP 2.31 supports Kubernetes 1.33 to 1.36, not kubernetes.version 1.32.9; KKP 2.28, 2.29, 2.30 support Kubernetes 1.32");
    // kubectl follows kubernetes.version, so it is not a mistake here.
    expect(message).not.toContain("pipeline.tools.kubectl");
  });

  test("refuses a release line the table does not know, a kubectl too far from the cluster and a Node.js past its end of life", () => {
    expect(configErrorFor((c) => (c.pipeline = { tools: { kubeone: "1.15.0" } }))).toContain(
      "pipeline.tools.kubeone: is 1.15.0, a KubeOne release line the compatibility table does not know (it lists 1.11, 1.12, 1.13, 1.14); KubeOne 1.14 supports Kubernetes 1.36",
    );
    expect(configErrorFor((c) => (c.pipeline = { tools: { kubectl: "v1.33.13" } }))).toContain(
      "pipeline.tools.kubectl: is v1.33.13, more than one minor away from kubernetes.version 1.36.4",
    );
    expect(configFrom((c) => (c.pipeline = { tools: { kubectl: "v1.35.8" } })).pipeline.tools.kubectl).toBe("v1.35.8");
    expect(configErrorFor((c) => (c.pipeline = { tools: { node: "20" } }))).toContain("pipeline.tools.node: must be 22 or newer: Node.js 20 reached its end of life on 2026-04-30");
  });

  test("synthesis refuses an inconsistent set with exit code 1 and writes nothing", () => {
    const dir = testDir("kkp-versions-");
    const file = path.join(dir, "kkp.yaml");
    const outdir = path.join(dir, "cdktf.out");
    const text = readFileSync(path.join(PROJECT_ROOT, "config/kkp.example.yaml"), "utf8");
    writeFileSync(file, `${text}\nkubernetes:\n  version: 1.32.9\n`);
    const run = spawnSync(process.execPath, [...APP_NODE_ARGS], { cwd: PROJECT_ROOT, env: { ...process.env, KKP_CONFIG: file, CDKTF_OUTDIR: outdir }, encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("pipeline.tools.kubeone: is 1.14.2, and KubeOne 1.14 supports Kubernetes 1.34 to 1.36, not kubernetes.version 1.32.9");
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(outdir)).toBe(false);
  });
});

describe("the upgrade verdict", () => {
  test("passes a first installation, the same minor and the next one", () => {
    expect(upgradeVerdict("kubernetes", undefined, "1.36.4").ok).toBe(true);
    expect(upgradeVerdict("kubernetes", "1.36.1", "1.36.4").ok).toBe(true);
    expect(upgradeVerdict("kkp", "v2.30.6", "v2.31.0").ok).toBe(true);
  });

  test("refuses a skipped minor, saying which step is next, and a downgrade", () => {
    expect(upgradeVerdict("kubernetes", "1.34.11", "1.36.4")).toEqual({
      ok: false,
      reason: "Kubernetes 1.34.11 runs and kubernetes.version is 1.36.4, which skips 1.35; upgrades go one minor at a time, so the next step is kubernetes.version 1.35.x (docs/UPGRADING.md lists every step)",
    });
    expect(upgradeVerdict("kkp", "v2.28.13", "v2.31.0").reason).toContain("which skips 2.29; upgrades go one minor at a time, so the next step is pipeline.tools.kubermatic 2.29.x");
    expect(upgradeVerdict("kkp", "v2.31.0", "v2.30.6")).toMatchObject({ ok: false, reason: expect.stringContaining("a downgrade") });
  });
});

/** A stand-in kubectl: answers from files in its directory, keyed by what is asked. */
function standInKubectl(answers: { version?: string; versionError?: string; kkp?: string; kkpError?: string; nginx?: boolean; gateway?: string }): string {
  const dir = testDir("kkp-kubectl-");
  const script = [
    "#!/usr/bin/env bash",
    'echo "$* proxy=${HTTPS_PROXY:-}" >> "$(dirname "$0")/calls"',
    'case "$*" in',
    `  *"--raw /version"*) ${answers.version ? `echo '{"major":"1","gitVersion":"v${answers.version}"}'` : `echo '${answers.versionError ?? "dial tcp 1.2.3.4:6443: connect: connection refused"}' >&2; exit 1`} ;;`,
    `  *kubermaticconfigurations*) ${answers.kkp !== undefined ? `printf '%s' '${answers.kkp}'` : `echo ${JSON.stringify(answers.kkpError ?? 'error: the server doesn\'t have a resource type "kubermaticconfigurations"')} >&2; exit 1`} ;;`,
    `  *"namespace nginx-ingress-controller"*) ${answers.nginx ? "echo namespace/nginx-ingress-controller" : 'echo \'Error from server (NotFound): namespaces "nginx-ingress-controller" not found\' >&2; exit 1'} ;;`,
    `  *"gateway kubermatic"*) printf '%s' '${answers.gateway ?? ""}' ;;`,
    '  *) echo "unexpected kubectl $*" >&2; exit 2 ;;',
    "esac",
  ].join("\n");
  writeFileSync(path.join(dir, "kubectl"), script);
  chmodSync(path.join(dir, "kubectl"), 0o755);
  return dir;
}

function guard(args: string[], kubectl: string, extraEnv: Record<string, string> = {}) {
  const dir = testDir("kkp-guard-");
  const tfjson = path.join(dir, "tf.json");
  writeFileSync(tfjson, JSON.stringify({ kubeone_api: { value: { endpoint: "kkp-prod-api.example.com" } } }));
  const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/upgrade-guard.ts", ...args.map((a) => (a === "TFJSON" ? tfjson : a))], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PATH: `${kubectl}:${process.env.PATH}`, ...extraEnv },
    encoding: "utf8",
  });
  return { ...run, calls: existsSync(path.join(kubectl, "calls")) ? readFileSync(path.join(kubectl, "calls"), "utf8") : "" };
}

describe("scripts/upgrade-guard.ts against a stand-in kubectl", () => {
  test("kubernetes: a first installation (nothing answers at the API endpoint) passes", () => {
    const run = guard(["kubernetes", "1.36.4", "TFJSON"], standInKubectl({}));
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("no Kubernetes runs yet: a first installation of 1.36.4");
    expect(run.calls).toContain("get --raw /version --server https://kkp-prod-api.example.com:6443 --insecure-skip-tls-verify --kubeconfig /dev/null");
  });

  test("kubernetes: through the job's kubeone proxy when there is one, the API being closed to the runner", () => {
    const proxy = { KKP_API_PROXY: "http://127.0.0.1:8888" };
    const answered = guard(["kubernetes", "1.36.4", "TFJSON"], standInKubectl({ version: "1.35.8" }), proxy);
    expect(answered.status).toBe(0);
    expect(answered.calls).toContain("--raw /version --server https://kkp-prod-api.example.com:6443 --insecure-skip-tls-verify --kubeconfig /dev/null --request-timeout 20s proxy=http://127.0.0.1:8888");
    // The proxy cannot connect yet (no control plane to tunnel through): a first installation, as without a proxy.
    const first = guard(["kubernetes", "1.36.4", "TFJSON"], standInKubectl({ versionError: "proxyconnect tcp: dial tcp 127.0.0.1:8888: connect: connection refused" }), proxy);
    expect(first.status).toBe(0);
    expect(guard(["kubernetes", "1.36.4", "TFJSON"], standInKubectl({ version: "1.34.11" }), proxy).status).toBe(1);
  });

  test("kubernetes: the next minor passes, a skipped one stops with the next step", () => {
    expect(guard(["kubernetes", "1.36.4", "TFJSON"], standInKubectl({ version: "1.35.8" })).status).toBe(0);
    const skipped = guard(["kubernetes", "1.36.4", "TFJSON"], standInKubectl({ version: "1.34.11" }));
    expect(skipped.status).toBe(1);
    expect(skipped.stderr).toContain("upgrade guard: Kubernetes 1.34.11 runs and kubernetes.version is 1.36.4, which skips 1.35");
  });

  test("kubernetes: an API server that answers but refuses stops the job instead of passing as a first installation", () => {
    const run = guard(["kubernetes", "1.36.4", "TFJSON"], standInKubectl({ versionError: "Error from server (Forbidden): forbidden: User \"system:anonymous\" cannot get path \"/version\"" }));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("cannot read the Kubernetes version from https://kkp-prod-api.example.com:6443/version");
  });

  test("kkp: no KubermaticConfiguration CRD yet passes; the version the operator reports decides", () => {
    expect(guard(["kkp", "v2.31.0"], standInKubectl({})).status).toBe(0);
    expect(guard(["kkp", "v2.31.0"], standInKubectl({ kkp: "v2.30.6" })).status).toBe(0);
    const skipped = guard(["kkp", "v2.31.0"], standInKubectl({ kkp: "v2.29.10" }));
    expect(skipped.status).toBe(1);
    expect(skipped.stderr).toContain("the next step is pipeline.tools.kubermatic 2.30.x");
    expect(skipped.calls).toContain("-n kubermatic get kubermaticconfigurations -o jsonpath={.items[0].status.kubermaticVersion}");
  });

  test("ingress-cutover: no flag without nginx; keep nginx while the Gateway has no address", () => {
    expect(guard(["ingress-cutover", "kkp.example.com"], standInKubectl({})).stdout).toBe("\n");
    expect(guard(["ingress-cutover", "kkp.example.com"], standInKubectl({ nginx: true })).stdout).toBe("--skip-ingress-cleanup\n");
  });

  test("ingress-cutover: nginx goes only once the domain resolves to the Gateway", async () => {
    const kubectl = path.join(standInKubectl({ nginx: true, gateway: "k8s-gw-1234.elb.eu-central-1.amazonaws.com" }), "kubectl");
    const addresses: Record<string, string[]> = { "k8s-gw-1234.elb.eu-central-1.amazonaws.com": ["3.3.3.3", "3.3.3.4"] };
    const flagsWhenDomainIs = async (domain: string[]) => (await cutoverFlags("kkp.example.com", async (name) => addresses[name] ?? domain, kubectl)).flags;
    expect(await flagsWhenDomainIs(["9.9.9.9"])).toBe("--skip-ingress-cleanup");
    expect(await flagsWhenDomainIs(["3.3.3.4"])).toBe("--clean-nginx-lb");
    expect(await flagsWhenDomainIs([])).toBe("--skip-ingress-cleanup");
  });
});

describe("Google Cloud zones", () => {
  test("the Seed offers the zones the cluster uses, from the same region table", () => {
    const text = gcpExampleText.replace(/region: europe-west3/, "region: us-east1").replace(/\n\s+zones:[^\n]*(\n\s+- [^\n]*)*/, "");
    const installation = installationOf({ config: configFrom(() => {}, text), configFile: "kkp.yaml" });
    const seed = parse(repositoryFiles(installation).get(`${REPOSITORY_PATHS.fluxCluster("prod")}/kkp/parts/platform/seed.yaml`)!.split("\n").filter((l) => !l.startsWith("#")).join("\n"));
    expect(seed.spec.datacenters["gcp-us-east1"].spec.gcp.zoneSuffixes).toEqual(["b", "c", "d"]);
    expect(regionZones("us-east1")).toEqual(["us-east1-b", "us-east1-c", "us-east1-d"]);
  });

  test("refuses a region missing from the table without zones, and a zone the region does not have", () => {
    expect(configErrorFor((c) => Object.assign(c.cloud.gcp, { region: "mars-north1", zones: undefined }), gcpExampleText)).toContain(
      "cloud.gcp.zones: is unset and region mars-north1 is not in this tool's zone table (recorded 2026-12-01); for a region opened since, list its zones",
    );
    expect(configErrorFor((c) => Object.assign(c.cloud.gcp, { region: "us-east1", zones: ["us-east1-a", "us-east1-b"] }), gcpExampleText)).toContain(
      "cloud.gcp.zones[0]: is us-east1-a, which region us-east1 does not have; its zones are us-east1-b, us-east1-c, us-east1-d",
    );
  });
});

describe("the upgrade from the previous defaults (docs/UPGRADING.md)", () => {
  const guide = readFileSync(path.join(PROJECT_ROOT, "docs/UPGRADING.md"), "utf8");
  const steps = [{ title: "start", versions: PREVIOUS_DEFAULTS }, ...UPGRADE_PATH];

  test("ends at the current defaults", () => {
    const { node, ...tools } = DEFAULT_TOOLS;
    expect(node).toBe("24");
    expect(UPGRADE_PATH[UPGRADE_PATH.length - 1].versions).toEqual({ ...tools, kubernetes: DEFAULT_KUBERNETES_VERSION, kubectl: `v${DEFAULT_KUBERNETES_VERSION}` });
  });

  test.each(UPGRADE_PATH.map((step, i) => [i + 1, step.title, i] as const))("step %i (%s): the check accepts it, the guard lets it follow the step before", (_, __, i) => {
    const { versions } = UPGRADE_PATH[i];
    const before = steps[i].versions;
    expect(checkCompatibility(versions)).toEqual([]);
    expect(upgradeVerdict("kubernetes", before.kubernetes, versions.kubernetes)).toMatchObject({ ok: true });
    expect(upgradeVerdict("kkp", before.kubermatic, versions.kubermatic)).toMatchObject({ ok: true });
    // A configuration with these versions parses and renders; nginx until 2.31, the Gateway from it.
    const { kubernetes, terraform, ...tools } = versions;
    const config = configFrom((c) => {
      c.kubernetes = { version: kubernetes };
      c.pipeline = { tools: { ...tools, terraform } };
    });
    const files = repositoryFiles(installationOf({ config, configFile: "kkp.yaml" }));
    const values = parse(files.get(REPOSITORY_PATHS.kkpValues("prod"))!);
    expect(values.httpRoute !== undefined).toBe(versions.kubermatic.startsWith("v2.31"));
    expect(values.dex.ingress.enabled).toBe(!versions.kubermatic.startsWith("v2.31"));
    // The guide lists the step with its versions.
    expect(guide).toContain(`## ${i + 1}. ${UPGRADE_PATH[i].title}`);
    for (const value of [kubernetes, tools.kubeone, tools.kubermatic]) expect(guide).toContain(value);
  });

  test("the previous defaults themselves are a consistent set, so the walk starts from a real installation", () => {
    expect(checkCompatibility(PREVIOUS_DEFAULTS)).toEqual([]);
  });
});

describe("Node.js", () => {
  test("every locked package accepts the Node.js releases package.json declares, except the Kubernetes model validators", () => {
    // semver is npm's own range logic (a transitive dependency), so the check reads engines as npm does.
    const semver: { satisfies(version: string, range: string): boolean } = require("semver");
    const root = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
    const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package-lock.json"), "utf8"));
    const declared = ["20.19.0", "22.12.0", "24.0.0"];
    for (const version of declared) expect(semver.satisfies(version, root.engines.node)).toBe(true);
    const refusing = Object.entries<any>(lock.packages)
      .filter(([name, info]) => name && info.engines?.node && declared.some((v) => !semver.satisfies(v, info.engines.node)))
      .map(([name]) => name.replace(/^node_modules\//, ""));
    // Every release of @kubernetes-models that carries Flux's helm.toolkit.fluxcd.io/v2 declares Node >= 22 (README).
    expect(refusing.filter((name) => !/^(@kubernetes-models\/|kubernetes-models$)/.test(name))).toEqual([]);
  });
});
