/**
 * The checks a cloud engineer expects before anything is built: regions and zones that exist, SSH keys parsed in
 * full, network ranges clear of the cluster's pod and service ranges, reviewer names valid for the CI system, and
 * the JSON schema refusing what it can express.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../config/load";
import { parseSshPublicKey } from "../config/settings/formats";
import { configJsonSchema } from "../config/json-schema";
import { bitbucketExampleText, configErrorFor, configFrom, gcpExampleText, gitlabExampleText } from "./helpers";

/** An OpenSSH public key line built from a key Node generated: RFC 4253 / 5656 wire format, base64. */
function opensshLine(type: "ed25519" | "rsa" | "ecdsa", option?: number | string): string {
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const text = (value: string) => field(Buffer.from(value, "latin1"));
  const mpint = (bytes: Buffer) => field(bytes[0] & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
  const fromJwk = (value: string | undefined) => Buffer.from(value ?? "", "base64url");
  if (type === "ed25519") {
    const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
    return `ssh-ed25519 ${Buffer.concat([text("ssh-ed25519"), field(fromJwk(jwk.x))]).toString("base64")} test@host`;
  }
  if (type === "rsa") {
    const jwk = generateKeyPairSync("rsa", { modulusLength: Number(option ?? 2048) }).publicKey.export({ format: "jwk" });
    return `ssh-rsa ${Buffer.concat([text("ssh-rsa"), mpint(fromJwk(jwk.e)), mpint(fromJwk(jwk.n))]).toString("base64")}`;
  }
  const curve = String(option ?? "nistp256");
  const named = { nistp256: "P-256", nistp384: "P-384", nistp521: "P-521" }[curve]!;
  const jwk = generateKeyPairSync("ec", { namedCurve: named }).publicKey.export({ format: "jwk" });
  const point = Buffer.concat([Buffer.from([4]), fromJwk(jwk.x), fromJwk(jwk.y)]);
  return `ecdsa-sha2-${curve} ${Buffer.concat([text(`ecdsa-sha2-${curve}`), text(curve), field(point)]).toString("base64")} ci`;
}

describe("regions and zones", () => {
  test("a misspelt AWS region is refused with the near miss; zones must belong to the region, once each, within its count", () => {
    expect(configErrorFor((c) => (c.cloud.aws.region = "eu-centrl-1"))).toContain(
      "cloud.aws.region: is not an AWS region this tool knows (did you mean eu-central-1?); a region opened after 2026-12-02",
    );
    expect(configErrorFor((c) => (c.cloud.aws.availabilityZones = ["eu-west-1a"]))).toContain(
      'cloud.aws.availabilityZones[0]: is not a zone of region eu-central-1; its zones are named eu-central-1a, eu-central-1b, ...',
    );
    expect(configErrorFor((c) => (c.cloud.aws.availabilityZones = ["eu-central-1a", "eu-central-1a"]))).toContain(
      "cloud.aws.availabilityZones[1]: lists eu-central-1a twice",
    );
    expect(configErrorFor((c) => (c.cloud.aws.availabilityZones = ["eu-central-1a", "eu-central-1b", "eu-central-1c", "eu-central-1d"]))).toContain(
      "cloud.aws.availabilityZones: lists 4 zones, but region eu-central-1 has 3; list at most 3",
    );
    // Letters are the account's (ca-central-1 has no zone c, us-east-1's are mapped per account): any letter passes.
    expect(configFrom((c) => Object.assign(c.cloud.aws, { region: "ca-central-1", availabilityZones: ["ca-central-1a", "ca-central-1d"] })).cloud).toBeDefined();
    // A region opened after the table was read works when its zones are listed.
    expect(configFrom((c) => Object.assign(c.cloud.aws, { region: "eu-east-9", availabilityZones: ["eu-east-9a"] })).cloud).toBeDefined();
  });

  test("a Google Cloud region must be in the table or list its zones, and zones must exist there", () => {
    expect(configErrorFor((c) => (c.cloud.gcp.region = "europe-wst3"), gcpExampleText)).toContain(
      "cloud.gcp.zones: is unset and region europe-wst3 is not in this tool's zone table (recorded 2026-12-01) (did you mean europe-west3?)",
    );
    expect(configErrorFor((c) => (c.cloud.gcp.zones = ["us-central1-a"]), gcpExampleText)).toContain("cloud.gcp.zones[0]: is not in region europe-west3");
    expect(configErrorFor((c) => (c.cloud.gcp.zones = ["europe-west3-d"]), gcpExampleText)).toContain(
      "cloud.gcp.zones[0]: is europe-west3-d, which region europe-west3 does not have; its zones are europe-west3-a, europe-west3-b, europe-west3-c",
    );
  });
});

describe("SSH public keys, parsed in full", () => {
  test("keys of every supported type and size pass, and parse to their type and size", () => {
    expect(parseSshPublicKey(opensshLine("ed25519"))).toEqual({ type: "ssh-ed25519" });
    expect(parseSshPublicKey(opensshLine("rsa", 3072))).toEqual({ type: "ssh-rsa", bits: 3072 });
    for (const curve of ["nistp256", "nistp384", "nistp521"]) expect(parseSshPublicKey(opensshLine("ecdsa", curve))).toEqual({ type: `ecdsa-sha2-${curve}` });
    expect(configFrom((c) => (c.ssh.publicKey = opensshLine("rsa", 2048))).ssh.publicKey).toMatch(/^ssh-rsa /);
  });

  test("a truncated, damaged, mislabelled, short or hardware-bound key is refused with what is wrong", () => {
    const key = opensshLine("ed25519");
    const [type, blob] = key.split(" ");
    // Cut at a base64 boundary, so only the structure can tell.
    expect(configErrorFor((c) => (c.ssh.publicKey = `${type} ${blob.slice(0, 64)}`))).toContain("ssh.publicKey: has key data that is truncated or damaged");
    expect(configErrorFor((c) => (c.ssh.publicKey = `${type} ${blob.slice(0, -3)}`))).toContain("ssh.publicKey: has key data that is not base64 of whole length");
    expect(configErrorFor((c) => (c.ssh.publicKey = `ssh-rsa ${blob}`))).toContain('ssh.publicKey: says ssh-rsa, but its key data is of type "ssh-ed25519"');
    expect(configErrorFor((c) => (c.ssh.publicKey = opensshLine("rsa", 1024)))).toContain("ssh.publicKey: is an RSA key of 1024 bits; use an ssh-ed25519 key, or an RSA key of at least 2048 bits");
    expect(configErrorFor((c) => (c.ssh.publicKey = `sk-ssh-ed25519@openssh.com ${blob}`))).toContain("ssh.publicKey: is a security-key type (sk-ssh-ed25519@openssh.com)");
    expect(configErrorFor((c) => (c.ssh.publicKey = `${key}\n${key}`))).toContain("ssh.publicKey: spans several lines");
  });

  test("each cloud takes the key types it can install: EC2 imports no ECDSA key, Compute Engine takes any", () => {
    const ecdsa = opensshLine("ecdsa");
    expect(configErrorFor((c) => (c.ssh.publicKey = ecdsa))).toContain(
      "ssh.publicKey: is an ecdsa-sha2-nistp256 key, which cloud.provider aws cannot install on its machines (it takes ssh-ed25519, ssh-rsa)",
    );
    expect(configFrom((c) => (c.ssh.publicKey = ecdsa), gcpExampleText).ssh.publicKey).toBe(ecdsa);
  });
});

describe("network ranges against the cluster's pod and service ranges", () => {
  test("default to KubeOne's and are written into its manifest", () => {
    expect(configFrom().kubernetes).toMatchObject({ podCidr: "10.244.0.0/16", serviceCidr: "10.96.0.0/12" });
    // The embedded example's rendered manifest (kept current by the repository-content test).
    const manifest = parse(readFileSync(path.join(PROJECT_ROOT, "kubeone", "kubeone.yaml"), "utf8"));
    expect(manifest.clusterNetwork).toEqual({ podSubnet: "10.244.0.0/16", serviceSubnet: "10.96.0.0/12", nodePortRange: "30000-32767", cni: { canal: {} } });
  });

  test("a VPC or subnetwork overlapping them is refused, on either cloud, and so are overlapping cluster ranges", () => {
    expect(configErrorFor((c) => (c.cloud.aws.vpc = { cidr: "10.96.0.0/16" }))).toContain(
      "cloud.aws.vpc.cidr: overlaps kubernetes.serviceCidr (10.96.0.0/12), so the nodes' and the cluster's addresses would collide",
    );
    expect(configErrorFor((c) => (c.cloud.gcp.network = { subnetCidr: "10.244.16.0/20" }), gcpExampleText)).toContain(
      "cloud.gcp.network.subnetCidr: overlaps kubernetes.podCidr (10.244.0.0/16)",
    );
    expect(
      configErrorFor((c) => (c.cloud.gcp.network = { existing: { network: "shared", subnetwork: "kkp", subnetCidr: "10.100.0.0/24" } }), gcpExampleText),
    ).toContain("cloud.gcp.network.existing.subnetCidr: overlaps kubernetes.serviceCidr (10.96.0.0/12)");
    expect(configErrorFor((c) => (c.kubernetes = { podCidr: "10.96.0.0/16" }))).toContain("kubernetes.podCidr: overlaps kubernetes.serviceCidr (10.96.0.0/12)");
    // Moving the ranges is the other fix.
    expect(configFrom((c) => Object.assign(c, { kubernetes: { podCidr: "172.16.0.0/16", serviceCidr: "172.20.0.0/16" } }), gcpExampleText).kubernetes.podCidr).toBe("172.16.0.0/16");
    expect(configFrom((c) => (c.cloud.aws.vpc = { cidr: "10.200.0.0/16" })).cloud).toBeDefined();
  });

  test("ranges too small for the nodes or larger than the API server takes are refused", () => {
    expect(configErrorFor((c) => (c.kubernetes = { podCidr: "10.244.0.0/24" }))).toContain("kubernetes.podCidr: must have a prefix between /8 and /20");
    expect(configErrorFor((c) => (c.kubernetes = { serviceCidr: "10.0.0.0/8" }))).toContain("kubernetes.serviceCidr: must have a prefix between /12");
  });
});

describe("reviewers, by the CI system's own naming rules", () => {
  const reviewers = (users: string[], teams: string[] = []) => (c: any) => (c.environments = [{ name: "prod", reviewers: { users, teams } }]);

  test("GitLab takes usernames with dots and nested group paths, and refuses what GitLab would", () => {
    expect(configFrom(reviewers(["john.doe", "jane_doe-2"], ["platform/admins", "acme/platform/sre"]), gitlabExampleText).environments[0].reviewers).toEqual({
      users: ["john.doe", "jane_doe-2"],
      teams: ["platform/admins", "acme/platform/sre"],
    });
    const message = configErrorFor(reviewers(["-bad", "ends."], ["platform/", "x.git"]), gitlabExampleText);
    expect(message).toContain('environments[0].reviewers.users[0]: must be a GitLab username');
    expect(message).toContain('environments[0].reviewers.users[1]: must be a GitLab username');
    expect(message).toContain('environments[0].reviewers.teams[0]: must be a GitLab group path');
    expect(message).toContain('environments[0].reviewers.teams[1]: must be a GitLab group path');
  });

  test("GitHub takes logins and team slugs, and refuses GitLab's forms", () => {
    expect(configFrom(reviewers(["octo-cat"], ["platform-admins"])).environments[0].reviewers.users).toEqual(["octo-cat"]);
    const message = configErrorFor(reviewers(["john.doe"], ["platform/admins"]));
    expect(message).toContain('environments[0].reviewers.users[0]: must be a GitHub login');
    expect(message).toContain('environments[0].reviewers.teams[0]: must be a GitHub team slug');
  });

  test("Bitbucket refuses reviewers, which only its repository settings can hold", () => {
    expect(configErrorFor(reviewers(["alice"]), bitbucketExampleText)).toContain("environments[0].reviewers: cannot be set on Bitbucket by this tool");
  });
});

describe("the JSON schema for editors", () => {
  /** The schema's node for a setting, and whether a value meets its enum, pattern and maxLength. */
  const schema = JSON.parse(configJsonSchema());
  const property = (...keys: string[]) => keys.reduce((node, key) => (key === "[]" ? node.items : node.properties[key]), schema);
  const passes = (node: any, value: unknown) => {
    if (node.enum && !node.enum.includes(value)) return false;
    if (node.pattern && !new RegExp(node.pattern, "u").test(String(value))) return false;
    if (node.maxLength !== undefined && String(value).length > node.maxLength) return false;
    return true;
  };

  test("carries the checks JSON Schema can express: domains, CIDRs, SSH key lines, odd control-plane counts", () => {
    const domain = property("kkp", "domain");
    expect(["kkp.example.com", "a.b"].map((v) => passes(domain, v))).toEqual([true, true]);
    expect(["https://kkp.example.com", "KKP.example.com", "kkp", "kkp.example.com.", "-a.example.com"].map((v) => passes(domain, v))).toEqual([false, false, false, false, false]);
    const cidr = property("access", "apiCidrs", "[]");
    expect(["10.0.0.0/16", "203.0.113.7/32", "0.0.0.0/0"].map((v) => passes(cidr, v))).toEqual([true, true, true]);
    expect(["10.0.0.0/33", "256.0.0.0/8", "10.0.0.0", "10.0.0/8"].map((v) => passes(cidr, v))).toEqual([false, false, false, false]);
    expect(passes(property("ssh", "publicKey"), opensshLine("ed25519"))).toBe(true);
    expect(passes(property("ssh", "publicKey"), "-----BEGIN OPENSSH PRIVATE KEY-----")).toBe(false);
    expect([1, 2, 3, 4, 5, 7].map((v) => passes(property("controlPlane", "count"), v))).toEqual([true, false, true, false, true, true]);
    expect(passes(property("kubernetes", "podCidr"), "10.244.0.0/16")).toBe(true);
  });
});
