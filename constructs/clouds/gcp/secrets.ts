/** The CI secrets of a Google Cloud installation: the pipeline's static key (with `pipeline.credentials: static-keys`) and the Preset's. */
import type { Secret } from "../../core/pipeline-model";

/**
 * A long-lived key, used only with `pipeline.credentials: static-keys`: the apply service account's, stored with each
 * deployment environment, so only a job bound to it (after its approvals) reads it.
 */
export const GCP_KEY_SECRET: Secret = {
  name: "GOOGLE_CREDENTIALS",
  description: "JSON key of the service account that deploys the environment",
  scope: "environment",
  format: "multiline",
};

/** The read-only service account's key, which every job outside an environment uses, change requests' plans included. */
export const GCP_PLAN_KEY_SECRET: Secret = {
  name: "GOOGLE_PLAN_CREDENTIALS",
  description: "JSON key of the read-only service account that plans (viewer and state read only)",
  scope: "repository",
  format: "multiline",
};

/** The cloud credentials of the KKP Preset that user clusters are created with; admin-supplied. */
export const GCP_PRESET_SECRETS: readonly [Secret] = [
  {
    name: "KKP_PRESET_GCP_SERVICE_ACCOUNT",
    description: "base64 of the JSON key of the service account KKP creates user clusters with (the Preset)",
    scope: "environment",
  },
];
