/**
 * GitLab as a CiTarget: `.gitlab-ci.yml`, the project's side of the CI stack, GitLab as Flux's git host, and the
 * managed Terraform state every stack keeps there instead of in the cloud's bucket.
 */
import { GitlabProvider } from "@cdktf/provider-gitlab/lib/provider";
import type { Construct } from "constructs";
import type { KkpConfig } from "../../../config/settings/resolve";
import type { Pipeline, Secret } from "../../core/pipeline-model";
import type { FluxBootstrap } from "../../pipeline/targets";
import type { CiStackContent, CiTarget } from "../../targets/ci";
import type { CiOidcTrust } from "../../targets/oidc";
import { gitlabOidcTrust } from "./oidc";
import { GITLAB_CI_PATH, renderGitlabCi } from "./gitlab-ci";
import { GitlabProject } from "./project";
import type { GitlabSettings } from "./schema";
import { GitlabStateStore } from "./state-store";

/** What `flux bootstrap gitlab` authenticates with. */
export const FLUX_GITLAB_TOKEN: Secret = {
  name: "FLUX_GITLAB_TOKEN",
  description: "token flux bootstrap gitlab uses to add its deploy key and commit its manifests (api scope)",
  scope: "environment",
  format: "token",
};

export class GitlabTarget implements CiTarget {
  readonly definitionPaths = [GITLAB_CI_PATH];
  readonly stateStore: GitlabStateStore;
  readonly repositoryUrls: { readonly ssh: string; readonly https: string };
  readonly notificationProviders = [{ name: "commit-status", type: "gitlab" }];
  readonly oidc: CiOidcTrust;

  constructor(
    _config: KkpConfig,
    private readonly settings: GitlabSettings,
  ) {
    const { url, project } = settings;
    this.oidc = gitlabOidcTrust(settings);
    this.stateStore = new GitlabStateStore(settings);
    this.repositoryUrls = { ssh: `ssh://git@${new URL(url).hostname}/${project}`, https: `${url}/${project}` };
  }

  fluxBootstrap(path: string, branch: string): FluxBootstrap {
    const { url, project, personal } = this.settings;
    const owner = project.split("/").slice(0, -1).join("/");
    const name = project.split("/").at(-1);
    return {
      script: `GITLAB_TOKEN="$FLUX_GITLAB_TOKEN" flux bootstrap gitlab --hostname=${new URL(url).host} --owner=${owner} --repository=${name} --branch=${branch} --path=${path} --personal=${personal}`,
      secret: FLUX_GITLAB_TOKEN,
    };
  }

  /** One environment per configuration on GitLab (the registry refuses more): one pipeline. */
  pipelineFiles(pipelines: readonly Pipeline[], header: string): Array<[string, string]> {
    return [[GITLAB_CI_PATH, renderGitlabCi(pipelines[0], header)]];
  }

  /** The token comes from GITLAB_TOKEN, like GitHub's from GITHUB_TOKEN. */
  defineStack(stack: Construct, content: CiStackContent): void {
    new GitlabProvider(stack, "gitlab", { baseUrl: `${this.settings.url}/api/v4` });
    new GitlabProject(stack, "project", { project: this.settings.project, ...content });
  }
}
