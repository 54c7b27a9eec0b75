/**
 * GitHub Actions' OIDC tokens: `sub` is `repo:<owner>/<repo>:<context>`, the context `pull_request`, `ref:<ref>`, or
 * `environment:<name>` for every job bound to an environment, whatever the event. Repositories created since
 * 2026-07-15 (and renamed or transferred ones) carry their IDs, `repo:<owner>@<id>/<repo>@<id>:<context>`; both
 * forms are trusted, the names pinned either way.
 */
import { MAIN_BRANCH } from "../../core/names";
import type { PipelineIdentity } from "../../core/pipeline-model";
import type { CiOidcTrust } from "../../targets/oidc";
import type { GithubSettings } from "./schema";

export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

export function githubOidcTrust(settings: GithubSettings): CiOidcTrust {
  const { owner, repository } = settings;
  const repo = `${owner}/${repository}`;
  const contexts = (identity: PipelineIdentity) =>
    identity.kind === "plan" ? ["pull_request", `ref:refs/heads/${MAIN_BRANCH}`] : [`environment:${identity.env}`];
  return {
    issuer: GITHUB_OIDC_ISSUER,
    subjects: (identity) => contexts(identity).flatMap((context) => [`repo:${repo}:${context}`, `repo:${owner}@*/${repository}@*:${context}`]),
    repositoryCondition: `assertion.repository == ${JSON.stringify(repo)}`,
    identityAttribute: () =>
      `"environment" in assertion ? "apply-" + assertion.environment : (assertion.event_name == "pull_request" || assertion.ref == "refs/heads/${MAIN_BRANCH}") ? "plan" : "none"`,
    subjectAttribute: "assertion.sub",
  };
}
