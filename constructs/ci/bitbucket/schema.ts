/** The `ci.bitbucket` section: settings that only mean something on Bitbucket Cloud. */
import { z } from "zod";

const bitbucketUuid = z
  .string()
  .regex(/^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/, { error: "must be a Bitbucket UUID in braces such as {0d3c2f1e-1111-4a2b-9c3d-4e5f6a7b8c9d}" });

export const bitbucketCiSchema = z.strictObject({
  provider: z.literal("bitbucket"),
  bitbucket: z
    .strictObject({
      workspace: z.string().regex(/^[a-z0-9_-]{1,62}$/, { error: "must be a Bitbucket workspace ID such as example-org" }).describe("Bitbucket workspace ID."),
      repository: z
        .string()
        .regex(/^[a-z0-9._-]{1,62}$/, { error: "must be a Bitbucket repository slug such as kkp-gitops" })
        .describe("Repository slug holding this project, the pipeline and the Flux tree."),
      oidc: z
        .strictObject({
          workspaceUuid: bitbucketUuid.describe("UUID of the workspace, in braces (Repository settings, OpenID Connect): the tokens' audience."),
          repositoryUuid: bitbucketUuid.describe("UUID of the repository, in braces: the start of every token's sub."),
          deploymentEnvironmentUuid: bitbucketUuid.describe("UUID of the environment's deployment environment, in braces: in the sub of a deployment's steps."),
        })
        .optional()
        .describe("What the identity stack trusts in Bitbucket's OIDC tokens. Required unless pipeline.credentials is static-keys."),
    })
    .describe("The Bitbucket Cloud repository the pipeline runs in (no Terraform provider: render the files and commit them)."),
});

export type BitbucketSettings = z.infer<typeof bitbucketCiSchema>["bitbucket"];
