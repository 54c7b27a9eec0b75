import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import { GitlabProvider } from "@cdktf/provider-gitlab/lib/provider";
import { TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { KkpConfig } from "../config/resolve";
import { CI_STATE_KEY, type CloudTarget } from "../constructs/cloud";
import { GeneratedSecrets } from "../constructs/generated-secrets";
import { GithubRepository } from "../constructs/github/repository";
import { GitlabProject } from "../constructs/gitlab/project";
import { buildPipelines } from "../constructs/pipeline/build";
import { repositoryFiles } from "../constructs/repository-files";

export interface CiStackProps {
  readonly cloud: CloudTarget;
  readonly config: KkpConfig;
  /** The configuration file relative to the repository root. */
  readonly configFile: string;
}

/**
 * The CI system's side of the installation: deployed once by an admin (with a token that may administer the
 * repository, in GITHUB_TOKEN), then again whenever the generated files change.
 */
export class CiStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: CiStackProps) {
    super(scope, id);
    const { config, configFile } = props;
    props.cloud.stateStore.attach(this, CI_STATE_KEY);
    const pipelines = buildPipelines({ config, configFile });
    const secrets = [...new Map(pipelines.flatMap((p) => p.secrets).map((secret) => [secret.name, secret])).values()];
    const files = repositoryFiles({ config, configFile });
    const generated = new GeneratedSecrets(this, "generated-secrets", { secrets, environments: config.environments });
    switch (config.ci.provider) {
      case "github":
        new GithubProvider(this, "github", { owner: config.ci.github.owner });
        new GithubRepository(this, "repository", { repository: config.ci.github.repository, pipelines, secrets, files, environments: config.environments, generated });
        break;
      case "gitlab":
        // The token comes from GITLAB_TOKEN, like GitHub's from GITHUB_TOKEN.
        new GitlabProvider(this, "gitlab", { baseUrl: `${config.ci.gitlab.url}/api/v4` });
        new GitlabProject(this, "project", { project: config.ci.gitlab.project, pipeline: pipelines[0], secrets, files, environments: config.environments, generated });
        break;
      case "bitbucket":
        // No Terraform provider for Bitbucket Cloud: its files are rendered for commit (npm run render), and the
        // stack only generates KKP's secrets, readable as sensitive outputs for the repository variables.
        for (const env of config.environments) {
          for (const secret of secrets.filter((s) => s.generated)) {
            const output = new TerraformOutput(this, `${secret.name.toLowerCase()}_${env.name.replace(/-/g, "_")}`, {
              value: generated.value(secret, env.name),
              sensitive: true,
              description: `Deployment variable ${secret.name} of the Bitbucket deployment ${env.name}`,
            });
            output.overrideLogicalId(`${secret.name.toLowerCase()}_${env.name.replace(/-/g, "_")}`);
          }
        }
        break;
    }
  }
}
