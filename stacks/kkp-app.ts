import type { App } from "cdktf";
import type { KkpConfig } from "../config/resolve";
import { cloudTargetFor } from "../constructs/clouds";
import { CiStack } from "./ci-stack";
import { ClusterStack } from "./cluster-stack";
import { DnsStack } from "./dns-stack";
import { stackIds } from "./ids";
import { StateStack } from "./state-stack";
import { GitlabStateStore, stateInGitlab } from "../constructs/gitlab/state-store";
import type { CloudTarget } from "../constructs/cloud";


export interface Installation {
  readonly config: KkpConfig;
  /** The configuration file relative to the repository root; the pipeline synthesizes from it. */
  readonly configFile: string;
}

/**
 * Adds every stack of an installation to `app`: the state backend, the CI stack, and a cluster and a DNS
 * stack per environment.
 */
export function defineStacks(app: App, { config, configFile }: Installation): void {
  const cloud = withStateStore(cloudTargetFor(config), config);
  const state = cloud.stateStore.needsStateStack ? new StateStack(app, stackIds.state, cloud) : undefined;
  const ci = new CiStack(app, stackIds.ci, { cloud, config, configFile });
  if (state) ci.addDependency(state);
  for (const env of config.environments) {
    const cluster = new ClusterStack(app, stackIds.cluster(env.name), { cloud, env });
    if (state) cluster.addDependency(state);
    const dns = new DnsStack(app, stackIds.dns(env.name), { cloud, env });
    // DNS records point at services KKP creates on the cluster, so they are deployed after it.
    dns.addDependency(cluster);
  }
}

/** On GitLab, every stack keeps its state in the project's managed Terraform backend instead of the cloud's bucket. */
function withStateStore(cloud: CloudTarget, config: KkpConfig): CloudTarget {
  if (!stateInGitlab(config)) return cloud;
  const stateStore = new GitlabStateStore(config.ci.gitlab);
  return {
    stateStore,
    configureProvider: (scope) => cloud.configureProvider(scope),
    defineCluster: (scope, env) => cloud.defineCluster(scope, env),
    defineDnsRecords: (scope, records) => cloud.defineDnsRecords(scope, records),
  };
}
