/**
 * scripts/etcd-backups.sh, the restore runbook's first step, against a stand-in `restic` that plays a repository
 * holding one snapshot as KubeOne's backups-restic addon writes it (etcd-snapshot.db and the two CAs under backup/).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";
import { testDir } from "./test-dirs";
import { bash } from "./shell";

const REPOSITORY = "s3:s3.eu-central-1.amazonaws.com/kkp-prod-etcd-0123456789";

/** Snapshots as `restic snapshots --json` lists them: etcd ones from the addon, encryption-providers ones from kubeone-apply. */
const SNAPSHOTS = [
  { id: "e1000000aaaa", short_id: "e1000000", time: "2026-11-02T10:00:00Z", tags: ["etcd"] },
  { id: "k0000000aaaa", short_id: "k0000000", time: "2026-11-01T09:00:00Z", tags: ["encryption-providers"] },
  { id: "e3000000aaaa", short_id: "e3000000", time: "2026-11-04T10:00:00Z", tags: ["etcd"] },
  { id: "k2000000aaaa", short_id: "k2000000", time: "2026-11-03T09:00:00Z", tags: ["encryption-providers"] },
  { id: "e0000000aaaa", short_id: "e0000000", time: "2026-10-31T10:00:00Z", tags: ["etcd"] },
];

function run(args: string[], options: { complete?: boolean; snapshots?: object[]; env?: Record<string, string | undefined> } = {}) {
  const work = testDir("kkp-etcd-backups-");
  const bin = path.join(work, "bin");
  mkdirSync(bin);
  const files = options.complete === false ? ["backup/etcd-snapshot.db"] : ["backup/etcd-snapshot.db", "backup/pki/etcd/ca.key", "backup/pki/kubernetes/ca.key"];
  writeFileSync(
    path.join(bin, "restic"),
    [
      "#!/usr/bin/env bash",
      `echo "restic $* repository=$RESTIC_REPOSITORY" >> "${work}/calls"`,
      `[ "$*" = "snapshots --json" ] && echo '${JSON.stringify(options.snapshots ?? SNAPSHOTS)}'`,
      'if [ "$1" = restore ]; then',
      '  id="$2"; while [ "$1" != --target ]; do shift; done; target="$2"',
      '  case "$id" in',
      '    k*) echo "key of $id" > "$target/encryption-providers.yaml" ;;',
      `    *) ${files.map((file) => `mkdir -p "$target/$(dirname ${file})" && echo data > "$target/${file}"`).join("; ")} ;;`,
      "  esac",
      "fi",
      "",
    ].join("\n"),
  );
  chmodSync(path.join(bin, "restic"), 0o755);
  const env: Record<string, string | undefined> = { ...process.env, PATH: `${bin}:${process.env.PATH}`, RESTIC_PASSWORD: "p", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s", ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const result = bash([path.join(PROJECT_ROOT, "scripts", "etcd-backups.sh"), ...args.map((a) => a.replace("<work>", work))], { env, encoding: "utf8" });
  const calls = existsSync(path.join(work, "calls")) ? readFileSync(path.join(work, "calls"), "utf8").trim().split("\n") : [];
  return { ...result, calls, work };
}

describe("scripts/etcd-backups.sh", () => {
  test("lists the repository's etcd snapshots", () => {
    const r = run(["list", REPOSITORY]);
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`restic snapshots --tag etcd repository=${REPOSITORY}`]);
  });

  test("fetches a snapshot into a private directory and checks it holds the etcd snapshot and both CAs", () => {
    const r = run(["fetch", REPOSITORY, "latest", "<work>/restore"]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.calls).toEqual([
      `restic restore latest --tag etcd --target ${r.work}/restore repository=${REPOSITORY}`,
      `restic snapshots --json repository=${REPOSITORY}`,
      `restic restore k2000000aaaa --tag encryption-providers --target ${r.work}/restore repository=${REPOSITORY}`,
    ]);
    expect(statSync(path.join(r.work, "restore")).mode & 0o777).toBe(0o700);
    expect(r.stdout).toContain("fetched latest into");
    expect(readFileSync(path.join(r.work, "restore", "encryption-providers.yaml"), "utf8")).toBe("key of k2000000aaaa\n");
  });

  test("fetches with a snapshot the encryption key kept last before it was taken, or the first kept for an older one", () => {
    const keyFetched = (snapshot: string) => run(["fetch", REPOSITORY, snapshot, "<work>/restore"]).calls.find((c) => c.includes("--tag encryption-providers"));
    // e1 (Nov 2) was taken under k0 (Nov 1), though k2 (Nov 3) is newer; by its short or its full id.
    expect(keyFetched("e1000000")).toContain("restore k0000000aaaa ");
    expect(keyFetched("e1000000aaaa")).toContain("restore k0000000aaaa ");
    // e0 (Oct 31) predates every kept key: the first one kept is the best guess.
    expect(keyFetched("e0000000")).toContain("restore k0000000aaaa ");
  });

  test("warns, and still fetches the snapshot, when the repository keeps no encryption key", () => {
    const r = run(["fetch", REPOSITORY, "latest", "<work>/restore"], { snapshots: SNAPSHOTS.filter((s) => s.tags.includes("etcd")) });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("the repository keeps no encryption configuration");
    expect(r.calls.some((c) => c.includes("--tag encryption-providers"))).toBe(false);
    expect(existsSync(path.join(r.work, "restore", "backup", "etcd-snapshot.db"))).toBe(true);
  });

  test("refuses a snapshot without the PKI, a directory already holding a backup, and missing credentials", () => {
    expect(run(["fetch", REPOSITORY, "b1ea3ff1", "<work>/restore"], { complete: false }).stderr).toContain("lacks the etcd snapshot or the PKI");
    const again = run(["fetch", REPOSITORY, "latest", "<work>"], {});
    mkdirSync(path.join(again.work, "second", "backup"), { recursive: true });
    const refused = bash([path.join(PROJECT_ROOT, "scripts", "etcd-backups.sh"), "fetch", REPOSITORY, "latest", path.join(again.work, "second")], {
      env: { ...process.env, RESTIC_PASSWORD: "p", AWS_ACCESS_KEY_ID: "k", AWS_SECRET_ACCESS_KEY: "s", PATH: `${path.join(again.work, "bin")}:${process.env.PATH}` },
      encoding: "utf8",
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("backup exists already");
    const noPassword = run(["list", REPOSITORY], { env: { RESTIC_PASSWORD: undefined } });
    expect(noPassword.status).toBe(2);
    expect(noPassword.stderr).toContain("RESTIC_PASSWORD is not set");
    expect(noPassword.calls).toEqual([]);
  });
});
