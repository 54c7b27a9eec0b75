/** A minimal CI system for the seam test: one YAML file listing the jobs, and the generated secrets as outputs. */
import type { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { stringify } from "yaml";
import { z } from "zod";
import { loginOf, type Pipeline, type Secret } from "../../constructs/core/pipeline-model";
import type { CiModule, CiStackContent, CiTarget } from "../../constructs/targets/ci";
import type { CiOidcTrust } from "../../constructs/targets/oidc";

const schema = z.strictObject({ provider: z.literal("fakeci"), fakeci: z.strictObject({ repository: z.string().min(1) }) });
type Section = z.infer<typeof schema>;

export const FAKE_CI_FILE = ".fake-ci.yml";
export const FAKE_PUSH_KEY: Secret = { name: "FAKE_PUSH_KEY", description: "what flux bootstrap pushes with on the fake host", scope: "environment", format: "multiline" };

class FakeCiTarget implements CiTarget {
  readonly definitionPaths = [FAKE_CI_FILE];
  readonly repositoryUrls: { ssh: string; https: string };
  readonly notificationProviders = [{ name: "commit-status", type: "generic" }];
  readonly oidc: CiOidcTrust;

  constructor(section: Section) {
    const repository = section.fakeci.repository;
    this.oidc = {
      issuer: "https://ci.example",
      subjects: (identity) => [identity.kind === "plan" ? `${repository}:change:*` : `${repository}:deploy:${identity.env}`],
      repositoryCondition: `assertion.repository == "${repository}"`,
      identityAttribute: () => `assertion.deploy ? "apply-" + assertion.environment : "plan"`,
      subjectAttribute: "assertion.sub",
    };
    this.repositoryUrls = { ssh: `ssh://git@git.example/${section.fakeci.repository}`, https: `https://git.example/${section.fakeci.repository}` };
  }

  fluxBootstrap(path: string, branch: string) {
    return { script: `flux bootstrap git --url=${this.repositoryUrls.ssh} --branch=${branch} --path=${path}`, secret: FAKE_PUSH_KEY };
  }

  pipelineFiles(pipelines: readonly Pipeline[], header: string): Array<[string, string]> {
    const [pipeline] = pipelines;
    const document = {
      jobs: pipeline.jobs.map((job) => ({
        id: job.id,
        needs: job.needs,
        login: job.cloudLogin ? loginOf(pipeline, job).script("FAKE_OIDC_TOKEN") : undefined,
        run: job.steps.map((step) => step.run),
      })),
    };
    return [[FAKE_CI_FILE, header + stringify(document)]];
  }

  defineStack(stack: Construct, content: CiStackContent): void {
    new TerraformOutput(stack, "committed_files", { value: [...content.files.keys()] });
    for (const env of content.environments) {
      for (const secret of content.secrets.filter((s) => s.generated)) {
        new TerraformOutput(stack, `${secret.name.toLowerCase()}_${env.name}`, { value: content.generated.value(secret, env.name), sensitive: true });
      }
    }
  }
}

export const FAKE_CI: CiModule<Section> = {
  schema,
  supportsPromotion: false,
  repository: (section) => `git.example/${section.fakeci.repository}`,
  // Self-hosted only: any runner may be inside the network.
  hostedRunner: () => undefined,
  reviewerIssues: () => [],
  target: (_config, section) => new FakeCiTarget(section),
};
