/**
 * scripts/bootstrap-state.sh against a stand-in `terraform` that plays the cloud and the S3 backend: which of the
 * state stack's resources exist, what the remote (or local) state lists, and a DynamoDB lock table that cannot lock
 * while it does not exist. Every interruption point of a first run is set up as the cloud would be left by it, for
 * both locking modes, and each run must end converged: everything exists and the remote state lists it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";
import { testDir } from "./test-dirs";
import { bash } from "./shell";

const BUCKET = "aws_s3_bucket.state_bucket_1";
const VERSIONING = "aws_s3_bucket_versioning.state_versioning_2";
const PUBLIC_ACCESS = "aws_s3_bucket_public_access_block.state_public-access_3";
const TABLE = "aws_dynamodb_table.state_lock_4";

const FAKE_TERRAFORM = `#!/usr/bin/env bash
# The backend in use: local when the override file is present, else the remote bucket.
backend=remote; [[ -f bootstrap_override.tf.json ]] && backend=local
echo "$backend $*" >>"$CALLS"
state="$CLOUD.state"; [[ $backend == local ]] && state=bootstrap.tfstate
touch "$CLOUD" "$CLOUD.state"
exists() { grep -qx "$1" "$CLOUD"; }
# Operations that take the lock fail while the DynamoDB lock table is missing, unless told not to lock.
locked() {
  [[ $backend == remote && "$LOCKING" == dynamodb && "$*" != *-lock=false* ]] || return 0
  exists ${TABLE} && return 0
  echo "Error: Error acquiring the state lock: ResourceNotFoundException: Requested resource not found" >&2
  exit 1
}
case "$1" in
  init)
    if [[ "$*" == *-migrate-state* ]]; then cat bootstrap.tfstate >> "$CLOUD.state"; exit 0; fi
    if [[ $backend == remote ]] && ! exists ${BUCKET}; then
      if [[ "$MODE" == denied ]]; then echo "AccessDenied: not authorized" >&2; else echo 'Error: S3 bucket "kkp-tfstate" does not exist.' >&2; fi
      exit 1
    fi ;;
  state) [[ -f "$state" ]] && cat "$state" ;;
  import)
    locked "$@"
    address="\${@: -2:1}"
    [[ "$MODE" == import-denied ]] && { echo "AccessDenied: not authorized to read $address" >&2; exit 1; }
    if exists "$address"; then echo "$address" >> "$state"; else echo "Error: Cannot import non-existent remote object" >&2; exit 1; fi ;;
  apply)
    locked "$@"
    for address in $ALL; do
      exists "$address" || echo "$address" >> "$CLOUD"
      grep -qx "$address" "$state" 2>/dev/null || echo "$address" >> "$state"
    done ;;
esac
exit 0
`;

type Locking = "lockfile" | "dynamodb";

/** The state stack as cdktf writes it, reduced to what the script reads. */
function stack(locking: Locking) {
  return {
    terraform: { backend: { s3: { bucket: "kkp-tfstate-0123456789", key: "state.tfstate", ...(locking === "dynamodb" ? { dynamodb_table: "kkp-tfstate-0123456789-lock" } : {}) } } },
    resource: {
      aws_s3_bucket_versioning: { state_versioning_2: { bucket: "${aws_s3_bucket.state_bucket_1.id}" } },
      aws_s3_bucket: { state_bucket_1: { bucket: "kkp-tfstate-0123456789" } },
      aws_s3_bucket_public_access_block: { "state_public-access_3": { bucket: "${aws_s3_bucket.state_bucket_1.id}" } },
      ...(locking === "dynamodb" ? { aws_dynamodb_table: { state_lock_4: { name: "kkp-tfstate-0123456789-lock" } } } : {}),
    },
  };
}

const addresses = (locking: Locking) => [BUCKET, VERSIONING, PUBLIC_ACCESS, ...(locking === "dynamodb" ? [TABLE] : [])];

interface Setup {
  readonly locking?: Locking;
  /** What exists in the cloud when the run starts. */
  readonly cloud?: readonly string[];
  /** What the remote state lists. */
  readonly remoteState?: readonly string[];
  /** What a local bootstrap state left on this machine lists. */
  readonly localState?: readonly string[];
  readonly mode?: "denied" | "import-denied";
}

function run({ locking = "lockfile", cloud = [], remoteState = [], localState, mode }: Setup = {}) {
  const work = testDir("kkp-bootstrap-");
  const bin = path.join(work, "bin");
  const stackDir = path.join(work, "stacks", "state");
  mkdirSync(bin);
  mkdirSync(stackDir, { recursive: true });
  writeFileSync(path.join(bin, "terraform"), FAKE_TERRAFORM.replaceAll("${TABLE}", TABLE).replaceAll("${BUCKET}", BUCKET));
  chmodSync(path.join(bin, "terraform"), 0o755);
  writeFileSync(path.join(stackDir, "cdk.tf.json"), JSON.stringify(stack(locking)));
  const cloudFile = path.join(work, "cloud");
  const lines = (list: readonly string[]) => list.map((a) => `${a}\n`).join("");
  writeFileSync(cloudFile, lines(cloud));
  writeFileSync(`${cloudFile}.state`, lines(remoteState));
  if (localState) writeFileSync(path.join(stackDir, "bootstrap.tfstate"), lines(localState));
  const calls = path.join(work, "calls");
  writeFileSync(calls, "");
  const result = bash([path.join(PROJECT_ROOT, "scripts", "bootstrap-state.sh"), stackDir], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CALLS: calls, CLOUD: cloudFile, MODE: mode ?? "", LOCKING: locking, ALL: addresses(locking).join(" ") },
    encoding: "utf8",
  });
  const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean) : []);
  return {
    ...result,
    calls: read(calls),
    cloud: read(cloudFile).sort(),
    remoteState: [...new Set(read(`${cloudFile}.state`))].sort(),
    stackDir,
  };
}

const REMOTE_APPLY = "remote apply -input=false -auto-approve -lock-timeout=5m";
const importOf = (address: string, id: string, lock = "-lock-timeout=5m") => `remote import -input=false ${lock} ${address} ${id}`;
const BUCKET_ID = "kkp-tfstate-0123456789";

describe("bootstrapping the state bucket", () => {
  test("with the bucket and its state in place, applies the state stack against its remote state, importing nothing", () => {
    const all = addresses("lockfile");
    const r = run({ cloud: all, remoteState: all });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(["remote init -input=false -reconfigure", "remote state list", REMOTE_APPLY]);
  });

  test("without the bucket, creates it on local state and then migrates that state into it", () => {
    const r = run();
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      "remote init -input=false -reconfigure",
      "local init -input=false -reconfigure",
      "local apply -input=false -auto-approve -lock-timeout=5m",
      "remote init -input=false -migrate-state -force-copy",
    ]);
    expect(r.cloud).toEqual(addresses("lockfile").sort());
    expect(r.remoteState).toEqual(addresses("lockfile").sort());
    expect(existsSync(path.join(r.stackDir, "bootstrap.tfstate"))).toBe(false);
    expect(existsSync(path.join(r.stackDir, "bootstrap_override.tf.json"))).toBe(false);
  });

  test("finishes what an interrupted run on this machine left on local state, then migrates it", () => {
    const r = run({ cloud: [BUCKET], localState: [BUCKET] });
    expect(r.status).toBe(0);
    expect(r.calls.slice(0, 3)).toEqual([
      "local init -input=false -reconfigure",
      "local apply -input=false -auto-approve -lock-timeout=5m",
      "remote init -input=false -migrate-state -force-copy",
    ]);
    expect(r.calls.at(-1)).toBe(REMOTE_APPLY);
    expect(r.remoteState).toEqual(addresses("lockfile").sort());
    expect(existsSync(path.join(r.stackDir, "bootstrap.tfstate"))).toBe(false);
  });

  test("a bucket whose state was lost with its runner: imports what exists, the apply creates the rest", () => {
    const r = run({ cloud: [BUCKET, VERSIONING] });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      "remote init -input=false -reconfigure",
      "remote state list",
      // The bucket first: its settings are imported by its name.
      importOf(BUCKET, BUCKET_ID),
      importOf(VERSIONING, BUCKET_ID),
      importOf(PUBLIC_ACCESS, BUCKET_ID),
      REMOTE_APPLY,
    ]);
    expect(r.stdout).toContain(`${PUBLIC_ACCESS} does not exist yet: the apply creates it`);
    expect(r.cloud).toEqual(addresses("lockfile").sort());
    expect(r.remoteState).toEqual(addresses("lockfile").sort());
  });

  test("a recovery that stopped after some imports: imports only what the state does not list", () => {
    const all = addresses("lockfile");
    const r = run({ cloud: all, remoteState: [BUCKET] });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.includes(" import "))).toEqual([importOf(VERSIONING, BUCKET_ID), importOf(PUBLIC_ACCESS, BUCKET_ID)]);
    expect(r.remoteState).toEqual(all.sort());
  });

  test("with DynamoDB locking and the lock table missing, goes without the lock it cannot take and creates the table", () => {
    const r = run({ locking: "dynamodb", cloud: [BUCKET] });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      "remote init -input=false -reconfigure",
      "remote state list",
      importOf(TABLE, "kkp-tfstate-0123456789-lock", "-lock=false"),
      "remote state list",
      importOf(BUCKET, BUCKET_ID, "-lock=false"),
      importOf(VERSIONING, BUCKET_ID, "-lock=false"),
      importOf(PUBLIC_ACCESS, BUCKET_ID, "-lock=false"),
      "remote apply -input=false -auto-approve -lock=false",
    ]);
    expect(r.stdout).toContain("lock table kkp-tfstate-0123456789-lock is missing: this run goes without locking and creates it");
    expect(r.cloud).toEqual(addresses("dynamodb").sort());
    expect(r.remoteState).toEqual(addresses("dynamodb").sort());
  });

  test("with DynamoDB locking and the table there but unknown to the state, adopts it and locks from then on", () => {
    const all = addresses("dynamodb");
    const r = run({ locking: "dynamodb", cloud: all });
    expect(r.status).toBe(0);
    expect(r.calls[2]).toBe(importOf(TABLE, "kkp-tfstate-0123456789-lock", "-lock=false"));
    expect(r.calls.slice(4)).toEqual([importOf(BUCKET, BUCKET_ID), importOf(VERSIONING, BUCKET_ID), importOf(PUBLIC_ACCESS, BUCKET_ID), REMOTE_APPLY]);
    expect(r.remoteState).toEqual(all.sort());
  });

  // Every point a first run can stop at, as the cloud and the states are left by it, for both locking modes.
  const interruptions: ReadonlyArray<readonly [string, (locking: Locking) => Setup]> = [
    ["before anything", () => ({})],
    ["after the bucket, with the local state on this machine", () => ({ cloud: [BUCKET], localState: [BUCKET] })],
    ["after the bucket, its local state lost", () => ({ cloud: [BUCKET] })],
    ["after some settings, local state lost", () => ({ cloud: [BUCKET, PUBLIC_ACCESS] })],
    ["after the whole apply, before the migration, on this machine", (l) => ({ cloud: addresses(l), localState: addresses(l) })],
    ["after the whole apply, before the migration, local state lost", (l) => ({ cloud: addresses(l) })],
    ["after the migration", (l) => ({ cloud: addresses(l), remoteState: addresses(l) })],
  ];
  for (const locking of ["lockfile", "dynamodb"] as const) {
    test.each(interruptions)(`recovers (${locking} locking) from an interruption %s`, (_, setup) => {
      const r = run({ locking, ...setup(locking) });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
      expect(r.cloud).toEqual(addresses(locking).sort());
      expect(r.remoteState).toEqual(addresses(locking).sort());
      expect(existsSync(path.join(r.stackDir, "bootstrap.tfstate"))).toBe(false);
      expect(existsSync(path.join(r.stackDir, "bootstrap_override.tf.json"))).toBe(false);
    });
  }

  test("fails on any other init error without creating anything", () => {
    const r = run({ mode: "denied" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("AccessDenied");
    expect(r.stderr).toContain("terraform init failed for a reason other than a missing state bucket");
    expect(r.calls).toEqual(["remote init -input=false -reconfigure"]);
  });

  test("fails on an import error other than absence, before applying anything", () => {
    const r = run({ cloud: [BUCKET], mode: "import-denied" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`importing ${BUCKET} failed for a reason other than its absence`);
    expect(r.calls.some((c) => c.includes(" apply "))).toBe(false);
  });

  test("fails clearly when the stacks have not been synthesized", () => {
    const result = bash([path.join(PROJECT_ROOT, "scripts", "bootstrap-state.sh"), "/nonexistent/state"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("run 'npx cdktf synth' first");
  });
});
