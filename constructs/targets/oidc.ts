/** What the cloud trusts of a CI system's OIDC tokens: the seam between a CI target and the identity stack. */
import type { PipelineIdentity } from "../core/pipeline-model";

/**
 * How the CI system's OIDC tokens tell the pipeline's identities apart, for the cloud's trust (the identity
 * stack). Read-only plan identity: change requests and plans on main. Apply identity of an environment: only jobs
 * of a deployment to it, which the CI system admits from main only, after its approvals.
 */
export interface CiOidcTrust {
  /** The tokens' issuer (`iss`), an https URL without a trailing slash. */
  readonly issuer: string;
  /** The audience the tokens carry when a job cannot choose it (Bitbucket); otherwise jobs request the cloud's. */
  readonly fixedAudience?: string;
  /**
   * `sub` values that only tokens of `identity` from this repository carry, `*` matching any characters (AWS's
   * StringLike; clouds that can only compare `sub` trust these). The plan identity's may also match deployment
   * jobs (read-only is harmless there); an apply identity's never match a change request's job.
   */
  subjects(identity: PipelineIdentity): readonly string[];
  /** For clouds that map claims (CEL over `assertion`): true only for tokens of this repository. */
  readonly repositoryCondition: string;
  /** CEL giving the token's identity: `plan`, `apply-<env>` for a deployment to an environment, else `none`. */
  identityAttribute(environments: readonly string[]): string;
  /** CEL for the token's subject as the cloud's audit logs show it. */
  readonly subjectAttribute: string;
  /** What an admin sets on the CI system by hand for these claims to hold (README, one-time setup), if anything. */
  readonly adminSetup?: string;
}

/** The identity attribute's value for an identity: what `identityAttribute` yields and the cloud's bindings name. */
export function identityValue(identity: PipelineIdentity): string {
  return identity.kind === "plan" ? "plan" : `apply-${identity.env}`;
}
