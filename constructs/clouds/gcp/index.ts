/** Google Cloud as the registry knows it: its configuration section and facts needed before any provider binding loads. */
import { SSH_KEY_TYPES } from "../../../config/settings/formats";
import { egressAddressesNeeded, requiredForOidc, type CloudModule } from "../../targets/cloud";
import { gcpCloudSchema, type GcpCloudSettings } from "./schema";
import { zoneIssues } from "./zones";

type GcpSection = { readonly provider: "gcp"; readonly gcp: GcpCloudSettings };

export const GCP_CLOUD: CloudModule<GcpSection> = {
  schema: gcpCloudSchema,
  machineDefaults: { controlPlane: "e2-standard-2", worker: "e2-standard-4", bastion: "e2-micro" },
  // Compute Engine's guest agent writes any OpenSSH key line from the ssh-keys metadata to authorized_keys.
  sshKeyTypes: SSH_KEY_TYPES,
  // The addon speaks S3 only: on GCS it needs an HMAC key in KUBEONE_CREDENTIALS, which an admin adds first.
  backupsByDefault: false,
  location: (section) => `gcp/${section.gcp.project}/${section.gcp.region}`,
  check: (section, config) => [
    ...zoneIssues(section.gcp),
    ...egressAddressesNeeded(config, section.gcp.network.existing !== undefined, "cloud.gcp.network.existing", "network"),
    ...requiredForOidc(config, !section.gcp.projectNumber, ["gcp", "projectNumber"], "the pipeline exchanges its tokens at the identity stack's pool in this project"),
  ],
  networks: (section) => [
    section.gcp.network.existing
      ? { path: ["gcp", "network", "existing", "subnetCidr"], cidr: section.gcp.network.existing.subnetCidr }
      : { path: ["gcp", "network", "subnetCidr"], cidr: section.gcp.network.subnetCidr },
  ],
  // Loaded on demand: the provider bindings cost a tenth of a second, which an AWS installation need not pay.
  target: (config, section) => new (require("./target") as typeof import("./target")).GcpTarget(config, section.gcp),
};
