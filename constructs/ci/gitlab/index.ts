/** GitLab as the registry knows it: its configuration section and what it supports. */
import type { CiModule } from "../../targets/ci";
import { gitlabCiSchema, type GitlabSettings } from "./schema";

type GitlabSection = { readonly provider: "gitlab"; readonly gitlab: GitlabSettings };

export const GITLAB_CI: CiModule<GitlabSection> = {
  schema: gitlabCiSchema,
  supportsPromotion: false,
  repository: (section) => `${section.gitlab.url.replace(/^https:\/\//, "")}/${section.gitlab.project}`,
  hostedRunner: () => "the jobs run on GitLab's shared runners (the pipeline sets no runner tags; pipeline.runner is GitHub's), outside the network",
  target: (config, section) => new (require("./target") as typeof import("./target")).GitlabTarget(config, section.gitlab),
};
