/** The `ci.github` section: settings that only mean something on GitHub. */
import { z } from "zod";

export const githubCiSchema = z.strictObject({
  provider: z.literal("github"),
  github: z.strictObject({
    owner: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,38})$/, { error: "must be a GitHub user or organisation name" })
      .describe("GitHub organisation or user that owns the repository."),
    repository: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: "must be a GitHub repository name such as kkp-gitops" })
      .describe("Repository holding this project, the pipeline and the Flux tree."),
    personal: z.boolean().default(false).describe("The owner is a user account, not an organisation (flux bootstrap --personal). @default false"),
  }).describe("The GitHub repository the pipeline runs in."),
});

export type GithubSettings = z.infer<typeof githubCiSchema>["github"];
