import type { App } from "../constructs/core/cdktf";
import { stackIds } from "../constructs/core/names";
import type { Installation } from "../config/installation";
import { CiStack } from "./ci-stack";
import { ClusterStack } from "./cluster-stack";
import { DnsStack } from "./dns-stack";
import { IdentityStack } from "./identity-stack";
import { StateStack } from "./state-stack";

/**
 * Adds every stack of an installation to `app`: the state backend (where the state store needs one), the
 * CI stack, the pipeline's identities (with OIDC credentials, after the CI stack), and a cluster and a DNS stack per
 * environment.
 */
export function defineStacks(app: App, installation: Installation): void {
  const { config, cloud, stateStore } = installation;
  const state = stateStore.needsStateStack ? new StateStack(app, stackIds.state, { cloud, stateStore }) : undefined;
  const ci = new CiStack(app, stackIds.ci, installation);
  if (state) ci.addDependency(state);
  const identity = config.pipeline.credentials === "oidc" ? new IdentityStack(app, stackIds.identity, installation) : undefined;
  if (identity) {
    if (state) identity.addDependency(state);
    // After the CI stack: an apply identity trusts its environment's jobs, so the environment must exist with its
    // protection (main only, its reviewers) first; GitHub would create a missing one unprotected for any workflow.
    identity.addDependency(ci);
  }
  for (const env of config.environments) {
    const cluster = new ClusterStack(app, stackIds.cluster(env.name), { cloud, stateStore, env });
    if (state) cluster.addDependency(state);
    // The pipeline deploys the cluster as the identity stack's apply identity, under its nodes' permissions boundary.
    if (identity) cluster.addDependency(identity);
    const dns = new DnsStack(app, stackIds.dns(env.name), { cloud, stateStore, env });
    // DNS records point at services KKP creates on the cluster, so they are deployed after it.
    dns.addDependency(cluster);
  }
}
