/** AWS as a CloudTarget: S3 state, the cluster of cluster.ts and Route53 records. */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import type { Construct } from "constructs";
import type { AwsCloudSettings } from "../../config/aws";
import type { EnvironmentConfig, KkpConfig } from "../../config/resolve";
import type { CloudTarget } from "../cloud";
import type { DnsRecord } from "../dns/kkp-records";
import { AwsCluster } from "./cluster";
import { Route53Records } from "./dns";
import { S3StateStore } from "./state-store";

export class AwsTarget implements CloudTarget {
  readonly stateStore: S3StateStore;

  constructor(
    private readonly config: KkpConfig,
    private readonly settings: AwsCloudSettings,
  ) {
    this.stateStore = new S3StateStore({ bucketName: config.state.bucketName, region: settings.region, locking: config.state.locking });
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
