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

function run(args: string[], options: { complete?: boolean; env?: Record<string, string | undefined> } = {}) {
  const work = testDir("kkp-etcd-backups-");
  const bin = path.join(work, "bin");
  mkdirSync(bin);
  const files = options.complete === false ? ["backup/etcd-snapshot.db"] : ["backup/etcd-snapshot.db", "backup/pki/etcd/ca.key", "backup/pki/kubernetes/ca.key"];
  writeFileSync(
    path.join(bin, "restic"),
    [
      "#!/usr/bin/env bash",
      `echo "restic $* repository=$RESTIC_REPOSITORY" >> "${work}/calls"`,
      'if [ "$1" = restore ]; then',
      '  while [ "$1" != --target ]; do shift; done; target="$2"',
      ...files.map((file) => `  mkdir -p "$target/$(dirname ${file})" && echo data > "$target/${file}"`),
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
    expect(r.calls).toEqual([`restic restore latest --tag etcd --target ${r.work}/restore repository=${REPOSITORY}`]);
    expect(statSync(path.join(r.work, "restore")).mode & 0o777).toBe(0o700);
    expect(r.stdout).toContain("fetched latest into");
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
