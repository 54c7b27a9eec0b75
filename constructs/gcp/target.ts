/** Google Cloud as a CloudTarget: GCS state, the cluster of cluster.ts and Cloud DNS records. */
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import type { Construct } from "constructs";
import type { GcpCloudSettings } from "../../config/gcp";
import type { EnvironmentConfig, KkpConfig } from "../../config/resolve";
import type { CloudTarget } from "../cloud";
import type { DnsRecord } from "../dns/kkp-records";
import { GcpCluster } from "./cluster";
import { CloudDnsRecords } from "./dns";
import { GcsStateStore } from "./state-store";

export class GcpTarget implements CloudTarget {
  readonly stateStore: GcsStateStore;

  constructor(
    private readonly config: KkpConfig,
    private readonly settings: GcpCloudSettings,
  ) {
    this.stateStore = new GcsStateStore({ bucketName: config.state.bucketName, location: settings.region });
  }

  configureProvider(scope: Construct): void {
    new GoogleProvider(scope, "google", {
      project: this.settings.project,
      region: this.settings.region,
      defaultLabels: { "kkp-installation": this.config.name, ...this.settings.labels },
    });
  }

  defineCluster(scope: Construct, env: EnvironmentConfig): void {
    new GcpCluster(scope, "cluster", { config: this.config, settings: this.settings, env });
  }

  defineDnsRecords(scope: Construct, records: readonly DnsRecord[]): void {
    new CloudDnsRecords(scope, "records", {
      managedZone: this.settings.dnsManagedZone,
      zone: this.config.dns.zone,
      ttlSeconds: this.config.dns.ttlSeconds,
      records,
    });
  }
}
