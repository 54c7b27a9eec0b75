/** The CI secrets of an AWS installation: the pipeline's static keys (with `pipeline.credentials: static-keys`) and the Preset's. */
import type { Secret } from "../../core/pipeline-model";

/**
 * Long-lived keys, used only with `pipeline.credentials: static-keys`: the apply user's, stored with each
 * deployment environment, so only a job bound to it (after its approvals) reads them.
 */
export const AWS_KEY_SECRETS: readonly [Secret, Secret] = [
  { name: "AWS_ACCESS_KEY_ID", description: "access key of the IAM user that deploys the environment", scope: "environment", format: "token" },
  { name: "AWS_SECRET_ACCESS_KEY", description: "secret key of that IAM user", scope: "environment", format: "token" },
];

/**
 * The read-only user's keys, which every job outside an environment uses, change requests' plans included: give
 * this user the identity stack's plan policy only (README), since a change request's author controls what runs.
 */
export const AWS_PLAN_KEY_SECRETS: readonly [Secret, Secret] = [
  { name: "AWS_PLAN_ACCESS_KEY_ID", description: "access key of the read-only IAM user that plans (the plan policy only)", scope: "repository", format: "token" },
  { name: "AWS_PLAN_SECRET_ACCESS_KEY", description: "secret key of that read-only IAM user", scope: "repository", format: "token" },
];

/** The cloud credentials of the KKP Preset that user clusters are created with; admin-supplied. */
export const AWS_PRESET_SECRETS: readonly [Secret, Secret] = [
  { name: "KKP_PRESET_AWS_ACCESS_KEY_ID", description: "access key ID of the IAM user KKP creates user clusters with (the Preset)", scope: "environment", format: "token" },
  { name: "KKP_PRESET_AWS_SECRET_ACCESS_KEY", description: "secret access key of that IAM user", scope: "environment", format: "token" },
];
