/**
 * Terraform state in GitLab's managed HTTP backend (the seeds' GitLab variant): one state per stack, named after
 * its key, locked by GitLab. Nothing to create, so there is no state stack and no backend-prepare job. The
 * pipeline authenticates as `gitlab-ci-token` with its job token (TF_HTTP_USERNAME, TF_HTTP_PASSWORD); by hand,
 * use your user name and a personal access token with api scope.
 *
 * GitLab lets a project's Developers read its Terraform states, so the ci stack, whose state holds KKP's
 * generated secrets, and the identity stack keep their state in a separate project that only maintainers belong to.
 */
import { HttpBackend, type TerraformStack } from "../../core/cdktf";
import { ADMIN_STATE_KEYS } from "../../core/names";
import type { StateStore } from "../../targets/state-store";

export interface GitlabStateStoreProps {
  /** The GitLab instance, e.g. https://gitlab.com. */
  readonly url: string;
  /** The project path, e.g. platform-team/kkp-gitops. */
  readonly project: string;
  /** The project holding the ci stack's state. */
  readonly ciStateProject: string;
}

export class GitlabStateStore implements StateStore {
  readonly needsStateStack = false;

  constructor(private readonly props: GitlabStateStoreProps) {}

  /** GitLab keeps the states itself: nothing to define. */
  define(): void {}

  attach(stack: TerraformStack, key: string): void {
    const address = this.address(key);
    new HttpBackend(stack, {
      address,
      lockAddress: `${address}/lock`,
      unlockAddress: `${address}/lock`,
      lockMethod: "POST",
      unlockMethod: "DELETE",
      retryWaitMin: 5,
    });
  }

  /** A state name may not contain '/': `prod/cluster` becomes `prod-cluster`. */
  address(key: string): string {
    const project = ADMIN_STATE_KEYS.includes(key) ? this.props.ciStateProject : this.props.project;
    return `${this.props.url}/api/v4/projects/${encodeURIComponent(project)}/terraform/state/${key.replace(/\//g, "-")}`;
  }
}
