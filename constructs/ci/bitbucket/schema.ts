/** The `ci.bitbucket` section: settings that only mean something on Bitbucket Cloud. */
import { z } from "zod";

export const bitbucketCiSchema = z.strictObject({
  provider: z.literal("bitbucket"),
  bitbucket: z
    .strictObject({
      workspace: z.string().regex(/^[a-z0-9_-]{1,62}$/, { error: "must be a Bitbucket workspace ID such as example-org" }).describe("Bitbucket workspace ID."),
      repository: z
        .string()
        .regex(/^[a-z0-9._-]{1,62}$/, { error: "must be a Bitbucket repository slug such as kkp-gitops" })
        .describe("Repository slug holding this project, the pipeline and the Flux tree."),
    })
    .describe("The Bitbucket Cloud repository the pipeline runs in (no Terraform provider: render the files and commit them)."),
});

export type BitbucketSettings = z.infer<typeof bitbucketCiSchema>["bitbucket"];
