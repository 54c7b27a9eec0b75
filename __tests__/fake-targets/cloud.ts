/** A minimal cloud for the seam test: Terraform outputs instead of resources, local state, a made-up login. */
import type { Construct } from "constructs";
import { LocalBackend, TerraformOutput, type TerraformStack } from "cdktf";
import { z } from "zod";
import type { EnvironmentConfig, KkpConfig } from "../../config/settings/resolve";
import type { CloudLogin, PipelineIdentity, Secret } from "../../constructs/core/pipeline-model";
import { placeholder } from "../../constructs/core/secrets";
import type { DnsRecord } from "../../constructs/dns-records";
import { KubeOneOutputs } from "../../constructs/kubeone-outputs";
import type { CiOidcTrust } from "../../constructs/targets/oidc";
import type { CloudModule, CloudTarget } from "../../constructs/targets/cloud";
import type { StateStore } from "../../constructs/targets/state-store";

const schema = z.strictObject({ provider: z.literal("fake"), fake: z.strictObject({ region: z.string().regex(/^[a-z]+-\d$/) }) });
type Section = z.infer<typeof schema>;

export const FAKE_PRESET_TOKEN: Secret = { name: "KKP_PRESET_FAKE_TOKEN", description: "the fake cloud's token for user clusters", scope: "environment", format: "token" };

class LocalStateStore implements StateStore {
  readonly needsStateStack = true;
  define(scope: Construct): void {
    new TerraformOutput(scope, "state-directory", { value: "state" });
  }
  attach(stack: TerraformStack, key: string): void {
    new LocalBackend(stack, { path: `state/${key}.tfstate` });
  }
}

class FakeCloudTarget implements CloudTarget {
  readonly id = "fake";
  readonly stateStore = new LocalStateStore();
  readonly storageClass = "fake-disk";
  readonly backupEndpoint = "storage.fake";
  etcdBackupRepository(bucket: string) {
    return { repository: `fake:${bucket}`, region: "fake-region" };
  }
  readonly kubeoneCloudProvider = { none: {} };
  readonly seedDatacenters: Record<string, unknown>;
  readonly presetSecrets = [FAKE_PRESET_TOKEN];
  readonly presetCredentials = { fake: { token: placeholder(FAKE_PRESET_TOKEN) } };
  readonly tunnel = { prepare: "fake-cloud login", start: (port: number) => `fake-cloud tunnel --bastion-port 22 --local-port ${port}` };

  constructor(
    private readonly config: KkpConfig,
    private readonly section: Section,
  ) {
    const region = section.fake.region;
    this.seedDatacenters = { [`fake-${region}`]: { location: region, spec: { fake: { region } } } };
  }

  login(identity: PipelineIdentity): CloudLogin {
    const region = this.section.fake.region;
    const as = identity.kind === "plan" ? "plan" : `apply-${identity.env}`;
    return {
      method: "oidc",
      keySecrets: [],
      oidcAudience: "fake.example",
      setupAction: { name: "Log in to the fake cloud", action: { uses: "example/fake-login", sha: "0".repeat(40), version: "v1.0.0" }, inputs: () => ({ region, as }) },
      script: (tokenVariable) => `fake-cloud login --region ${region} --as ${as} --token "$${tokenVariable}"`,
    };
  }

  configureProvider(): void {}

  /** Outputs naming who the fake cloud would trust for each identity. */
  defineIdentities(scope: Construct, trust: CiOidcTrust): void {
    const identities: PipelineIdentity[] = [{ kind: "plan" }, ...this.config.environments.map((env) => ({ kind: "apply" as const, env: env.name }))];
    for (const identity of identities) {
      new TerraformOutput(scope, identity.kind === "plan" ? "plan-trust" : `apply-trust-${identity.env}`, { value: { issuer: trust.issuer, subjects: trust.subjects(identity) } });
    }
  }

  defineCluster(scope: Construct, env: EnvironmentConfig): void {
    new KubeOneOutputs(scope, "kubeone", {
      apiEndpoint: `api.${env.domain}`,
      controlPlane: { clusterName: env.clusterName, cloudProvider: "none", privateAddresses: ["10.0.0.10"], hostnames: ["cp-1"], operatingSystem: "ubuntu", sshUser: this.config.ssh.user },
      workers: { pools: this.config.workers, zoneCount: 1, sshPublicKey: this.config.ssh.publicKey, cloudProviderSpec: (pool) => ({ size: pool.machineType, region: this.section.fake.region }) },
    });
  }

  defineDnsRecords(scope: Construct, records: readonly DnsRecord[]): void {
    for (const [index, record] of records.entries()) new TerraformOutput(scope, `record-${index}`, { value: record });
  }
}

export const FAKE_CLOUD: CloudModule<Section> = {
  schema,
  machineDefaults: { controlPlane: "fake-cp", worker: "fake-worker", bastion: "fake-bastion" },
  location: (section) => `fake/${section.fake.region}`,
  check: () => [],
  sshKeyTypes: ["ssh-ed25519"],
  backupsByDefault: false,
  networks: () => [],
  target: (config, section) => new FakeCloudTarget(config, section),
};
