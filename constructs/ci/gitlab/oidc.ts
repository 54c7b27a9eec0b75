/**
 * GitLab's ID tokens. Clouds that compare only `sub` cannot see the `environment` claims, so the project's `sub`
 * is set to carry whether the ref and the environment are protected (GitLab 18.7 on):
 * `project_path:<path>:ref_type:branch:ref:main:ref_protected:true:environment_protected:true` for a deployment from
 * main. GitLab renders one environment per configuration, so that names the environment. Clouds that map claims read
 * `environment`, `environment_protected` and `ref_protected` directly.
 */
import { MAIN_BRANCH } from "../../core/names";
import type { CiOidcTrust } from "../../targets/oidc";
import type { GitlabSettings } from "./schema";

/** The `sub` components the trust expects, in GitLab's order; an admin sets them on the project (`adminSetup`). */
export const GITLAB_SUB_CLAIM_COMPONENTS = ["project_path", "ref_type", "ref", "ref_protected", "environment_protected"] as const;

export function gitlabOidcTrust(settings: GitlabSettings): CiOidcTrust {
  const project = settings.project;
  const path = `project_path:${project}`;
  const body = JSON.stringify({ ci_id_token_sub_claim_components: GITLAB_SUB_CLAIM_COMPONENTS });
  return {
    issuer: settings.url,
    subjects: (identity) =>
      identity.kind === "plan" ? [`${path}:ref_type:*`] : [`${path}:ref_type:branch:ref:${MAIN_BRANCH}:ref_protected:true:environment_protected:true`],
    repositoryCondition: `assertion.project_path == ${JSON.stringify(project)}`,
    identityAttribute: () =>
      `("environment" in assertion && assertion.environment_protected == "true" && assertion.ref_protected == "true" && assertion.ref_type == "branch" && assertion.ref == "${MAIN_BRANCH}") ? "apply-" + assertion.environment : "plan"`,
    subjectAttribute: `"project:" + assertion.project_id + ":job:" + assertion.job_id`,
    adminSetup: [
      "As a maintainer, make the project's ID tokens say whether the ref and the environment are protected (GitLab 18.7 or later):",
      `curl --fail --request PUT --header "PRIVATE-TOKEN: $GITLAB_TOKEN" --header "Content-Type: application/json" --data '${body}' "${settings.url}/api/v4/projects/${encodeURIComponent(project)}"`,
    ].join("\n"),
  };
}
