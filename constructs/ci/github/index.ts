/** GitHub as the registry knows it: its configuration section and what it supports. */
import { invalidNames, type CiModule } from "../../targets/ci";
import { githubCiSchema, type GithubSettings } from "./schema";

/** GitHub's hosted runner labels: `ubuntu-latest`, `ubuntu-24.04`, `ubuntu-24.04-arm`, `windows-2025`, `macos-15-xlarge`, ... */
const GITHUB_HOSTED_RUNNER = /^(ubuntu|windows|macos)-(latest|\d+(\.\d+)?)(-(arm|arm64|large|xlarge|intel))?$/i;

/** GitHub logins: letters, digits and hyphens, up to 39, not starting with a hyphen (older accounts may end in one). */
const GITHUB_LOGIN = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/;
/** Team slugs as GitHub derives them from team names: lowercase letters, digits, '.', '_' and '-'. */
const GITHUB_TEAM_SLUG = /^[a-z0-9._-]{1,100}$/;

type GithubSection = { readonly provider: "github"; readonly github: GithubSettings };

export const GITHUB_CI: CiModule<GithubSection> = {
  schema: githubCiSchema,
  // Deploy tags, per-environment workflows, Flux's dispatches and the promotion gate.
  supportsPromotion: true,
  reviewerIssues: (reviewers) => [
    ...invalidNames(reviewers.users, "users", (name) => GITHUB_LOGIN.test(name), "must be a GitHub login (letters, digits and '-', up to 39 characters, not starting with '-')"),
    ...invalidNames(reviewers.teams, "teams", (name) => GITHUB_TEAM_SLUG.test(name), "must be a GitHub team slug (the team's URL name such as platform-admins, without the organization)"),
  ],
  repository: (section) => `github.com/${section.github.owner}/${section.github.repository}`,
  hostedRunner: (runner) =>
    GITHUB_HOSTED_RUNNER.test(runner) ? `set pipeline.runner to your self-hosted runners' label (${runner} is a GitHub-hosted runner, outside the network)` : undefined,
  target: (config, section) => new (require("./target") as typeof import("./target")).GithubTarget(config, section.github),
};
