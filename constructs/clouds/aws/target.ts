/** AWS as a CloudTarget: S3 state, the cluster of cluster.ts, Route53 records, and what the pipeline and content need. */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { EnvironmentConfig, KkpConfig } from "../../../config/settings/resolve";
import type { CloudLogin, PipelineIdentity } from "../../core/pipeline-model";
import { placeholder } from "../../core/secrets";
import type { DnsRecord } from "../../dns-records";
import { AWS_PRESET_SECRETS } from "./secrets";
import type { CloudTarget } from "../../targets/cloud";
import type { Manifest } from "../../content/yaml";
import type { CiOidcTrust } from "../../targets/oidc";
import type { BastionTunnel } from "../../pipeline/targets";
import { AwsCluster } from "./cluster";
import { awsTunnel } from "./tunnel";
import { AwsPipelineIdentities } from "./identities";
import { CLUSTER_OWNER_TAG } from "./tags";
import { AwsClusterCredentials } from "./credentials";
import { Route53Records } from "./dns";
import { awsLogin } from "./login";
import type { AwsCloudSettings } from "./schema";
import { S3StateStore } from "./state-store";


export class AwsTarget implements CloudTarget {
  readonly id = "aws";
  readonly stateStore: S3StateStore;
  /** `kubermatic-installer deploy --storageclass aws`. */
  readonly storageClass = "aws";
  get backupEndpoint(): string {
    return `s3.${this.settings.region}.amazonaws.com`;
  }

  /** S3 itself, at the region's endpoint. */
  etcdBackupRepository(bucket: string) {
    return { repository: `s3:s3.${this.settings.region}.amazonaws.com/${bucket}`, region: this.settings.region };
  }
  readonly kubeoneCloudProvider: Manifest = { aws: {}, external: true };
  readonly seedDatacenters: Manifest;
  readonly presetSecrets = AWS_PRESET_SECRETS;
  readonly tunnel: BastionTunnel;
  readonly presetCredentials: Manifest = { aws: { accessKeyID: placeholder(AWS_PRESET_SECRETS[0]), secretAccessKey: placeholder(AWS_PRESET_SECRETS[1]) } };

  constructor(
    private readonly config: KkpConfig,
    private readonly settings: AwsCloudSettings,
  ) {
    this.stateStore = new S3StateStore({ bucketName: config.state.bucketName, region: settings.region, locking: config.state.locking });
    this.tunnel = awsTunnel(settings.region);
    this.seedDatacenters = { [`aws-${settings.region}`]: { location: settings.region, spec: { aws: { region: settings.region } } } };
  }

  login(identity: PipelineIdentity): CloudLogin {
    return awsLogin(this.config, this.settings, identity);
  }

  configureProvider(scope: Construct, env?: EnvironmentConfig): void {
    // An environment's resources carry its cluster's name: its apply role may change only what carries it.
    const tags = { "kkp.k8c.io/installation": this.config.name, ...(env ? { [CLUSTER_OWNER_TAG]: env.clusterName } : {}), ...this.settings.tags };
    const accounts = this.settings.accountId ? { allowedAccountIds: [this.settings.accountId] } : {};
    new AwsProvider(scope, "aws", { region: this.settings.region, ...accounts, defaultTags: [{ tags }] });
  }

  defineIdentities(scope: Construct, trust: CiOidcTrust): void {
    const { accountId } = this.settings;
    if (!accountId) throw new Error("the identity stack needs cloud.aws.accountId; the configuration check requires it with OIDC credentials");
    new AwsPipelineIdentities(scope, "pipeline-identities", { config: this.config, settings: { ...this.settings, accountId }, trust });
    new AwsClusterCredentials(scope, "cluster-credentials", {
      config: this.config,
      account: { accountId, region: this.settings.region },
      existingVpcId: this.settings.vpc.existing?.vpcId,
    });
  }

  defineCluster(scope: Construct, env: EnvironmentConfig): void {
    new AwsCluster(scope, "cluster", { config: this.config, settings: this.settings, env });
  }

  defineDnsRecords(scope: Construct, records: readonly DnsRecord[]): void {
    new Route53Records(scope, "records", { zone: this.config.dns.zone, ttlSeconds: this.config.dns.ttlSeconds, records });
  }
}
