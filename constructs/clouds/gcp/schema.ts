/** The `cloud.gcp` section: settings that only mean something on Google Cloud. */
import { z } from "zod";
import { ipv4Cidr, parseCidr } from "../../../config/settings/formats";

const GCP_REGION = /^[a-z]+-[a-z]+\d+$/;
const GCP_RESOURCE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const resourceNameError = "must be a Google Cloud resource name: lowercase letters, digits and '-', starting with a letter";

export const gcpCloudSchema = z
  .strictObject({
    provider: z.literal("gcp"),
    gcp: z
      .strictObject({
        project: z
          .string()
          .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, {
            error: "must be a Google Cloud project ID: 6-30 lowercase letters, digits or '-', starting with a letter, such as acme-kkp-prod",
          })
          .describe("Google Cloud project ID that holds the cluster, the state bucket and the DNS zone."),
        region: z
          .string()
          .regex(GCP_REGION, { error: "must be a Google Cloud region such as europe-west3 or us-central1" })
          .describe("Region of the KKP master cluster and the state bucket, e.g. europe-west3."),
        zones: z
          .array(z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, { error: "must be a zone name such as europe-west3-a" }))
          .min(1)
          .max(6)
          .optional()
          .describe("Zones to spread the cluster over. @default the first three zones of the region"),
        network: z
          .strictObject({
            subnetCidr: ipv4Cidr
              .refine((value) => {
                const prefix = parseCidr(value)?.prefix;
                return prefix !== undefined && prefix >= 16 && prefix <= 24;
              }, { error: "must have a prefix between /16 and /24, to leave room for the nodes" })
              .default("10.0.0.0/20")
              .describe("CIDR of the subnetwork this tool creates. @default 10.0.0.0/20"),
            existing: z
              .strictObject({
                network: z.string().regex(GCP_RESOURCE_NAME, { error: resourceNameError }).describe("Name of the VPC network."),
                subnetwork: z
                  .string()
                  .regex(GCP_RESOURCE_NAME, { error: resourceNameError })
                  .describe("Name of the subnetwork in the region; it needs Cloud NAT or another route to the internet."),
                subnetCidr: ipv4Cidr.describe("The subnetwork's primary CIDR, admitted by the cluster's internal firewall rule."),
              })
              .optional()
              .describe("Use an existing network instead of creating one. Its egress addresses must then be listed in access.apiCidrs."),
          })
          .default({ subnetCidr: "10.0.0.0/20" })
          .describe("The network of the cluster. @default a new network with subnetwork 10.0.0.0/20 and Cloud NAT"),
        dnsManagedZone: z
          .string()
          .regex(GCP_RESOURCE_NAME, { error: "must be the name of a Cloud DNS managed zone (not its DNS name), such as example-com" })
          .describe("Name of the Cloud DNS managed zone that serves dns.zone."),
        image: z
          .strictObject({
            family: z.string().default("ubuntu-2404-lts-amd64").describe("Image family. @default ubuntu-2404-lts-amd64"),
            project: z.string().default("ubuntu-os-cloud").describe("Project publishing the family. @default ubuntu-os-cloud"),
          })
          .default({ family: "ubuntu-2404-lts-amd64", project: "ubuntu-os-cloud" })
          .describe("Machine image: the newest image of a family. @default Ubuntu 24.04 LTS from ubuntu-os-cloud"),
        projectNumber: z
          .string()
          .regex(/^\d{6,19}$/, { error: "must be the project's number (digits only, from `gcloud projects describe <project> --format='value(projectNumber)'`)" })
          .optional()
          .describe(
            "Number of the project: the identity stack's workload identity pool lives in it, and the pipeline's tokens are exchanged there. Required unless pipeline.credentials is static-keys.",
          ),
        pipelineIdentity: z
          .unknown()
          .refine((value) => value === undefined, { error: "was replaced by the identity stack's pool and service accounts: remove it, set cloud.gcp.projectNumber, and deploy the identity stack (README, one-time setup)" })
          .optional()
          .describe("Replaced by projectNumber and the identity stack; refused with a hint."),
        labels: z
          .record(
            z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, { error: "label keys must be lowercase letters, digits, '_' or '-', starting with a letter" }),
            z.string().regex(/^[a-z0-9_-]{0,63}$/, { error: "label values must be lowercase letters, digits, '_' or '-'" }),
          )
          .default({})
          .describe("Labels added to every Google Cloud resource that takes them (provider default_labels). @default {}"),
      })
      .superRefine((gcp, ctx) => {
        gcp.zones?.forEach((zone, index) => {
          if (!zone.startsWith(`${gcp.region}-`)) {
            ctx.addIssue({ code: "custom", path: ["zones", index], message: `is not in region ${gcp.region}; use ${gcp.region}-a, ${gcp.region}-b, ...` });
          }
        });
      })
      .describe("Settings for Google Cloud."),
  })
  .describe("Run the KKP master cluster on Google Cloud.");

export type GcpCloudSettings = z.infer<typeof gcpCloudSchema>["gcp"];
