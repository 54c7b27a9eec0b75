/** Bitbucket Cloud as the registry knows it: its configuration section and what it supports. */
import type { CiModule } from "../../targets/ci";
import { bitbucketCiSchema, type BitbucketSettings } from "./schema";

type BitbucketSection = { readonly provider: "bitbucket"; readonly bitbucket: BitbucketSettings };

export const BITBUCKET_CI: CiModule<BitbucketSection> = {
  schema: bitbucketCiSchema,
  supportsPromotion: false,
  check: (section, config) =>
    config.pipeline.credentials === "oidc" && !section.bitbucket.oidc
      ? [
          {
            path: ["bitbucket", "oidc"],
            message:
              "is required for OIDC credentials (pipeline.credentials: oidc): the identity stack trusts tokens by the workspace, repository and deployment environment UUIDs (Repository settings, OpenID Connect); set them, or set pipeline.credentials: static-keys",
          },
        ]
      : [],
  repository: (section) => `bitbucket.org/${section.bitbucket.workspace}/${section.bitbucket.repository}`,
  target: (config, section) => new (require("./target") as typeof import("./target")).BitbucketTarget(config, section.bitbucket),
};
