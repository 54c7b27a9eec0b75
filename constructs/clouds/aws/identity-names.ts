/**
 * The names of the pipeline's AWS identities, shared by the identity stack that creates them and the pipeline
 * that assumes them: one read-only plan role, one apply role per environment. The installation's hash keeps two
 * installations with the same name apart in one account.
 */
import type { KkpConfig } from "../../../config/settings/resolve";
import type { PipelineIdentity } from "../../core/pipeline-model";

/** The ARN partition of a region: `aws`, or the China and GovCloud partitions. */
export function awsPartition(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** `<name>-plan-<hash>`, `<name>-<env>-apply-<hash>`: at most 41 characters, within IAM's 64. */
export function pipelineRoleName(config: Pick<KkpConfig, "name" | "installationHash">, identity: PipelineIdentity): string {
  return identity.kind === "plan" ? `${config.name}-plan-${config.installationHash}` : `${config.name}-${identity.env}-apply-${config.installationHash}`;
}

export function pipelineRoleArn(config: Pick<KkpConfig, "name" | "installationHash">, account: { accountId: string; region: string }, identity: PipelineIdentity): string {
  return `arn:${awsPartition(account.region)}:iam::${account.accountId}:role/${pipelineRoleName(config, identity)}`;
}

/** The permissions boundary of the node and bastion roles, defined by the identity stack: `<name>-nodes-boundary-<hash>`. */
export function nodeBoundaryName(config: Pick<KkpConfig, "name" | "installationHash">): string {
  return `${config.name}-nodes-boundary-${config.installationHash}`;
}

export function nodeBoundaryArn(config: Pick<KkpConfig, "name" | "installationHash">, account: { accountId: string; region: string }): string {
  return `arn:${awsPartition(account.region)}:iam::${account.accountId}:policy/${nodeBoundaryName(config)}`;
}
