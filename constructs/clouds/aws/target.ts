/** AWS as a CloudTarget: S3 state, the cluster of cluster.ts, Route53 records, and what the pipeline and content need. */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { EnvironmentConfig, KkpConfig } from "../../../config/settings/resolve";
import type { CloudLogin } from "../../core/pipeline-model";
import { placeholder } from "../../core/secrets";
import type { DnsRecord } from "../../dns-records";
import { AWS_PRESET_SECRETS } from "./secrets";
import type { CloudTarget } from "../../targets/cloud";
import type { Manifest } from "../../content/yaml";
import { AwsCluster } from "./cluster";
import { Route53Records } from "./dns";
import { awsLogin } from "./login";
import type { AwsCloudSettings } from "./schema";
import { S3StateStore } from "./state-store";


export class AwsTarget implements CloudTarget {
  readonly id = "aws";
  readonly stateStore: S3StateStore;
  readonly login: CloudLogin;
  /** `kubermatic-installer deploy --storageclass aws`. */
  readonly storageClass = "aws";
  readonly kubeoneCloudProvider: Manifest = { aws: {}, external: true };
  readonly seedDatacenters: Manifest;
  readonly presetSecrets = AWS_PRESET_SECRETS;
  readonly presetCredentials: Manifest = { aws: { accessKeyID: placeholder(AWS_PRESET_SECRETS[0]), secretAccessKey: placeholder(AWS_PRESET_SECRETS[1]) } };

  constructor(
    private readonly config: KkpConfig,
    private readonly settings: AwsCloudSettings,
  ) {
    this.stateStore = new S3StateStore({ bucketName: config.state.bucketName, region: settings.region, locking: config.state.locking });
    this.login = awsLogin(settings, config.pipeline.credentials === "static-keys");
    this.seedDatacenters = { [`aws-${settings.region}`]: { location: settings.region, spec: { aws: { region: settings.region } } } };
  }

  configureProvider(scope: Construct): void {
    const tags = { "kkp.k8c.io/installation": this.config.name, ...this.settings.tags };
    new AwsProvider(scope, "aws", { region: this.settings.region, defaultTags: [{ tags }] });
  }

  defineCluster(scope: Construct, env: EnvironmentConfig): void {
    new AwsCluster(scope, "cluster", { config: this.config, settings: this.settings, env });
  }

  defineDnsRecords(scope: Construct, records: readonly DnsRecord[]): void {
    new Route53Records(scope, "records", { zone: this.config.dns.zone, ttlSeconds: this.config.dns.ttlSeconds, records });
  }
}
