/**
 * scripts/bootstrap-state.sh against a stand-in `terraform` that records each call and which backend it saw
 * (the real one needs cloud credentials). The stand-in plays an S3 backend whose bucket exists or not.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";
import { testDir } from "./test-dirs";

const FAKE_TERRAFORM = `#!/usr/bin/env bash
# backend in use: local when the override file is present, else the remote bucket
backend=remote; [[ -f bootstrap_override.tf.json ]] && backend=local
imports=""; [[ -f bootstrap_import.tf.json ]] && imports=" +imports"
echo "$backend $*$imports" >>"$CALLS"
[[ -n "$imports" ]] && cp bootstrap_import.tf.json "$IMPORTS_SEEN"
case "$1" in
  init)
    [[ "$*" == *-migrate-state* ]] && touch "$BUCKET.state"
    if [[ $backend == remote && ! -f "$BUCKET" ]]; then
      if [[ "$MODE" == denied ]]; then echo "AccessDenied: not authorized" >&2; else echo 'Error: S3 bucket "kkp-tfstate" does not exist.' >&2; fi
      exit 1
    fi ;;
  state)
    # the remote state knows the stack once it was migrated there (or in a healthy installation)
    [[ -f "$BUCKET.state" ]] && echo "aws_s3_bucket.state_bucket_1" ;;
  apply)
    if [[ $backend == local ]]; then touch "$BUCKET"; echo '{"version":4}' > bootstrap.tfstate; fi ;;
esac
exit 0
`;

/** A state stack as cdktf writes it, reduced to what the script reads. */
const STACK = {
  terraform: { backend: { s3: { bucket: "kkp-tfstate-0123456789", key: "state.tfstate" } } },
  resource: {
    aws_s3_bucket: { state_bucket_1: { bucket: "kkp-tfstate-0123456789" } },
    aws_s3_bucket_versioning: { state_versioning_2: { bucket: "${aws_s3_bucket.state_bucket_1.id}" } },
    aws_dynamodb_table: { state_lock_3: { name: "kkp-tfstate-0123456789-lock" } },
  },
};

type Mode = "exists" | "missing" | "denied" | "orphaned";

function run(mode: Mode, setup: (stackDir: string) => void = () => {}) {
  const work = testDir("kkp-bootstrap-");
  const bin = path.join(work, "bin");
  const stackDir = path.join(work, "stacks", "state");
  mkdirSync(bin);
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(path.join(bin, "terraform"), FAKE_TERRAFORM);
  chmodSync(path.join(bin, "terraform"), 0o755);
  writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify(STACK));
  const bucket = path.join(work, "bucket");
  if (mode === "exists" || mode === "orphaned") writeFileSync(bucket, "");
  if (mode === "exists") writeFileSync(`${bucket}.state`, "");
  setup(stackDir);
  const calls = path.join(work, "calls");
  const importsSeen = path.join(work, "imports");
  writeFileSync(calls, "");
  const result = spawnSync("bash", [path.join(PROJECT_ROOT, "scripts", "bootstrap-state.sh"), stackDir], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: calls, BUCKET: bucket, MODE: mode, IMPORTS_SEEN: importsSeen },
    encoding: "utf8",
  });
  return {
    ...result,
    calls: readFileSync(calls, "utf8").trim().split("\n").filter(Boolean),
    stackDir,
    bucketExists: existsSync(bucket),
    imports: existsSync(importsSeen) ? JSON.parse(readFileSync(importsSeen, "utf8")) : undefined,
  };
}

describe("bootstrapping the state bucket", () => {
  test("with the bucket in place, applies the state stack against its remote state", () => {
    const r = run("exists");
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["remote init -input=false -reconfigure", "remote state list", "remote apply -input=false -auto-approve -lock-timeout=5m"]);
    expect(r.imports).toBeUndefined();
  });

  test("without the bucket, creates it on local state and then migrates that state into it", () => {
    const r = run("missing");
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      "remote init -input=false -reconfigure",
      "local init -input=false -reconfigure",
      "local apply -input=false -auto-approve -lock-timeout=5m",
      "remote init -input=false -migrate-state -force-copy",
    ]);
    expect(r.bucketExists).toBe(true);
    expect(existsSync(path.join(r.stackDir, "bootstrap.tfstate"))).toBe(false);
    expect(existsSync(path.join(r.stackDir, "bootstrap_override.tf.json"))).toBe(false);
  });

  test("finishes what an interrupted run on this machine left on local state, then migrates it", () => {
    const r = run("missing", (dir) => writeFileSync(path.join(dir, "bootstrap.tfstate"), '{"version":4}'));
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      "local init -input=false -reconfigure",
      "local apply -input=false -auto-approve -lock-timeout=5m",
      "remote init -input=false -migrate-state -force-copy",
      "remote init -input=false -reconfigure",
      "remote state list",
      "remote apply -input=false -auto-approve -lock-timeout=5m",
    ]);
    expect(r.bucketExists).toBe(true);
    expect(existsSync(path.join(r.stackDir, "bootstrap.tfstate"))).toBe(false);
  });

  test("imports the bucket when its state was lost with the runner of an interrupted first run", () => {
    const r = run("orphaned");
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      "remote init -input=false -reconfigure",
      "remote state list",
      "remote apply -input=false -auto-approve -lock-timeout=5m +imports",
    ]);
    expect(r.imports).toEqual({
      import: [
        { to: "aws_s3_bucket.state_bucket_1", id: "kkp-tfstate-0123456789" },
        { to: "aws_s3_bucket_versioning.state_versioning_2", id: "kkp-tfstate-0123456789" },
        { to: "aws_dynamodb_table.state_lock_3", id: "kkp-tfstate-0123456789-lock" },
      ],
    });
    expect(existsSync(path.join(r.stackDir, "bootstrap_import.tf.json"))).toBe(false);
  });

  test("fails on any other init error without creating anything", () => {
    const r = run("denied");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("AccessDenied");
    expect(r.stderr).toContain("terraform init failed for a reason other than a missing state bucket");
    expect(r.calls).toEqual(["remote init -input=false -reconfigure"]);
  });

  test("fails clearly when the stacks have not been synthesized", () => {
    const result = spawnSync("bash", [path.join(PROJECT_ROOT, "scripts", "bootstrap-state.sh"), "/nonexistent/state"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("run 'npx cdktf synth' first");
  });
});
