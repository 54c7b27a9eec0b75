/** Google Cloud as a CloudTarget: GCS state, the cluster of cluster.ts, Cloud DNS records, and what the pipeline and content need. */
import { GoogleProvider } from "@cdktf/provider-google/lib/provider";
import type { Construct } from "constructs";
import type { EnvironmentConfig, KkpConfig } from "../../../config/settings/resolve";
import type { Manifest } from "../../content/yaml";
import type { CloudLogin, PipelineIdentity } from "../../core/pipeline-model";
import { placeholder } from "../../core/secrets";
import type { DnsRecord } from "../../dns-records";
import { GCP_PRESET_SECRETS } from "./secrets";
import type { CloudTarget } from "../../targets/cloud";
import type { CiOidcTrust } from "../../targets/oidc";
import type { BastionTunnel } from "../../pipeline/targets";
import { GcpCluster } from "./cluster";
import { gcpTunnel } from "./tunnel";
import { GcpPipelineIdentities } from "./identities";
import { CloudDnsRecords } from "./dns";
import { gcpLogin } from "./login";
import type { GcpCloudSettings } from "./schema";
import { GcsStateStore } from "./state-store";
import { clusterZones } from "./zones";


/**
 * The GCE cloud controller's configuration for a control plane spread over several zones of a region.
 * `token-url = "nil"` makes it use the node's service account from the metadata server.
 */
const GCE_CLOUD_CONFIG = ["[global]", "regional = true", "multizone = true", 'token-url = "nil"', ""].join("\n");

export class GcpTarget implements CloudTarget {
  readonly id = "gcp";
  readonly stateStore: GcsStateStore;
  /** `kubermatic-installer deploy --storageclass gcp` (pkg/install/stack/common/storageclass.go names no `gce`). */
  readonly storageClass = "gcp";
  /** GCS's S3-compatible XML API, which HMAC keys sign for. */
  readonly backupEndpoint = "storage.googleapis.com";

  /** GCS through its S3-compatible XML API (HMAC keys sign the requests; GCS takes `auto` for the region). */
  etcdBackupRepository(bucket: string) {
    return { repository: `s3:storage.googleapis.com/${bucket}`, region: "auto" };
  }
  readonly kubeoneCloudProvider: Manifest = { gce: {}, external: true, cloudConfig: GCE_CLOUD_CONFIG };
  readonly seedDatacenters: Manifest;
  readonly presetSecrets = GCP_PRESET_SECRETS;
  readonly tunnel: BastionTunnel;
  readonly presetCredentials: Manifest = { gcp: { serviceAccount: placeholder(GCP_PRESET_SECRETS[0]) } };

  constructor(
    private readonly config: KkpConfig,
    private readonly settings: GcpCloudSettings,
  ) {
    this.stateStore = new GcsStateStore({ bucketName: config.state.bucketName, location: settings.region });
    this.tunnel = gcpTunnel(settings.project);
    const region = settings.region;
    this.seedDatacenters = {
      [`gcp-${region}`]: {
        location: region,
        spec: {
          gcp: {
            region,
            regional: true,
            // The cluster's own zones (zones.ts), so KKP offers only zones that exist.
            zoneSuffixes: clusterZones(settings).map((zone) => zone.slice(region.length + 1)),
          },
        },
      },
    };
  }

  login(identity: PipelineIdentity): CloudLogin {
    return gcpLogin(this.config, this.settings, identity);
  }

  configureProvider(scope: Construct): void {
    new GoogleProvider(scope, "google", {
      project: this.settings.project,
      region: this.settings.region,
      defaultLabels: { "kkp-installation": this.config.name, ...this.settings.labels },
    });
  }

  defineIdentities(scope: Construct, trust: CiOidcTrust): void {
    const { projectNumber } = this.settings;
    if (!projectNumber) throw new Error("the identity stack needs cloud.gcp.projectNumber; the configuration check requires it with OIDC credentials");
    new GcpPipelineIdentities(scope, "pipeline-identities", { config: this.config, settings: { ...this.settings, projectNumber }, trust });
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
