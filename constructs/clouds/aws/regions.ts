/**
 * AWS's commercial regions and how many Availability Zones each has, as AWS's "AWS Availability Zones" page lists
 * them (docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html, read 2026-12-02; the
 * page carries no date of its own, and its newest region is Asia Pacific (New Zealand), launched 2025-09-02). The
 * GovCloud and China regions are known by code (the AWS SDK's partitions), their zone counts are not on the page.
 *
 * A zone's name is its region's code and a letter, but the letters are not the first N: in the oldest regions they
 * are mapped per account (for accounts made before November 2025), and zone IDs have gaps (ca-central-1's are cac1-az1,
 * az2 and az4). So the configuration check holds a zone to its region and the region's count, not to a letter.
 */

import { didYouMean } from "../../../config/settings/formats";

/** Region code -> number of Availability Zones; undefined where AWS's page gives none. */
const REGION_ZONE_COUNTS: Readonly<Record<string, number | undefined>> = {
  "us-east-1": 6,
  "us-east-2": 3,
  "us-west-1": 3, // "newer accounts can access two", the page notes
  "us-west-2": 4,
  "ca-central-1": 3,
  "ca-west-1": 3,
  "mx-central-1": 3,
  "af-south-1": 3,
  "ap-east-1": 3,
  "ap-east-2": 3,
  "ap-northeast-1": 4,
  "ap-northeast-2": 4,
  "ap-northeast-3": 3,
  "ap-south-1": 3,
  "ap-south-2": 3,
  "ap-southeast-1": 3,
  "ap-southeast-2": 3,
  "ap-southeast-3": 3,
  "ap-southeast-4": 3,
  "ap-southeast-5": 3,
  "ap-southeast-6": 3,
  "ap-southeast-7": 3,
  "eu-central-1": 3,
  "eu-central-2": 3,
  "eu-north-1": 3,
  "eu-south-1": 3,
  "eu-south-2": 3,
  "eu-west-1": 3,
  "eu-west-2": 4,
  "eu-west-3": 3,
  "il-central-1": 3,
  "me-central-1": 3,
  "me-south-1": 3,
  "sa-east-1": 3,
  "us-gov-east-1": undefined,
  "us-gov-west-1": undefined,
  "cn-north-1": undefined,
  "cn-northwest-1": undefined,
};

/** The regions this tool knows, for suggesting the one a typo meant. */
export const AWS_REGIONS: readonly string[] = Object.keys(REGION_ZONE_COUNTS);

/** Mistakes in cloud.aws.region and cloud.aws.availabilityZones, as configuration issues below `cloud.aws`. */
export function awsRegionIssues(settings: { readonly region: string; readonly availabilityZones?: readonly string[] }): Array<{ path: (string | number)[]; message: string }> {
  const { region, availabilityZones: zones } = settings;
  const known = Object.hasOwn(REGION_ZONE_COUNTS, region);
  const issues: Array<{ path: (string | number)[]; message: string }> = [];
  if (!known && !zones) {
    issues.push({
      path: ["region"],
      message: `is not an AWS region this tool knows${didYouMean(region, AWS_REGIONS)}; a region opened after 2026-12-02, when its table was read, works once cloud.aws.availabilityZones lists its zones (aws ec2 describe-availability-zones --region ${region})`,
    });
  }
  const seen = new Set<string>();
  zones?.forEach((zone, index) => {
    if (!(zone.startsWith(region) && /^[a-z]$/.test(zone.slice(region.length)))) {
      issues.push({ path: ["availabilityZones", index], message: `is not a zone of region ${region}; its zones are named ${region}a, ${region}b, ... (aws ec2 describe-availability-zones --region ${region})` });
    } else if (seen.has(zone)) {
      issues.push({ path: ["availabilityZones", index], message: `lists ${zone} twice; each zone gets one subnet of each kind` });
    }
    seen.add(zone);
  });
  const count = REGION_ZONE_COUNTS[region];
  if (zones && count !== undefined && zones.length > count) {
    issues.push({ path: ["availabilityZones"], message: `lists ${zones.length} zones, but region ${region} has ${count}; list at most ${count}` });
  }
  return issues;
}
