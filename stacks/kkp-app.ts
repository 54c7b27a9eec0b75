import type { App } from "cdktf";
import type { KkpConfig } from "../config/resolve";
import { cloudTargetFor } from "../constructs/clouds";
import { ClusterStack } from "./cluster-stack";
import { DnsStack } from "./dns-stack";
import { stackIds } from "./ids";
import { StateStack } from "./state-stack";


/** Adds every stack of an installation to `app`: the state backend, then a cluster and a DNS stack per environment. */
export function defineStacks(app: App, config: KkpConfig): void {
  const cloud = cloudTargetFor(config);
  const state = new StateStack(app, stackIds.state, cloud);
  for (const env of config.environments) {
    const cluster = new ClusterStack(app, stackIds.cluster(env.name), { cloud, env });
    cluster.addDependency(state);
    const dns = new DnsStack(app, stackIds.dns(env.name), { cloud, env });
    // DNS records point at services KKP creates on the cluster, so they are deployed after it.
    dns.addDependency(cluster);
  }
}
