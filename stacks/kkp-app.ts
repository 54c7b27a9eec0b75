import type { App } from "cdktf";
import type { KkpConfig } from "../config/resolve";
import { cloudTargetFor } from "../constructs/clouds";
import { CiStack } from "./ci-stack";
import { ClusterStack } from "./cluster-stack";
import { DnsStack } from "./dns-stack";
import { stackIds } from "./ids";
import { StateStack } from "./state-stack";


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
  const cloud = cloudTargetFor(config);
  const state = new StateStack(app, stackIds.state, cloud);
  new CiStack(app, stackIds.ci, { cloud, config, configFile }).addDependency(state);
  for (const env of config.environments) {
    const cluster = new ClusterStack(app, stackIds.cluster(env.name), { cloud, env });
    cluster.addDependency(state);
    const dns = new DnsStack(app, stackIds.dns(env.name), { cloud, env });
    // DNS records point at services KKP creates on the cluster, so they are deployed after it.
    dns.addDependency(cluster);
  }
}
