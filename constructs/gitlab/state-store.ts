/**
 * Terraform state in GitLab's managed HTTP backend (the seeds' GitLab variant): one state per stack, named after
 * its key, locked by GitLab. Nothing to create, so there is no state stack and no backend-prepare job. The
 * pipeline authenticates with its job token (`TF_HTTP_PASSWORD=$CI_JOB_TOKEN`); by hand, a personal access token
 * with api scope in TF_HTTP_PASSWORD and your user name in TF_HTTP_USERNAME.
 */
import { HttpBackend, type TerraformStack } from "cdktf";
import type { StateStore } from "../cloud";

export interface GitlabStateStoreProps {
  /** The GitLab instance, e.g. https://gitlab.com. */
  readonly url: string;
  /** The project path, e.g. platform-team/kkp-gitops. */
  readonly project: string;
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
      username: "gitlab-ci-token",
    });
  }

  /** A state name may not contain '/': `prod/cluster` becomes `prod-cluster`. */
  address(key: string): string {
    return `${this.props.url}/api/v4/projects/${encodeURIComponent(this.props.project)}/terraform/state/${key.replace(/\//g, "-")}`;
  }
}
