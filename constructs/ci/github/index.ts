/** GitHub as the registry knows it: its configuration section and what it supports. */
import type { CiModule } from "../../targets/ci";
import { githubCiSchema, type GithubSettings } from "./schema";

type GithubSection = { readonly provider: "github"; readonly github: GithubSettings };

export const GITHUB_CI: CiModule<GithubSection> = {
  schema: githubCiSchema,
  // Deploy tags, per-environment workflows, Flux's dispatches and the promotion gate.
  supportsPromotion: true,
  repository: (section) => `github.com/${section.github.owner}/${section.github.repository}`,
  target: (config, section) => new (require("./target") as typeof import("./target")).GithubTarget(config, section.github),
};
