/**
 * The zones of each Google Cloud region, as the Compute Engine "Regions and zones" table lists them (recorded
 * 2026-12-01 from cloud.google.com/compute/docs/regions-zones; and, for the
 * regions it covers, `gcloud compute zones list` output recorded in Cyclenerd/google-cloud-pricing-cost-calculator
 * tools/zones.csv; both agree). The cluster and the KKP Seed read the same list, so KKP never offers a zone the
 * cluster does not have. A region not listed here needs cloud.gcp.zones.
 */
import { didYouMean } from "../../../config/settings/formats";
import type { GcpCloudSettings } from "./schema";

/** The zones used when cloud.gcp.zones is unset: the first three of the region. */
export const DEFAULT_ZONE_COUNT = 3;

/** Region -> zone suffixes. Most regions have a, b and c; us-east1 and europe-west1 start at b, us-central1 has f. */
const REGION_ZONE_SUFFIXES: Readonly<Record<string, string>> = {
  "africa-south1": "abc",
  "asia-east1": "abc",
  "asia-east2": "abc",
  "asia-northeast1": "abc",
  "asia-northeast2": "abc",
  "asia-northeast3": "abc",
  "asia-south1": "abc",
  "asia-south2": "abc",
  "asia-southeast1": "abc",
  "asia-southeast2": "abc",
  "asia-southeast3": "abc",
  "australia-southeast1": "abc",
  "australia-southeast2": "abc",
  "europe-central2": "abc",
  "europe-north1": "abc",
  "europe-north2": "abc",
  "europe-southwest1": "abc",
  "europe-west1": "bcd",
  "europe-west2": "abc",
  "europe-west3": "abc",
  "europe-west4": "abc",
  "europe-west6": "abc",
  "europe-west8": "abc",
  "europe-west9": "abc",
  "europe-west10": "abc",
  "europe-west12": "abc",
  "me-central1": "abc",
  "me-central2": "abc",
  "me-west1": "abc",
  "northamerica-northeast1": "abc",
  "northamerica-northeast2": "abc",
  "northamerica-south1": "abc",
  "southamerica-east1": "abc",
  "southamerica-west1": "abc",
  "us-central1": "abcf",
  "us-east1": "bcd",
  "us-east4": "abc",
  "us-east5": "abc",
  "us-south1": "abc",
  "us-west1": "abc",
  "us-west2": "abc",
  "us-west3": "abc",
  "us-west4": "abc",
};

/** The zones of `region` this tool knows, or undefined for a region missing from the table. */
export function regionZones(region: string): string[] | undefined {
  const suffixes = REGION_ZONE_SUFFIXES[region];
  return suffixes ? [...suffixes].map((suffix) => `${region}-${suffix}`) : undefined;
}

/** The zones the cluster spreads over: the configured ones, else the first three of the region. */
export function clusterZones(settings: Pick<GcpCloudSettings, "region" | "zones">): string[] {
  const zones = settings.zones ?? regionZones(settings.region)?.slice(0, DEFAULT_ZONE_COUNT);
  // The configuration check (index.ts) refuses an unknown region without zones before anything is built.
  if (!zones) throw new Error(`no zones for region ${settings.region}`);
  return [...zones];
}

/** Mistakes in cloud.gcp.region and cloud.gcp.zones, as configuration issues. */
export function zoneIssues(settings: Pick<GcpCloudSettings, "region" | "zones">): Array<{ path: (string | number)[]; message: string }> {
  const known = regionZones(settings.region);
  if (!settings.zones) {
    return known
      ? []
      : [{ path: ["gcp", "zones"], message: `is unset and region ${settings.region} is not in this tool's zone table (recorded 2026-12-01)${didYouMean(settings.region, Object.keys(REGION_ZONE_SUFFIXES))}; for a region opened since, list its zones (gcloud compute zones list --filter=region:${settings.region})` }];
  }
  // A zone of another region has its own message from the schema.
  return settings.zones.flatMap((zone, index) => {
    if (known && zone.startsWith(`${settings.region}-`) && !known.includes(zone)) {
      return [{ path: ["gcp", "zones", index], message: `is ${zone}, which region ${settings.region} does not have; its zones are ${known.join(", ")}` }];
    }
    return [];
  });
}
