import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { configJsonSchema } from "../config/json-schema";
import { readmeSections, withSections } from "../config/readme-sections";
import { configPath, ConfigError, EXAMPLE_CONFIG, loadConfigFile, parseConfig, PROJECT_ROOT } from "../config/load";
import { bitbucketExampleText, configErrorFor, configFrom, exampleText, gitlabExampleText } from "./helpers";
import { envWithoutConfig, testDir } from "./test-dirs";

describe("configuration defaults", () => {
  test("the embedded example resolves with documented defaults", () => {
    const config = configFrom();
    expect(config.controlPlane).toEqual({ count: 3, diskSizeGiB: 50, machineType: "t3.large" });
    expect(config.bastion).toEqual({ enabled: true, machineType: "t3.micro" });
    expect(config.workers).toEqual([{ name: "worker", replicasPerZone: 1, diskSizeGiB: 50, machineType: "t3.xlarge" }]);
    expect(config.state.locking).toBe("lockfile");
    expect(config.ssh.user).toBe("ubuntu");
    expect(config.access.nodePortRange).toEqual({ from: 30000, to: 32767 });
    expect(config.dns.ttlSeconds).toBe(300);
    expect(config.cloud.provider === "aws" && config.cloud.aws.vpc.cidr).toBe("10.0.0.0/16");
  });

  test("Kubernetes version, project and optional components default sensibly", () => {
    const config = configFrom((c) => delete c.kkp.monitoring);
    expect(config.kubernetes.version).toBe("1.36.4");
    // kubectl of the cluster's own release unless set.
    expect(config.pipeline.tools.kubectl).toBe("v1.36.4");
    expect(config.kkp).toMatchObject({ project: "kkp", monitoring: false, logging: false, alerting: false });
  });

  test("one environment by default, serving kkp.domain", () => {
    expect(configFrom().environments).toEqual([
      { name: "prod", index: 0, domain: "kkp.example.com", clusterName: "kkp-prod", reviewers: { users: [], teams: [] }, etcdBackupBucket: expect.stringMatching(/^kkp-prod-etcd-[0-9a-f]{10}$/), userClusterBackupBucket: expect.stringMatching(/^kkp-prod-clusters-[0-9a-f]{10}$/) },
    ]);
  });

  test("etcd backups are on with OIDC credentials, off with static keys, and refused there when asked for", () => {
    const staticKeys = (c: any) => {
      delete c.cloud.aws.accountId;
      c.pipeline = { credentials: "static-keys" };
    };
    expect(configFrom(staticKeys).environments[0]).not.toHaveProperty("etcdBackupBucket");
    expect(configFrom(staticKeys).environments[0]).not.toHaveProperty("userClusterBackupBucket");
    expect(configFrom((c) => (c.etcdBackups = { enabled: false })).environments[0].etcdBackupBucket).toBeUndefined();
    expect(configErrorFor((c) => { staticKeys(c); c.etcdBackups = { enabled: true }; })).toContain(
      "etcdBackups.enabled: is true, but the backup buckets and their access come with the identity stack, which pipeline.credentials: static-keys has none of",
    );
  });

  test("later environments default to <name>.<kkp.domain>, in promotion order", () => {
    const config = configFrom((c) => {
      c.environments = [{ name: "ops" }, { name: "apps" }, { name: "apps-prod", domain: "kkp-prod.example.com" }];
    });
    expect(config.environments.map((e) => [e.name, e.index, e.domain, e.clusterName])).toEqual([
      ["ops", 0, "kkp.example.com", "kkp-ops"],
      ["apps", 1, "apps.kkp.example.com", "kkp-apps"],
      ["apps-prod", 2, "kkp-prod.example.com", "kkp-apps-prod"],
    ]);
  });
});

describe("state bucket name", () => {
  test("is deterministic for one installation", () => {
    expect(configFrom().state.bucketName).toBe(configFrom().state.bucketName);
    expect(configFrom().state.bucketName).toMatch(/^kkp-tfstate-[0-9a-f]{10}$/);
  });

  test("differs between installations of the same name in another region or repository", () => {
    const base = configFrom().state.bucketName;
    expect(configFrom((c) => (c.cloud.aws.region = "us-east-2")).state.bucketName).not.toBe(base);
    expect(configFrom((c) => (c.ci.github.repository = "other")).state.bucketName).not.toBe(base);
  });

  test("can be overridden", () => {
    expect(configFrom((c) => (c.state = { bucketName: "acme-kkp-state" })).state.bucketName).toBe("acme-kkp-state");
  });
});

/** The 1-based line of the embedded example that contains `text`. */
const lineOf = (text: string) => exampleText.split("\n").findIndex((line) => line.includes(text)) + 1;

describe("bad configuration", () => {
  test("fails naming the setting's line in the file", () => {
    expect(() => parseConfig(exampleText.replace("count: 3", "count: 2"))).toThrow(
      `controlPlane.count (line ${lineOf("count: 3")}): must be odd to keep etcd quorum (got 2); use 1, 3 or 5`,
    );
    expect(() => parseConfig(exampleText.replace("    region:", "    regoin:"))).toThrow("cloud.aws.regoin (line 11): unknown setting; did you mean 'region'?");
  });

  test("fails on a wrong type, naming the setting and the value", () => {
    expect(configErrorFor((c) => (c.controlPlane.count = "three"))).toContain(
      "controlPlane.count: must be a number (got \"three\")",
    );
  });

  test("fails on an unknown key and suggests the near miss", () => {
    expect(
      configErrorFor((c) => {
        c.cloud.aws.regoin = c.cloud.aws.region;
      }),
    ).toContain("cloud.aws.regoin: unknown setting; did you mean 'region'?");
  });

  test("fails on an unknown top-level key", () => {
    expect(configErrorFor((c) => (c.enviroments = [{ name: "ops" }]))).toContain("enviroments: unknown setting; did you mean 'environments'?");
  });

  test("fails on an even control-plane count", () => {
    expect(configErrorFor((c) => (c.controlPlane.count = 2))).toContain(
      "controlPlane.count: must be odd to keep etcd quorum (got 2); use 1, 3 or 5",
    );
  });

  test("fails on an invalid domain", () => {
    expect(configErrorFor((c) => (c.kkp.domain = "https://KKP.example.com"))).toContain(
      "kkp.domain: must be a lowercase DNS name with at least two labels, such as kkp.example.com (no scheme, no trailing dot) (got \"https://KKP.example.com\")",
    );
  });

  test("fails on a domain outside the DNS zone", () => {
    expect(configErrorFor((c) => (c.kkp.domain = "kkp.example.org"))).toContain(
      "kkp.domain: is not below dns.zone 'example.com'; use a subdomain of the zone such as kkp.example.com (got \"kkp.example.org\")",
    );
  });

  test("fails on an invalid CIDR", () => {
    expect(configErrorFor((c) => (c.access.apiCidrs = ["10.0.0.0/33"]))).toContain(
      "access.apiCidrs[0]: must be an IPv4 CIDR block such as 10.0.0.0/16 or 203.0.113.7/32 (got \"10.0.0.0/33\")",
    );
  });

  test("fails on a CIDR with host bits set and names the network address", () => {
    expect(configErrorFor((c) => (c.access.sshCidrs = ["203.0.113.5/24"]))).toContain(
      "access.sshCidrs[0]: has host bits set; write the network address 203.0.113.0/24 (got \"203.0.113.5/24\")",
    );
  });

  test("fails on a malformed region", () => {
    expect(configErrorFor((c) => (c.cloud.aws.region = "Frankfurt"))).toContain(
      "cloud.aws.region: must be an AWS region code such as eu-central-1 or us-east-2 (got \"Frankfurt\")",
    );
  });

  test("fails on a missing SSH key", () => {
    expect(configErrorFor((c) => delete c.ssh.publicKey)).toContain(
      "ssh.publicKey: is required but missing; add it (see config/kkp.example.yaml)",
    );
  });

  test("fails on a private key pasted as the public key, without echoing it", () => {
    const marker = "b3BlbnNzaC1rZXktdjEAAAAA-CANARY";
    const message = configErrorFor((c) => (c.ssh.publicKey = `-----BEGIN OPENSSH PRIVATE KEY-----\n${marker}\n-----END OPENSSH PRIVATE KEY-----`));
    expect(message).toContain("ssh.publicKey: is a PRIVATE key");
    expect(message).not.toContain(marker);
  });

  test("fails on an unsupported cloud provider", () => {
    expect(configErrorFor((c) => (c.cloud.provider = "azure"))).toContain('cloud.provider: must be one of: aws, gcp (got "azure")');
  });

  test("refuses SSH open to the internet, and no bastion on hosted runners, which could not reach the nodes", () => {
    expect(configErrorFor((c) => (c.access.sshCidrs = ["0.0.0.0/0"]))).toContain(
      "access.sshCidrs[0]: would open SSH to the whole internet; the pipeline reaches the bastion through the cloud's tunnel, so list only your admins' CIDRs, or none",
    );
    expect(configErrorFor((c) => (c.bastion = { enabled: false }))).toContain(
      "bastion.enabled: is false, so the jobs SSH to the nodes directly, which only runners inside the cluster's network can; set pipeline.runner to your self-hosted runners' label (ubuntu-latest is a GitHub-hosted runner, outside the network)",
    );
    // Every GitHub-hosted label, not only the default one.
    for (const runner of ["ubuntu-24.04", "ubuntu-24.04-arm", "ubuntu-22.04", "windows-2025", "macos-15-xlarge"]) {
      expect(configErrorFor((c) => Object.assign(c, { bastion: { enabled: false }, pipeline: { runner } }))).toContain(`${runner} is a GitHub-hosted runner`);
    }
    // GitLab and Bitbucket jobs run on their hosted runners whatever pipeline.runner says.
    for (const [text, hosted] of [[gitlabExampleText, "GitLab's shared runners"], [bitbucketExampleText, "Bitbucket's cloud runners"]]) {
      expect(configErrorFor((c) => Object.assign(c, { bastion: { enabled: false }, pipeline: { ...c.pipeline, runner: "kkp-vpc" } }), text)).toContain(`the jobs run on ${hosted}`);
    }
    // An existing network's egress address is unknown here, and the nodes join through the public endpoint from it.
    const existingVpc = { vpcId: "vpc-0123456789abcdef0", publicSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa"], privateSubnetIds: ["subnet-0bbbbbbbbbbbbbbbb"] };
    expect(configErrorFor((c) => Object.assign(c.cloud.aws, { vpc: { existing: existingVpc } }))).toContain(
      "access.apiCidrs: is empty, but with cloud.aws.vpc.existing the nodes join the cluster through the API's public endpoint",
    );
    // Nobody from outside is the default: the pipeline needs no open port.
    expect(configFrom().access).toMatchObject({ sshCidrs: [], apiCidrs: [] });
    expect(configFrom((c) => Object.assign(c, { bastion: { enabled: false }, pipeline: { runner: "kkp-vpc" } })).bastion.enabled).toBe(false);
  });

  test("fails on duplicate environment names", () => {
    expect(configErrorFor((c) => (c.environments = [{ name: "ops" }, { name: "ops" }]))).toContain(
      "environments[1].name: is used twice; names in environments must be unique (got \"ops\")",
    );
  });

  test("fails when two environments would serve the same domain", () => {
    expect(configErrorFor((c) => (c.environments = [{ name: "ops" }, { name: "apps", domain: "kkp.example.com" }]))).toContain(
      "environments[1].domain: would serve kkp.example.com, which environment 'ops' already serves; give one of them its own domain (got \"kkp.example.com\")",
    );
  });

  test("fails without the account of the pipeline's roles unless static keys are chosen, and names what replaced a role ARN", () => {
    expect(configErrorFor((c) => delete c.cloud.aws.accountId)).toContain(
      "cloud.aws.accountId: is required for OIDC credentials (pipeline.credentials: oidc): the pipeline assumes the identity stack's roles in this account; set it, or set pipeline.credentials: static-keys",
    );
    expect(configErrorFor((c) => (c.cloud.aws.pipelineRoleArn = "arn:aws:iam::123456789012:role/kkp-pipeline"))).toContain(
      "cloud.aws.pipelineRoleArn: was replaced by the identity stack's roles: remove it, set cloud.aws.accountId, and deploy the identity stack (README, one-time setup)",
    );
    const staticKeys = configFrom((c) => {
      delete c.cloud.aws.accountId;
      c.pipeline = { credentials: "static-keys" };
    });
    expect(staticKeys.pipeline.credentials).toBe("static-keys");
  });

  test("fails on a malformed tool version", () => {
    expect(configErrorFor((c) => (c.pipeline = { tools: { kubeone: "latest" } }))).toContain(
      'pipeline.tools.kubeone: must be a version such as 1.14.2 (got "latest")',
    );
  });

  test("fails without the administrator's e-mail, or with a malformed one", () => {
    expect(configErrorFor((c) => delete c.kkp.adminEmail)).toContain("kkp.adminEmail: is required but missing; add it (see config/kkp.example.yaml)");
    expect(configErrorFor((c) => (c.kkp.adminEmail = "admin at example.com"))).toContain(
      'kkp.adminEmail: must be an e-mail address such as admin@example.com (got "admin at example.com")',
    );
  });

  test("fails on alerting without monitoring, saying why", () => {
    expect(configErrorFor((c) => Object.assign(c.kkp, { monitoring: false, alerting: { webhook: true } }))).toContain(
      "kkp.alerting: needs kkp.monitoring: true, because Alertmanager receives its alerts from Prometheus; enable monitoring or disable alerting",
    );
  });

  test("fails on a Kubernetes version that is not a plain patch release", () => {
    expect(configErrorFor((c) => (c.kubernetes = { version: "v1.36.4" }))).toContain(
      'kubernetes.version: must be a Kubernetes patch release such as 1.36.4 (no leading v) (got "v1.36.4")',
    );
  });

  test("fails on duplicate worker pool names", () => {
    expect(configErrorFor((c) => (c.workers = [{ name: "a" }, { name: "a" }]))).toContain(
      "workers[1].name: is used twice; names in workers must be unique (got \"a\")",
    );
  });

  test("fails on availability zones combined with an existing VPC", () => {
    expect(
      configErrorFor((c) => {
        c.cloud.aws.availabilityZones = ["eu-central-1a"];
        c.cloud.aws.vpc = { existing: { vpcId: "vpc-0123456789abcdef0", publicSubnetIds: ["subnet-0123456789abcdef0"], privateSubnetIds: ["subnet-0123456789abcdef1"] } };
      }),
    ).toContain("cloud.aws.availabilityZones: cannot be combined with vpc.existing");
  });

  test("fails on invalid YAML and reports its line", () => {
    const broken = exampleText.replace("  zone: example.com", "  zone: [example.com");
    expect(() => parseConfig(broken)).toThrow(/invalid YAML at line \d+, column \d+/);
  });

  test("fails on a duplicate key in YAML", () => {
    expect(() => parseConfig(`${exampleText}\nname: again\n`)).toThrow(
      new RegExp(`invalid YAML at line ${exampleText.split("\n").length + 1}, column 1: Map keys must be unique`),
    );
  });

  test("a structural mistake in one section does not hide a check of another", () => {
    const problems = (edit: (c: any) => void) => {
      try {
        configFrom(edit);
      } catch (e) {
        return (e as ConfigError).problems.map((p) => p.split(" ")[0]);
      }
      return [];
    };
    // Zod skips refinements after any issue; each check here waits only for the sections it reads.
    expect(
      problems((c) => {
        c.dns.ttlSeconds = "five";
        c.controlPlane.count = 2;
        c.access.sshCidrs = ["0.0.0.0/0"];
      }),
    ).toEqual(["dns.ttlSeconds", "controlPlane.count", "access.sshCidrs[0]"]);
    // A check whose own section is broken stays quiet rather than guessing.
    expect(problems((c) => (c.controlPlane.count = "two"))).toEqual(["controlPlane.count"]);
  });

  test("reports every problem at once", () => {
    let error: unknown;
    try {
      configFrom((c) => {
        c.controlPlane.count = 4;
        c.kkp.domain = "nope";
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(" ")[0])).toEqual(["kkp.domain", "controlPlane.count"]);
  });
});

describe("configuration file lookup", () => {
  test("KKP_CONFIG wins, then kkp.yaml at the root, then the embedded example", () => {
    const root = testDir("kkp-root-");
    expect(configPath({ KKP_CONFIG: "examples/x.yaml" }, root)).toBe(path.resolve("examples/x.yaml"));
    expect(configPath({}, root)).toBe(EXAMPLE_CONFIG);
    writeFileSync(path.join(root, "kkp.yaml"), exampleText);
    expect(configPath({}, root)).toBe(path.join(root, "kkp.yaml"));
  });

  test("fails clearly when KKP_CONFIG points at no file", () => {
    expect(() => loadConfigFile("/nonexistent/kkp.yaml")).toThrow("cannot read the configuration (file not found); set KKP_CONFIG to an existing file");
  });

  test("an empty KKP_CONFIG is a mistake, not a request for the example", () => {
    expect(() => configPath({ KKP_CONFIG: "" }, testDir("kkp-root-"))).toThrow("KKP_CONFIG: invalid configuration\n  - is set but empty; unset it to use kkp.yaml at the repository root");
    expect(() => configPath({ KKP_CONFIG: "  " }, testDir("kkp-root-"))).toThrow("is set but empty");
  });

  test("a kkp.yml beside no kkp.yaml is reported with the rename, instead of losing to the example", () => {
    const root = testDir("kkp-root-");
    writeFileSync(path.join(root, "kkp.yml"), exampleText);
    expect(() => configPath({}, root)).toThrow("the configuration must be named kkp.yaml; rename it (git mv kkp.yml kkp.yaml), or set KKP_CONFIG=kkp.yml");
    writeFileSync(path.join(root, "kkp.yaml"), exampleText);
    expect(configPath({}, root)).toBe(path.join(root, "kkp.yaml"));
  });

  test("a file outside the repository, which the pipeline could not read, is refused with the fix", () => {
    const outside = path.join(mkdtempSync(path.join(tmpdir(), "kkp-outside-")), "kkp.yaml");
    writeFileSync(outside, exampleText);
    try {
      expect(() => loadConfigFile(outside)).toThrow("is outside the repository");
      expect(() => loadConfigFile(outside)).toThrow("move the file into it, commit it and point KKP_CONFIG at it there");
    } finally {
      rmSync(path.dirname(outside), { recursive: true, force: true });
    }
  });
});

describe("npm run check", () => {
  const check = (env: NodeJS.ProcessEnv, ...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/check.ts", ...args], { cwd: PROJECT_ROOT, env, encoding: "utf8" });

  test("says which file it read, and that it is the embedded example when it is", () => {
    const run = check(envWithoutConfig());
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("configuration config/kkp.example.yaml (the embedded example: no kkp.yaml at the repository root and no KKP_CONFIG): valid, kkp: aws and github, environments prod\n");
    const gcp = check({ ...envWithoutConfig(), KKP_CONFIG: "examples/gcp-github.yaml" });
    expect(gcp.stderr).toBe("configuration examples/gcp-github.yaml: valid, kkp: gcp and github, environments prod\n");
  });

  test("refuses to deploy or bootstrap the embedded example, naming the fix; exit 1, nothing else printed", () => {
    const run = check(envWithoutConfig(), "--for", "deploy");
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("config/kkp.example.yaml: invalid configuration\n  - is the embedded example, which only synthesizes");
    expect(run.stderr).toContain("cp config/kkp.example.yaml kkp.yaml");
    expect(check({ ...envWithoutConfig(), KKP_CONFIG: "examples/gcp-github.yaml" }, "--for", "deploy").status).toBe(0);
  });

  test("prints each mistake once, no stack trace, exit 1", () => {
    const dir = testDir("kkp-check-");
    const file = path.join(dir, "kkp.yaml");
    writeFileSync(file, exampleText.replace("count: 3", "count: 2"));
    const run = check({ ...envWithoutConfig(), KKP_CONFIG: file });
    expect(run.status).toBe(1);
    expect(run.stderr.match(/must be odd to keep etcd quorum/g)).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\bat \S+\.ts:\d+/);
  });

  test("--help prints the usage; an unknown argument is refused", () => {
    expect(check(envWithoutConfig(), "--help")).toMatchObject({ status: 0, stdout: "usage: npm run check [-- --for deploy]\n" });
    expect(check(envWithoutConfig(), "--frobnicate").status).toBe(2);
  });
});

describe("JSON Schema for editors", () => {
  test("the committed config/kkp.schema.json is current (regenerate with npm run docs)", () => {
    const committed = path.join(PROJECT_ROOT, "config", "kkp.schema.json");
    expect(existsSync(committed)).toBe(true);
    expect(readFileSync(committed, "utf8")).toBe(configJsonSchema());
  });

  test("rejects unknown keys in editors too", () => {
    const schema = JSON.parse(configJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.controlPlane.properties.count.default).toBe(3);
  });
});

describe("README generated sections", () => {
  test("the configuration reference and the pipeline diagram are current (regenerate with npm run docs)", () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    expect(readme).toBe(withSections(readme, readmeSections(configFrom())));
  });
});

describe("npm run init", () => {
  const init = (args: string[], target: string) =>
    spawnSync(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "scripts", "init.ts"), ...args], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...envWithoutConfig(), KKP_INIT_TARGET: target },
    });

  test("copies an example to kkp.yaml with its schema line pointing at the schema from the repository root", () => {
    for (const example of [undefined, "gcp-github"]) {
      const target = path.join(testDir("kkp-init-"), "kkp.yaml");
      const run = init(example ? [example] : [], target);
      expect(run.status).toBe(0);
      const text = readFileSync(target, "utf8");
      const [first] = text.split("\n");
      expect(first).toBe("# yaml-language-server: $schema=./config/kkp.schema.json");
      expect(existsSync(path.join(PROJECT_ROOT, first.split("$schema=")[1]))).toBe(true);
      expect(text.match(/yaml-language-server/g)).toHaveLength(1);
      // What it wrote is a valid configuration, the example's own.
      expect(parseConfig(text).cloud.provider).toBe(example ? "gcp" : "aws");
      expect(run.stdout).toContain("then run npm run check");
    }
  });

  test("never overwrites a kkp.yaml, and names the examples when asked for an unknown one", () => {
    const target = path.join(testDir("kkp-init-"), "kkp.yaml");
    writeFileSync(target, "mine\n");
    const again = init([], target);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("kkp.yaml exists already");
    expect(readFileSync(target, "utf8")).toBe("mine\n");
    const unknown = init(["azure-github"], path.join(testDir("kkp-init-"), "kkp.yaml"));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("gcp-bitbucket, gcp-github, multi-env");
  });
});
