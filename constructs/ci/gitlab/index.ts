/** GitLab as the registry knows it: its configuration section and what it supports. */
import { invalidNames, type CiModule } from "../../targets/ci";
import { gitlabCiSchema, type GitlabSettings } from "./schema";

/**
 * A namespace path segment (a username, or one level of a group path) as GitLab's lib/gitlab/path_regex.rb accepts
 * it: letters, digits, '_', '-' and '.', starting with one of them but '-', ending with one but '.', and not ending
 * with '.git' or '.atom'; at most 255 characters.
 */
const GITLAB_PATH_SEGMENT = /^(?:[A-Za-z0-9_.][A-Za-z0-9_.-]{0,253}[A-Za-z0-9_-]|[A-Za-z0-9_])$/;
function isGitlabPathSegment(segment: string): boolean {
  return GITLAB_PATH_SEGMENT.test(segment) && !/\.(git|atom)$/.test(segment);
}
/** A group may have 20 ancestors (app/models/namespace.rb NUMBER_OF_ANCESTORS_ALLOWED). */
const MAX_GROUP_DEPTH = 21;

type GitlabSection = { readonly provider: "gitlab"; readonly gitlab: GitlabSettings };

export const GITLAB_CI: CiModule<GitlabSection> = {
  schema: gitlabCiSchema,
  supportsPromotion: false,
  reviewerIssues: (reviewers) => [
    ...invalidNames(reviewers.users, "users", isGitlabPathSegment, "must be a GitLab username (letters, digits, '_', '-' and '.', not starting with '-' or ending with '.', '.git' or '.atom')"),
    ...invalidNames(
      reviewers.teams,
      "teams",
      (path) => path.split("/").length <= MAX_GROUP_DEPTH && path.split("/").every(isGitlabPathSegment),
      `must be a GitLab group path (the group's full path such as platform/admins, up to ${MAX_GROUP_DEPTH} levels)`,
    ),
  ],
  repository: (section) => `${section.gitlab.url.replace(/^https:\/\//, "")}/${section.gitlab.project}`,
  hostedRunner: () => "the jobs run on GitLab's shared runners (the pipeline sets no runner tags; pipeline.runner is GitHub's), outside the network",
  target: (config, section) => new (require("./target") as typeof import("./target")).GitlabTarget(config, section.gitlab),
};
