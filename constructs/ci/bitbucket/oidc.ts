/**
 * Bitbucket Pipelines' OIDC tokens: `sub` is `{repository}:{step}`, or `{repository}:{environment}:{step}` in a step
 * of a deployment; the audience is the workspace's, fixed by Bitbucket. The UUIDs come from the configuration
 * (Repository settings, OpenID Connect, and the deployment environment's settings).
 */
import { MAIN_BRANCH } from "../../core/names";
import type { CiOidcTrust } from "../../targets/oidc";
import type { BitbucketSettings } from "./schema";

export function bitbucketOidcTrust(settings: BitbucketSettings, environment: string): CiOidcTrust {
  const ids = settings.oidc;
  // Without the UUIDs (static keys) nothing can match: the configuration check requires them for OIDC.
  const repositoryUuid = ids?.repositoryUuid ?? "{unset}";
  const deploymentUuid = ids?.deploymentEnvironmentUuid ?? "{unset}";
  return {
    issuer: `https://api.bitbucket.org/2.0/workspaces/${settings.workspace}/pipelines-config/identity/oidc`,
    fixedAudience: `ari:cloud:bitbucket::workspace/${(ids?.workspaceUuid ?? "{unset}").replace(/[{}]/g, "")}`,
    subjects: (identity) => (identity.kind === "plan" ? [`${repositoryUuid}:*`] : identity.env === environment ? [`${repositoryUuid}:${deploymentUuid}:*`] : []),
    repositoryCondition: `assertion.repositoryUuid == ${JSON.stringify(repositoryUuid)}`,
    identityAttribute: () =>
      `("deploymentEnvironmentUuid" in assertion && assertion.deploymentEnvironmentUuid == ${JSON.stringify(deploymentUuid)} && assertion.branchName == "${MAIN_BRANCH}") ? "apply-${environment}" : "plan"`,
    subjectAttribute: "assertion.sub",
    adminSetup:
      "Repository settings, Deployments: restrict the deployment environment to the main branch and to admins (deployment permissions, Bitbucket Premium); a pull request's own bitbucket-pipelines.yml can otherwise name the deployment.",
  };
}
