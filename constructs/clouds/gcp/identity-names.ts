/**
 * The names of the pipeline's Google Cloud identities, shared by the identity stack that creates them and the
 * pipeline that uses them: a workload identity pool with one provider for the CI system, a read-only plan service
 * account, and one apply service account per environment. The installation's hash keeps two installations with the
 * same name apart in one project.
 */
import type { KkpConfig } from "../../../config/settings/resolve";
import type { PipelineIdentity } from "../../core/pipeline-model";

type Named = Pick<KkpConfig, "name" | "installationHash">;

/** `<name>-<hash>`: 8-22 characters, inside the 4-32 of a pool ID; `kkp-` in front where it would start with the reserved `gcp-`. */
export function workloadIdentityPoolId(config: Named): string {
  const id = `${config.name}-${config.installationHash}`;
  return id.startsWith("gcp-") ? `kkp-${id}` : id;
}

/** The provider's ID inside the pool: the CI system's name. */
export function workloadIdentityProviderId(ci: string): string {
  return ci;
}

/** `projects/<number>/locations/global/workloadIdentityPools/<pool>`: the pool's resource name, prefix of its principals. */
export function workloadIdentityPoolName(config: Named, projectNumber: string): string {
  return `projects/${projectNumber}/locations/global/workloadIdentityPools/${workloadIdentityPoolId(config)}`;
}

export function workloadIdentityProviderName(config: Named, projectNumber: string, ci: string): string {
  return `${workloadIdentityPoolName(config, projectNumber)}/providers/${workloadIdentityProviderId(ci)}`;
}

/** `<name>-plan-<hash>` (at most 27 characters) and `<env>-apply-<hash>` (at most 25), within the 30 of an account ID. */
export function pipelineServiceAccountId(config: Named, identity: PipelineIdentity): string {
  return identity.kind === "plan" ? `${config.name}-plan-${config.installationHash}` : `${identity.env}-apply-${config.installationHash}`;
}

export function pipelineServiceAccountEmail(config: Named, project: string, identity: PipelineIdentity): string {
  return `${pipelineServiceAccountId(config, identity)}@${project}.iam.gserviceaccount.com`;
}
