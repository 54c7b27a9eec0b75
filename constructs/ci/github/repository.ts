/**
 * The GitHub side of the pipeline: the generated files committed to the repository, the Actions secrets fed
 * from sensitive Terraform variables (never from a literal) and stored with the deployment environment wherever
 * only deploy jobs read them, one environment per infrastructure environment with its required reviewers, and
 * branch protection on main requiring the checks pull requests run, and a ruleset keeping the deploy/<env> branches
 * for the pipeline.
 */
import { ActionsEnvironmentSecret } from "@cdktf/provider-github/lib/actions-environment-secret";
import { ActionsSecret } from "@cdktf/provider-github/lib/actions-secret";
import { BranchProtection } from "@cdktf/provider-github/lib/branch-protection";
import { DataGithubTeam } from "@cdktf/provider-github/lib/data-github-team";
import { DataGithubUser } from "@cdktf/provider-github/lib/data-github-user";
import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import { RepositoryEnvironmentDeploymentPolicy } from "@cdktf/provider-github/lib/repository-environment-deployment-policy";
import { RepositoryFile } from "@cdktf/provider-github/lib/repository-file";
import { RepositoryRuleset } from "@cdktf/provider-github/lib/repository-ruleset";
import { Construct } from "constructs";
import { Token } from "../../core/cdktf";
import { COMMIT_MESSAGE, DEPLOY_BRANCH_PREFIX, MAIN_BRANCH } from "../../core/names";
import { secretPlacements } from "../../secret-variables";
import type { CiStackContent } from "../../targets/ci";

/** The first pipeline's change-request jobs become the required checks of main. */
export interface GithubRepositoryProps extends CiStackContent {
  readonly repository: string;
}

export class GithubRepository extends Construct {
  constructor(scope: Construct, id: string, props: GithubRepositoryProps) {
    super(scope, id);
    const { repository } = props;
    const pipeline = props.pipelines[0];

    for (const [file, content] of props.files) {
      new RepositoryFile(this, `file-${file}`, {
        repository,
        branch: pipeline.mainBranch,
        file,
        content,
        commitMessage: COMMIT_MESSAGE,
        overwriteOnCreate: true,
      });
    }

    const environments = props.environments.map((env) => {
      const users = env.reviewers.users.map((login) => Token.asNumber(new DataGithubUser(this, `reviewer-${env.name}-user-${login}`, { username: login }).id));
      const teams = env.reviewers.teams.map((slug) => Token.asNumber(new DataGithubTeam(this, `reviewer-${env.name}-team-${slug}`, { slug }).id));
      const resource = new RepositoryEnvironment(this, `environment-${env.name}`, {
        repository,
        environment: env.name,
        preventSelfReview: users.length + teams.length > 0,
        ...(users.length + teams.length > 0 ? { reviewers: [{ users, teams }] } : {}),
        // Every environment deploys from main only (a later one by a dispatch on main), not from any other protected
        // branch: its apply identity trusts every job of the environment.
        deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
      });
      new RepositoryEnvironmentDeploymentPolicy(this, `environment-${env.name}-main-only`, { repository, environment: resource.environment, branchPattern: MAIN_BRANCH });
      return { name: env.name, resource };
    });

    const byName = new Map(environments.map((environment) => [environment.name, environment.resource]));
    for (const { secret, env, value } of secretPlacements(this, props.secrets, props.environments, props.generated)) {
      if (env === undefined) {
        new ActionsSecret(this, `secret-${secret.name}`, { repository, secretName: secret.name, plaintextValue: value });
        continue;
      }
      new ActionsEnvironmentSecret(this, `secret-${env}-${secret.name}`, {
        repository,
        // The attribute, not the name: the secret is created after its environment.
        environment: byName.get(env)!.environment,
        secretName: secret.name,
        plaintextValue: value,
      });
    }

    new BranchProtection(this, "main", {
      repositoryId: repository,
      pattern: pipeline.mainBranch,
      requiredStatusChecks: [
        { strict: true, contexts: pipeline.jobs.filter((job) => job.triggers.includes("change-request")).map((job) => job.title) },
      ],
      requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1, dismissStaleReviews: true }],
      requireConversationResolution: true,
      allowsForcePushes: false,
      allowsDeletions: false,
      // Admins may bypass, so that this stack (run with an admin token) can commit the generated files to main.
      enforceAdmins: false,
    });

    if (props.environments.length > 1) new DeployBranchesRuleset(this, "deploy-branches", { repository });
  }
}

/** The GitHub API's ID of the built-in repository admin role, as a ruleset's bypass actor. */
export const REPOSITORY_ADMIN_ROLE_ID = 5;

/**
 * The branches Flux follows in the later environments (`deploy/<env>`) move only by the pipeline, with the
 * repository admin's token its deploy jobs hold: nobody else may create, move, force-push or delete them. The
 * notify token each cluster holds can push (repository dispatches need contents: write), so it must be a
 * non-admin's: then no cluster can move any environment's branch.
 */
class DeployBranchesRuleset extends Construct {
  constructor(scope: Construct, id: string, { repository }: { readonly repository: string }) {
    super(scope, id);
    new RepositoryRuleset(this, "ruleset", {
      repository,
      name: "kkp-deploy-branches",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { include: [`refs/heads/${DEPLOY_BRANCH_PREFIX}*`], exclude: [] } },
      rules: { creation: true, update: true, deletion: true, nonFastForward: true },
      bypassActors: [{ actorType: "RepositoryRole", actorId: REPOSITORY_ADMIN_ROLE_ID, bypassMode: "always" }],
    });
  }
}
