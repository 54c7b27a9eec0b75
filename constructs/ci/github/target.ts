/**
 * GitHub as a CiTarget: GitHub Actions workflows (the environments' pipelines, post-deployment, deploy tags,
 * drift), the repository's side of the CI stack, and GitHub as Flux's git host.
 */
import { GithubProvider } from "@cdktf/provider-github/lib/provider";
import type { Construct } from "constructs";
import type { KkpConfig } from "../../../config/settings/resolve";
import type { Pipeline, Secret, Step } from "../../core/pipeline-model";
import type { CiStackContent, CiTarget } from "../../targets/ci";
import type { CiOidcTrust } from "../../targets/oidc";
import { githubOidcTrust } from "./oidc";
import type { FluxBootstrap } from "../../pipeline/targets";
import { DEPLOY_TAGS_PATH, DRIFT_PATH, POST_DEPLOY_PATH, renderDeployTagsWorkflow, renderDriftWorkflow, renderPostDeployWorkflow } from "./feedback";
import { GithubRepository } from "./repository";
import type { GithubSettings } from "./schema";
import { renderGithubWorkflow, renderTeardownWorkflow, teardownWorkflowPath, workflowPath } from "./workflow";

/** What `flux bootstrap github` authenticates with. */
export const FLUX_GITHUB_TOKEN: Secret = {
  name: "FLUX_GITHUB_TOKEN",
  description:
    "token of a repository admin: flux bootstrap adds its deploy key and commits its manifests with it, and the pipeline moves the deploy/<env> branches, which only admins may push",
  scope: "environment",
  format: "token",
};

export class GithubTarget implements CiTarget {
  readonly definitionPaths = [".github/**"];
  readonly repositoryUrls: { readonly ssh: string; readonly https: string };
  /** Commit statuses, and the dispatch that starts the post-deployment workflow. */
  readonly notificationProviders = [
    { name: "commit-status", type: "github" },
    { name: "dispatch", type: "githubdispatch" },
  ];

  readonly oidc: CiOidcTrust;

  constructor(
    private readonly config: KkpConfig,
    private readonly settings: GithubSettings,
  ) {
    this.oidc = githubOidcTrust(settings);
    const { owner, repository } = settings;
    this.repositoryUrls = { ssh: `ssh://git@github.com/${owner}/${repository}`, https: `https://github.com/${owner}/${repository}` };
  }

  fluxBootstrap(path: string, branch: string): FluxBootstrap {
    const { owner, repository, personal } = this.settings;
    return {
      script: `GITHUB_TOKEN="$FLUX_GITHUB_TOKEN" flux bootstrap github --owner=${owner} --repository=${repository} --branch=${branch} --path=${path} --personal=${personal}`,
      secret: FLUX_GITHUB_TOKEN,
    };
  }

  /**
   * Through the REST API with the admin token: the deploy/* ruleset lets only repository admins move those branches,
   * so neither the run's own token nor a cluster's notify token (a non-admin's) can.
   */
  moveDeployBranch(branch: string): Step {
    return {
      name: `Move ${branch} to the tagged commit`,
      run: `GH_TOKEN="$${FLUX_GITHUB_TOKEN.name}" npx tsx scripts/promotion.ts move-branch ${branch} "$(git rev-parse HEAD)"`,
      secrets: [FLUX_GITHUB_TOKEN],
    };
  }

  pipelineFiles(pipelines: readonly Pipeline[], header: string): Array<[string, string]> {
    const [first] = pipelines;
    return [
      ...pipelines.map((pipeline): [string, string] => [workflowPath(pipeline), renderGithubWorkflow(pipeline, header)]),
      ...pipelines.map((pipeline): [string, string] => [teardownWorkflowPath(pipeline.environment), renderTeardownWorkflow(pipeline, header)]),
      [POST_DEPLOY_PATH, renderPostDeployWorkflow(this.config, first, header)],
      ...(pipelines.length > 1 ? [[DEPLOY_TAGS_PATH, renderDeployTagsWorkflow(this.config, first, header)] as [string, string]] : []),
      [DRIFT_PATH, renderDriftWorkflow(this.config, first, header)],
    ];
  }

  /** The token comes from GITHUB_TOKEN: one that may administer the repository. */
  defineStack(stack: Construct, content: CiStackContent): void {
    new GithubProvider(stack, "github", { owner: this.settings.owner });
    new GithubRepository(stack, "repository", { repository: this.settings.repository, ...content });
  }
}
