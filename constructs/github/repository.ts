/**
 * The GitHub side of the pipeline: the generated files committed to the repository, the Actions secrets fed
 * from sensitive Terraform variables (never from a literal) and stored with the deployment environment wherever
 * only deploy jobs read them, one environment per infrastructure environment with its required reviewers, and
 * branch protection on main requiring the checks pull requests run.
 */
import { ActionsEnvironmentSecret } from "@cdktf/provider-github/lib/actions-environment-secret";
import { ActionsSecret } from "@cdktf/provider-github/lib/actions-secret";
import { BranchProtection } from "@cdktf/provider-github/lib/branch-protection";
import { DataGithubTeam } from "@cdktf/provider-github/lib/data-github-team";
import { DataGithubUser } from "@cdktf/provider-github/lib/data-github-user";
import { RepositoryEnvironment } from "@cdktf/provider-github/lib/repository-environment";
import { RepositoryFile } from "@cdktf/provider-github/lib/repository-file";
import { Token } from "cdktf";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "../../config/resolve";
import type { GeneratedSecrets } from "../generated-secrets";
import type { Pipeline, Secret } from "../pipeline/model";
import { secretVariable } from "../secret-variables";

/** `[skip ci]` keeps the commit from starting the workflow it just wrote; the next real change runs it. */
export const COMMIT_MESSAGE = "chore(kkp-gitops): update generated files [skip ci]";

export interface GithubRepositoryProps {
  readonly repository: string;
  /** The environments' pipelines, first environment first: its change-request jobs become required checks. */
  readonly pipelines: readonly Pipeline[];
  /** Every CI secret any of the pipelines reads. */
  readonly secrets: readonly Secret[];
  readonly files: ReadonlyMap<string, string>;
  readonly environments: readonly EnvironmentConfig[];
  /** Values of the secrets the CI stack generates (those with `generated`). */
  readonly generated: GeneratedSecrets;
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
        // Every environment deploys from the protected main branch only: a later one by a dispatch on main.
        deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false },
      });
      return { name: env.name, resource };
    });

    for (const secret of props.secrets.filter((s) => s.generated)) {
      for (const environment of environments) {
        this.environmentSecret(environment, secret, props.generated.value(secret, environment.name), repository);
      }
    }

    for (const secret of props.secrets.filter((s) => !s.generated)) {
      const value = secretVariable(this, secret);
      if (secret.scope === "repository") {
        new ActionsSecret(this, `secret-${secret.name}`, { repository, secretName: secret.name, plaintextValue: value.stringValue });
        continue;
      }
      for (const environment of environments) this.environmentSecret(environment, secret, value.stringValue, repository);
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
  }

  private environmentSecret(environment: { name: string; resource: RepositoryEnvironment }, secret: Secret, value: string, repository: string): void {
    new ActionsEnvironmentSecret(this, `secret-${environment.name}-${secret.name}`, {
      repository,
      // The attribute, not the name: the secret is created after its environment.
      environment: environment.resource.environment,
      secretName: secret.name,
      plaintextValue: value,
    });
  }
}
