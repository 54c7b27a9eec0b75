/**
 * The app as users run it: main.ts in its own process, synthesizing into a temporary directory. Cross-stack
 * wiring is checked on the real cdktf.out output, where cdktf has resolved every reference.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";
import { exampleText, APP_NODE_ARGS } from "./helpers";
import { envWithoutConfig, testDir } from "./test-dirs";

function runApp(env: Record<string, string> = {}) {
  const outdir = path.join(testDir("kkp-synth-"), "cdktf.out");
  const result = spawnSync(process.execPath, [...APP_NODE_ARGS], {
    cwd: PROJECT_ROOT,
    env: { ...envWithoutConfig(), CDKTF_OUTDIR: outdir, ...env },
    encoding: "utf8",
  });
  const read = (file: string) => JSON.parse(readFileSync(path.join(outdir, file), "utf8"));
  return { ...result, outdir, read };
}

function writeConfig(text: string): string {
  const file = path.join(testDir("kkp-config-"), "kkp.yaml");
  writeFileSync(file, text);
  return file;
}

describe.each([
  ["the embedded example (AWS)", {}, "s3"],
  ["examples/gcp-github.yaml", { KKP_CONFIG: "examples/gcp-github.yaml" }, "gcs"],
])("synthesizing %s", (_, env, backendType) => {
  const run = runApp(env);
  const manifest = run.read("manifest.json");
  const stackIds = Object.keys(manifest.stacks).sort();
  const stacks = Object.fromEntries(stackIds.map((id) => [id, run.read(manifest.stacks[id].synthesizedStackPath)]));

  test("synthesizes the embedded example with no credentials, exiting 0", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  test("writes the state stack, the identity stack, the CI stack, and one cluster and one DNS stack per environment", () => {
    expect(stackIds).toEqual(["ci", "identity", "prod-cluster", "prod-dns", "state"]);
  });

  test("orders the stacks: state, then CI (its protected environments), then the identities trusting them; state, then cluster, then DNS", () => {
    expect(manifest.stacks.state.dependencies).toEqual([]);
    expect(manifest.stacks.ci.dependencies).toEqual(["state"]);
    expect(manifest.stacks.identity.dependencies.sort()).toEqual(["ci", "state"]);
    expect(manifest.stacks["prod-cluster"].dependencies.sort()).toEqual(["identity", "state"]);
    expect(manifest.stacks["prod-dns"].dependencies).toEqual(["prod-cluster"]);
  });

  test("every stack keeps its state in the state stack's bucket under its own key", () => {
    const [bucketResource] = Object.values<any>(stacks.state.resource.aws_s3_bucket ?? stacks.state.resource.google_storage_bucket);
    const backends = stackIds.map((id) => stacks[id].terraform.backend[backendType]);
    expect(backends.every((b) => b.bucket === (bucketResource.bucket ?? bucketResource.name))).toBe(true);
    expect(backends.map((b) => b.key ?? b.prefix)).toEqual(
      backendType === "s3"
        ? ["ci.tfstate", "identity.tfstate", "prod/cluster.tfstate", "prod/dns.tfstate", "state.tfstate"]
        : ["ci", "identity", "prod/cluster", "prod/dns", "state"],
    );
  });

  test("stacks share nothing but the backend: no remote state and no unresolved references", () => {
    for (const id of stackIds) {
      const text = JSON.stringify(stacks[id]);
      expect(stacks[id].data?.terraform_remote_state).toBeUndefined();
      expect(text).not.toMatch(/TfToken|\$\{TOKEN/);
    }
  });

  test("references inside a stack point at resources that exist in it", () => {
    for (const id of stackIds) {
      const stack = stacks[id];
      const text = JSON.stringify(stack);
      for (const [, kind, type, name] of text.matchAll(/\$\{(data\.)?((?:aws|google|github)_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\./g)) {
        const block = kind ? stack.data : stack.resource;
        expect({ ref: `${kind ?? ""}${type}.${name}`, exists: Boolean(block?.[type]?.[name]) }).toEqual({ ref: `${kind ?? ""}${type}.${name}`, exists: true });
      }
    }
  });

  test("output holds no machine path and no timestamp, so snapshots are stable", () => {
    for (const id of stackIds) {
      const text = JSON.stringify(stacks[id]);
      expect(text).not.toContain(PROJECT_ROOT);
      expect(text).not.toContain(path.dirname(run.outdir));
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    }
  });
});

/** The 1-based line of the embedded example that contains `text`. */
const lineOf = (text: string) => exampleText.split("\n").findIndex((line) => line.includes(text)) + 1;

describe("synthesizing a bad configuration", () => {
  test("fails with the problems listed, exit code 1, no stack trace and no output written", () => {
    const file = writeConfig(exampleText.replace("count: 3", "count: 2").replace("  zone: example.com", "  zone: example.com\n  zonee: x"));
    const run = runApp({ KKP_CONFIG: file });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      [
        `${path.relative(PROJECT_ROOT, file)}: invalid configuration`,
        `  - dns.zonee (line ${lineOf("  zone: example.com") + 1}): unknown setting; did you mean 'zone'?`,
        `  - controlPlane.count (line ${lineOf("count: 3") + 1}): must be odd to keep etcd quorum (got 2); use 1, 3 or 5`,
        "",
      ].join("\n"),
    );
    expect(run.stdout).toBe("");
    expect(existsSync(run.outdir)).toBe(false);
  });

  test("fails on invalid YAML with its line, exit code 1 and no output written", () => {
    const run = runApp({ KKP_CONFIG: writeConfig("name: kkp\ncloud:\n  provider: aws\n   region: x\n") });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/invalid YAML at line 3, column 13: Nested mappings are not allowed/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(run.outdir)).toBe(false);
  });
});
