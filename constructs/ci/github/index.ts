/** GitHub as the registry knows it: its configuration section and what it supports. */
import type { CiModule } from "../../targets/ci";
import { githubCiSchema, type GithubSettings } from "./schema";

/** GitHub's hosted runner labels: `ubuntu-latest`, `ubuntu-24.04`, `ubuntu-24.04-arm`, `windows-2025`, `macos-15-xlarge`, ... */
const GITHUB_HOSTED_RUNNER = /^(ubuntu|windows|macos)-(latest|\d+(\.\d+)?)(-(arm|arm64|large|xlarge|intel))?$/i;

type GithubSection = { readonly provider: "github"; readonly github: GithubSettings };

export const GITHUB_CI: CiModule<GithubSection> = {
  schema: githubCiSchema,
  // Deploy tags, per-environment workflows, Flux's dispatches and the promotion gate.
  supportsPromotion: true,
  repository: (section) => `github.com/${section.github.owner}/${section.github.repository}`,
  hostedRunner: (runner) =>
    GITHUB_HOSTED_RUNNER.test(runner) ? `set pipeline.runner to your self-hosted runners' label (${runner} is a GitHub-hosted runner, outside the network)` : undefined,
  target: (config, section) => new (require("./target") as typeof import("./target")).GithubTarget(config, section.github),
};
