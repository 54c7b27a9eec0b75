/** The `ci.gitlab` section: settings that only mean something on GitLab. */
import { z } from "zod";

export const gitlabCiSchema = z.strictObject({
  provider: z.literal("gitlab"),
  gitlab: z
    .strictObject({
      project: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, { error: "must be a GitLab project path such as platform-team/kkp-gitops" })
        .describe("Path of the GitLab project holding this project, the pipeline and the Flux tree, e.g. platform-team/kkp-gitops."),
      url: z
        .string()
        .regex(/^https:\/\/[a-z0-9.-]+(:\d+)?$/, { error: "must be the GitLab instance's https URL without a path, such as https://gitlab.com" })
        .default("https://gitlab.com")
        .describe("The GitLab instance. @default https://gitlab.com"),
      personal: z.boolean().default(false).describe("The project lives in a user's namespace, not a group (flux bootstrap --personal). @default false"),
      ciStateProject: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, { error: "must be a GitLab project path such as platform-team/kkp-admin" })
        .describe(
          "Project whose managed Terraform state holds the ci stack, and with it KKP's generated secrets: one only maintainers belong to, because GitLab lets a project's Developers read its Terraform state.",
        ),
    })
    .describe("The GitLab project the pipeline runs in; Terraform state is kept in its managed HTTP backend."),
});

export type GitlabSettings = z.infer<typeof gitlabCiSchema>["gitlab"];
