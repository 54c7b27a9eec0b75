/** Bitbucket Cloud as the registry knows it: its configuration section and what it supports. */
import type { CiModule } from "../../targets/ci";
import { requiredForOidc } from "../../targets/cloud";
import { bitbucketCiSchema, type BitbucketSettings } from "./schema";

type BitbucketSection = { readonly provider: "bitbucket"; readonly bitbucket: BitbucketSettings };

export const BITBUCKET_CI: CiModule<BitbucketSection> = {
  schema: bitbucketCiSchema,
  supportsPromotion: false,
  // Bitbucket's API has no deployment permissions, so the README's one-time setup has the admin set them.
  reviewerIssues: (reviewers) =>
    reviewers.users.length + reviewers.teams.length === 0
      ? []
      : [{ path: [], message: "cannot be set on Bitbucket by this tool: the deployment's permissions (who may deploy to it) are set in the repository's settings, as the README's one-time setup says; remove reviewers" }],
  check: (section, config) =>
    requiredForOidc(
      config,
      !section.bitbucket.oidc,
      ["bitbucket", "oidc"],
      "the identity stack trusts tokens by the workspace, repository and deployment environment UUIDs (Repository settings, OpenID Connect)",
      "them",
    ),
  repository: (section) => `bitbucket.org/${section.bitbucket.workspace}/${section.bitbucket.repository}`,
  hostedRunner: () => "the jobs run on Bitbucket's cloud runners (pipeline.runner is GitHub's), outside the network",
  target: (config, section) => new (require("./target") as typeof import("./target")).BitbucketTarget(config, section.bitbucket),
};
