/**
 * Policy checks on the synthesized Terraform JSON of every shipped example, in the spirit of checkov and tfsec.
 * Each test's name says what it protects; each looks at resources by type, whatever construct made them.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { loadConfigFile, PROJECT_ROOT } from "../config/load";
import type { Config as KkpConfig } from "../config/load";
import { resources, synthAll, type TerraformJson } from "./helpers";

const examplesDir = path.join(PROJECT_ROOT, "examples");
const examples: Array<[string, KkpConfig]> = [
  ["config/kkp.example.yaml", loadConfigFile(path.join(PROJECT_ROOT, "config", "kkp.example.yaml")).config],
  ...readdirSync(examplesDir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f): [string, KkpConfig] => [`examples/${f}`, loadConfigFile(path.join(examplesDir, f)).config]),
];

const all = (stacks: Record<string, TerraformJson>, type: string) => Object.values(stacks).flatMap((stack) => resources(stack, type));
const OPEN = "0.0.0.0/0";
/** Where Google Cloud's IAP TCP forwarding connects from, and its load balancers' front ends and health checks. */
const IAP_FORWARDING_RANGE = "35.235.240.0/20";
const GOOGLE_FRONT_ENDS = ["35.191.0.0/16", "130.211.0.0/22"];

describe.each(examples)("%s", (_, config) => {
  const stacks = synthAll(config);
  const apiCidrs = new Set(config.access.apiCidrs);

  test("buckets (state, etcd backups): versioned, encrypted, not public, TLS-only, protected from destroy (GitLab: no state bucket)", () => {
    const s3 = all(stacks, "aws_s3_bucket");
    const gcs = all(stacks, "google_storage_bucket");
    const gitlabState = Object.values(stacks).every((stack) => String(stack.terraform.backend.http?.address ?? "").startsWith("https://"));
    const stateBuckets = stacks.state ? [...all({ state: stacks.state }, "aws_s3_bucket"), ...all({ state: stacks.state }, "google_storage_bucket")] : [];
    expect(stateBuckets.length).toBe(gitlabState ? 0 : 1);
    // Each bucket's settings are its own: one of each per bucket, every one as strict.
    for (const type of ["aws_s3_bucket_versioning", "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_public_access_block", "aws_s3_bucket_policy"]) {
      expect({ type, count: all(stacks, type).length }).toEqual({ type, count: s3.length });
    }
    for (const bucket of s3) expect(bucket.lifecycle?.prevent_destroy).toBe(true);
    for (const versioning of all(stacks, "aws_s3_bucket_versioning")) expect(versioning.versioning_configuration.status).toBe("Enabled");
    for (const encryption of all(stacks, "aws_s3_bucket_server_side_encryption_configuration")) {
      expect(encryption.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toMatch(/^(aws:kms|AES256)$/);
    }
    for (const block of all(stacks, "aws_s3_bucket_public_access_block")) {
      expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    }
    for (const bucketPolicy of all(stacks, "aws_s3_bucket_policy")) {
      expect(JSON.parse(bucketPolicy.policy).Statement).toContainEqual(expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }));
    }
    for (const bucket of gcs) {
      // GCS encrypts at rest and serves only TLS; what can be set wrong is versioning and public access.
      expect(bucket).toMatchObject({ versioning: { enabled: true }, public_access_prevention: "enforced", uniform_bucket_level_access: true, lifecycle: { prevent_destroy: true } });
    }
  });

  test("instances: IMDSv2 only and encrypted disks on AWS; shielded, no default service account with full scopes on GCP", () => {
    for (const instance of all(stacks, "aws_instance")) {
      expect(instance.metadata_options.http_tokens).toBe("required");
      expect(instance.root_block_device.encrypted).toBe(true);
    }
    for (const instance of all(stacks, "google_compute_instance")) {
      expect(instance.shielded_instance_config.enable_secure_boot).toBe(true);
      if (instance.service_account) {
        // A service account one of the stacks creates (the identity stack's control-plane account, or the cluster
        // stack's own with static keys), never the Compute Engine default account.
        const created = all(stacks, "google_service_account").map((a) => `${a.account_id}@${a.project}.iam.gserviceaccount.com`);
        const email = instance.service_account.email;
        expect(/^\$\{google_service_account\.[\w-]+\.email\}$/.test(email) || created.includes(email)).toBe(true);
        expect(email).not.toMatch(/-compute@developer\.gserviceaccount\.com/);
      }
    }
    for (const workers of Object.values<any>(stacks[`${config.environments[0].name}-cluster`].output!.kubeone_workers.value)) {
      const spec = workers.providerSpec.cloudProviderSpec;
      if ("ebsVolumeEncrypted" in spec) expect(spec.ebsVolumeEncrypted).toBe(true);
      if ("assignPublicIP" in spec) expect(spec.assignPublicIP).toBe(false);
      if ("assignPublicIPAddress" in spec) expect(spec.assignPublicIPAddress).toBe(false);
    }
  });

  test("network: nothing open to 0.0.0.0/0 except the API when access.apiCidrs says so", () => {
    const awsOpen = all(stacks, "aws_vpc_security_group_ingress_rule").filter((r) => r.cidr_ipv4 === OPEN);
    for (const rule of awsOpen) {
      expect(apiCidrs.has(OPEN)).toBe(true);
      expect([rule.from_port, rule.to_port]).toEqual([6443, 6443]);
    }
    for (const rule of all(stacks, "google_compute_firewall")) expect(rule.source_ranges ?? []).not.toContain(OPEN);
    for (const policy of all(stacks, "google_compute_security_policy")) {
      const allowed = policy.rule.filter((r: any) => r.action === "allow").flatMap((r: any) => r.match.config.src_ip_ranges);
      expect(allowed).not.toContain(OPEN);
    }
  });

  test("network: SSH only from access.sshCidrs, the cluster's own groups or IAP's forwarding range; the API only from access.apiCidrs, the cluster's NAT, its load balancer or Google's front ends; nothing from IPv6's ::/0", () => {
    const covers = (rule: { from_port?: number; to_port?: number }, port: number) => rule.from_port === undefined || (rule.from_port <= port && port <= rule.to_port!);
    const ssh = new Set(config.access.sshCidrs);
    for (const rule of all(stacks, "aws_vpc_security_group_ingress_rule")) {
      expect(rule.cidr_ipv6).toBeUndefined();
      if (rule.referenced_security_group_id) continue;
      if (covers(rule, 22)) expect({ ssh: rule.cidr_ipv4, allowed: ssh.has(rule.cidr_ipv4) }).toEqual({ ssh: rule.cidr_ipv4, allowed: true });
      if (covers(rule, 6443)) {
        const nat = /^\$\{aws_eip\.[\w-]+\.public_ip\}\/32$/.test(rule.cidr_ipv4);
        expect({ api: rule.cidr_ipv4, allowed: nat || apiCidrs.has(rule.cidr_ipv4) }).toEqual({ api: rule.cidr_ipv4, allowed: true });
      }
    }
    for (const rule of all(stacks, "google_compute_firewall")) {
      const ports = rule.allow.flatMap((a: any) => (a.protocol === "all" ? ["all"] : a.ports ?? ["all"]));
      const ranges: string[] = rule.source_ranges ?? [];
      expect(ranges).not.toContain("::/0");
      if (ports.includes("all")) expect(ranges.every((r) => /^(10\.|172\.(1[6-9]|2\d|3[01])\.|192\.168\.)/.test(r))).toBe(true);
      if (ports.includes("22")) for (const range of ranges) expect([...ssh, IAP_FORWARDING_RANGE]).toContain(range);
      if (ports.includes("6443")) for (const range of ranges) expect(GOOGLE_FRONT_ENDS).toContain(range);
    }
  });

  test("IAM: no policy allows * on *, no primitive owner or editor role", () => {
    for (const policy of [...all(stacks, "aws_iam_role_policy"), ...all(stacks, "aws_iam_policy")]) {
      for (const statement of JSON.parse(policy.policy).Statement.filter((s: any) => s.Effect === "Allow")) {
        const actions = [statement.Action].flat();
        expect(actions.some((a: string) => a === "*" || a.endsWith(":*"))).toBe(false);
      }
    }
    for (const member of all(stacks, "google_project_iam_member")) expect(member.role).not.toMatch(/^roles\/(owner|editor)$/);
  });

  test("notify tokens: each environment's cluster gets its own, stored only with that environment", () => {
    const github = all(stacks, "github_actions_environment_secret").filter((s) => s.secret_name === "FLUX_NOTIFY_TOKEN");
    const gitlab = all(stacks, "gitlab_project_variable").filter((v) => v.key === "FLUX_NOTIFY_TOKEN");
    const stored = [
      ...github.map((s) => ({ env: s.environment.match(/repository_environment-([a-z0-9-]+)_/)[1], value: s.plaintext_value })),
      ...gitlab.map((v) => ({ env: v.environment_scope, value: v.value })),
    ];
    // Bitbucket has no Terraform provider: its admin stores the tokens by hand, one deployment variable each.
    if (config.ci.provider === "bitbucket") return expect(stored).toEqual([]);
    expect(stored.map((s) => s.env).sort()).toEqual(config.environments.map((e) => e.name).sort());
    for (const { env, value } of stored) expect(value).toBe(`\${var.flux_notify_token_${env.replace(/-/g, "_")}}`);
    expect(new Set(stored.map((s) => s.value)).size).toBe(stored.length);
  });

  test("secrets: every CI secret comes from a sensitive variable or a Terraform-generated random value, none from a literal", () => {
    for (const secret of [...all(stacks, "github_actions_secret"), ...all(stacks, "github_actions_environment_secret")]) {
      const value: string = secret.plaintext_value;
      if (value.startsWith("${var.")) {
        expect(value).toMatch(/^\$\{var\.[a-z_]+\}$/);
        expect(stacks.ci.variable![value.slice(6, -1)].sensitive).toBe(true);
      } else {
        expect(value).toMatch(/^\$\{random_(password\.\S+\.(result|bcrypt_hash)|uuid\.\S+\.result)\}$/);
      }
    }
  });
});
