/**
 * The GitLab side of the pipeline, the counterpart of github/repository.ts: the generated files committed to
 * main, CI/CD variables (protected, scoped to the deployment environment wherever only deploy jobs read them,
 * masked where GitLab can mask the value), one protected environment per infrastructure environment with its
 * approvers, and protection of main.
 */
import { BranchProtection } from "@cdktf/provider-gitlab/lib/branch-protection";
import { DataGitlabGroup } from "@cdktf/provider-gitlab/lib/data-gitlab-group";
import { DataGitlabProject } from "@cdktf/provider-gitlab/lib/data-gitlab-project";
import { DataGitlabUser } from "@cdktf/provider-gitlab/lib/data-gitlab-user";
import { ProjectEnvironment } from "@cdktf/provider-gitlab/lib/project-environment";
import { ProjectProtectedEnvironment } from "@cdktf/provider-gitlab/lib/project-protected-environment";
import { ProjectVariable } from "@cdktf/provider-gitlab/lib/project-variable";
import { RepositoryFile } from "@cdktf/provider-gitlab/lib/repository-file";
import { Construct } from "constructs";
import { Token } from "../../core/cdktf";
import { COMMIT_MESSAGE } from "../../core/names";
import type { Secret } from "../../core/pipeline-model";
import { secretPlacements } from "../../secret-variables";
import type { CiStackContent } from "../../targets/ci";

export interface GitlabProjectProps extends CiStackContent {
  readonly project: string;
}

export class GitlabProject extends Construct {
  constructor(scope: Construct, id: string, props: GitlabProjectProps) {
    super(scope, id);
    const { project } = props;
    const pipeline = props.pipelines[0];

    // Every job, deploy jobs included, restores the tools cache (Terraform, KubeOne, the installer). GitLab keeps the
    // caches of protected and unprotected refs apart unless a maintainer turns that off; then a merge request could
    // plant binaries that main's deploy jobs run with the apply identity. The stack refuses to deploy in that case.
    new DataGitlabProject(this, "settings", {
      pathWithNamespace: project,
      lifecycle: {
        postcondition: [
          {
            condition: "${self.ci_separated_caches}",
            errorMessage: `${project} shares CI caches between protected and unprotected branches: a merge request could plant tools main's deploy jobs run. Turn on Settings > CI/CD > General pipelines > "Use separate caches for protected branches".`,
          },
        ],
      },
    });

    for (const [file, content] of props.files) {
      new RepositoryFile(this, `file-${file}`, {
        project,
        branch: pipeline.mainBranch,
        filePath: file,
        content,
        encoding: "text",
        commitMessage: COMMIT_MESSAGE,
        overwriteOnCreate: true,
      });
    }

    for (const env of props.environments) {
      const environment = new ProjectEnvironment(this, `environment-${env.name}`, { project, name: env.name });
      const users = env.reviewers.users.map((username) => Token.asNumber(new DataGitlabUser(this, `approver-${env.name}-user-${username}`, { username }).userId));
      const groups = env.reviewers.teams.map((fullPath) => Token.asNumber(new DataGitlabGroup(this, `approver-${env.name}-group-${fullPath}`, { fullPath }).groupId));
      new ProjectProtectedEnvironment(this, `protected-${env.name}`, {
        project,
        environment: environment.name,
        // Maintainers deploy; the configured reviewers approve.
        deployAccessLevels: [{ accessLevel: "maintainer" }],
        ...(users.length + groups.length > 0
          ? { approvalRules: [...users.map((userId) => ({ userId, requiredApprovals: 1 })), ...groups.map((groupId) => ({ groupId, requiredApprovals: 1 }))] }
          : {}),
      });
    }

    const variable = (name: string, secret: Secret, value: string, scope: string) =>
      new ProjectVariable(this, name, {
        project,
        key: secret.name,
        value,
        // Only pipelines of protected branches (main) see them; merge requests from branches do not.
        protected: true,
        // GitLab masks only single-line values of 8+ characters from a limited alphabet: tokens and the generated
        // passwords and UUID qualify; keys, credentials files and the bcrypt hash ('$') do not.
        masked: secret.format === "token" || secret.generated?.kind === "password" || secret.generated?.kind === "uuid",
        raw: true,
        environmentScope: scope,
        description: secret.description.slice(0, 255),
      });
    for (const { secret, env, value } of secretPlacements(this, props.secrets, props.environments, props.generated)) {
      if (env === undefined) variable(`variable-${secret.name}`, secret, value, "*");
      else variable(`variable-${env}-${secret.name}`, secret, value, env);
    }

    new BranchProtection(this, "main", {
      project,
      branch: pipeline.mainBranch,
      // Changes arrive through merge requests that maintainers merge: the pipeline on main runs as the merger, and
      // writing the managed Terraform state (and deploying to the protected environment) needs a maintainer.
      pushAccessLevel: "maintainer",
      mergeAccessLevel: "maintainer",
      allowForcePush: false,
    });
  }
}
