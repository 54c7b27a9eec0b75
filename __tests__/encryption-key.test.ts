/**
 * scripts/keep-encryption-key.sh, which kubeone-apply runs after `kubeone apply`: it reads the master's encryption
 * configuration over SSH and keeps it in the etcd backups' restic repository. Against a stand-in `ssh` that plays the
 * control-plane machine and a stand-in `restic` that keeps a repository in a directory.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";
import { testDir } from "./test-dirs";
import { bash } from "./shell";

const REPOSITORY = "s3:s3.eu-central-1.amazonaws.com/kkp-prod-etcd-0123456789";
const KEY = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n# secret: c2VjcmV0LWtleS1tYXRlcmlhbA==\n";
const CREDENTIALS = 'AWS_ACCESS_KEY_ID: "AKIAEXAMPLE"\nAWS_SECRET_ACCESS_KEY: \'wJalrEXAMPLE\'\n';

const TUNNELLED_HOSTS = {
  cluster_name: "kkp-prod",
  private_address: ["10.0.1.10", "10.0.2.10", "10.0.3.10"],
  ssh_user: "ubuntu",
  ssh_port: 22,
  bastion: "127.0.0.1",
  bastion_port: 40022,
  bastion_user: "ubuntu",
};

interface Machine {
  readonly work: string;
  readonly repo: string;
}

function machine(): Machine {
  const work = testDir("kkp-encryption-key-");
  const bin = path.join(work, "bin");
  const repo = path.join(work, "repo");
  mkdirSync(bin);
  mkdirSync(path.join(repo, "keys"), { recursive: true });
  writeFileSync(path.join(work, "key"), KEY);
  // ssh prints the machine's file for `sudo cat <it>`; its arguments and the environment it saw are recorded.
  writeFileSync(
    path.join(bin, "ssh"),
    ["#!/usr/bin/env bash", `printf '%s\\n' "ssh $*" >> "${work}/calls"`, `[ "\${@: -1}" = /etc/kubernetes/encryption-providers/encryption-providers.yaml ] && cat "${work}/key"`, ""].join("\n"),
  );
  // restic keeps each backup as a numbered file below repo/keys; `dump latest` prints the newest.
  writeFileSync(
    path.join(bin, "restic"),
    [
      "#!/usr/bin/env bash",
      `printf '%s\\n' "restic $* repository=$RESTIC_REPOSITORY password=$RESTIC_PASSWORD key=$AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY region=$AWS_DEFAULT_REGION" >> "${work}/calls"`,
      `repo="${repo}"`,
      'case "$1" in',
      '  cat) [ -f "$repo/config" ] ;;',
      '  init) [ ! -f "$repo/config" ] && touch "$repo/config" ;;',
      '  dump) [ -f "$repo/config" ] || exit 1; last="$(ls "$repo/keys" | sort -n | tail -n 1)"; [ -n "$last" ] || exit 1; cat "$repo/keys/$last" ;;',
      '  backup) [ -f "$repo/config" ] || exit 1; n=$(( $(ls "$repo/keys" | wc -l) + 1 )); cat > "$repo/keys/$n" ;;',
      "  *) exit 3 ;;",
      "esac",
      "",
    ].join("\n"),
  );
  for (const tool of ["ssh", "restic"]) chmodSync(path.join(bin, tool), 0o755);
  return { work, repo };
}

function keep(m: Machine, options: { hosts?: Record<string, unknown>; credentials?: string } = {}) {
  writeFileSync(path.join(m.work, "tf.json"), JSON.stringify({ kubeone_hosts: { value: { control_plane: options.hosts ?? TUNNELLED_HOSTS } } }));
  writeFileSync(path.join(m.work, "credentials"), options.credentials ?? CREDENTIALS);
  if (existsSync(path.join(m.work, "calls"))) writeFileSync(path.join(m.work, "calls"), "");
  const result = bash([path.join(PROJECT_ROOT, "scripts", "keep-encryption-key.sh"), path.join(m.work, "tf.json"), path.join(m.work, "credentials")], {
    env: {
      ...process.env,
      PATH: `${path.join(m.work, "bin")}:${process.env.PATH}`,
      KKP_ETCD_BACKUP_REPOSITORY: REPOSITORY,
      KKP_ETCD_BACKUP_REGION: "eu-central-1",
      KKP_ETCD_BACKUP_PASSWORD: "restic-password",
    },
  });
  const calls = existsSync(path.join(m.work, "calls")) ? readFileSync(path.join(m.work, "calls"), "utf8").trim().split("\n").filter(Boolean) : [];
  const kept = readdirSync(path.join(m.repo, "keys"))
    .sort((a, b) => Number(a) - Number(b))
    .map((file) => readFileSync(path.join(m.repo, "keys", file), "utf8"));
  return { ...result, calls, kept };
}

describe("scripts/keep-encryption-key.sh", () => {
  test("reads the key through the tunnel to the bastion, creates the repository the addon has not made yet, and keeps the key unprinted", () => {
    const m = machine();
    const r = keep(m);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.kept).toEqual([KEY]);
    const ssh = r.calls.filter((c) => c.startsWith("ssh "));
    expect(ssh).toHaveLength(1);
    // The first control-plane machine, jumped to through the tunnel's local end, with KubeOne's user.
    expect(ssh[0]).toContain("ProxyCommand=ssh -o BatchMode=yes");
    expect(ssh[0]).toContain("-p 40022 -W %h:%p ubuntu@127.0.0.1");
    expect(ssh[0]).toMatch(/-p 22 ubuntu@10\.0\.1\.10 sudo cat \/etc\/kubernetes\/encryption-providers\/encryption-providers\.yaml$/);
    const restic = r.calls.filter((c) => c.startsWith("restic "));
    expect(restic.map((c) => c.split(" ")[1])).toEqual(["cat", "init", "dump", "backup"]);
    // restic gets the environment's repository, the backups' password, and the KubeOne key the addon uploads with.
    for (const call of restic) expect(call).toContain(`repository=${REPOSITORY} password=restic-password key=AKIAEXAMPLE/wJalrEXAMPLE region=eu-central-1`);
    expect(restic[3]).toContain("backup --quiet --tag encryption-providers --host kkp-prod --stdin --stdin-filename encryption-providers.yaml");
    expect(r.stdout + r.stderr).not.toContain("c2VjcmV0");
  });

  test("keeps a new copy only when the key changed, never forgetting the one before", () => {
    const m = machine();
    keep(m);
    const again = keep(m);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("kept already");
    expect(again.kept).toEqual([KEY]);
    const rotated = `${KEY}# secret: bmV3LWtleQ==\n`;
    writeFileSync(path.join(m.work, "key"), rotated);
    expect(keep(m).kept).toEqual([KEY, rotated]);
  });

  test("reaches a machine with a public address directly when tf.json names no bastion", () => {
    const m = machine();
    const { bastion: _b, bastion_port: _p, bastion_user: _u, ...direct } = TUNNELLED_HOSTS;
    const r = keep(m, { hosts: { ...direct, public_address: ["203.0.113.7"] } });
    expect(r.status).toBe(0);
    const ssh = r.calls.find((c) => c.startsWith("ssh "));
    expect(ssh).not.toContain("ProxyCommand");
    expect(ssh).toContain("ubuntu@203.0.113.7 sudo cat");
  });

  test("refuses credentials without the S3 key before it connects, and an empty key file", () => {
    const m = machine();
    const r = keep(m, { credentials: "GOOGLE_CREDENTIALS: '{}'\n" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("have no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    expect(r.calls).toEqual([]);
    writeFileSync(path.join(m.work, "key"), "");
    const empty = keep(m);
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain("encryption-providers.yaml on 10.0.1.10 is empty");
    expect(empty.kept).toEqual([]);
  });
});
