/** Google Cloud as the registry knows it: its configuration section and facts needed before any provider binding loads. */
import type { CloudModule } from "../../targets/cloud";
import { gcpCloudSchema, type GcpCloudSettings } from "./schema";
import { zoneIssues } from "./zones";

type GcpSection = { readonly provider: "gcp"; readonly gcp: GcpCloudSettings };

export const GCP_CLOUD: CloudModule<GcpSection> = {
  schema: gcpCloudSchema,
  machineDefaults: { controlPlane: "e2-standard-2", worker: "e2-standard-4", bastion: "e2-micro" },
  location: (section) => `gcp/${section.gcp.project}/${section.gcp.region}`,
  check: (section, config) => [
    ...zoneIssues(section.gcp),
    ...(section.gcp.network.existing && config.access.apiCidrs.length === 0
      ? [
          {
            path: ["access", "apiCidrs"],
            root: true,
            message:
              "is empty, but with cloud.gcp.network.existing the nodes join the cluster through the API's public endpoint from the network's own egress address, which this tool cannot know; list the network's NAT addresses",
          },
        ]
      : []),
    ...(config.pipeline.credentials === "oidc" && !section.gcp.projectNumber
      ? [
          {
            path: ["gcp", "projectNumber"],
            message:
              "is required for OIDC credentials (pipeline.credentials: oidc): the pipeline exchanges its tokens at the identity stack's pool in this project; set it, or set pipeline.credentials: static-keys",
          },
        ]
      : []),
  ],
  // Loaded on demand: the provider bindings cost a tenth of a second, which an AWS installation need not pay.
  target: (config, section) => new (require("./target") as typeof import("./target")).GcpTarget(config, section.gcp),
};
