import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/settings/resolve";
import { TerraformStack } from "../constructs/core/cdktf";
import { stateKeys } from "../constructs/core/names";
import type { CloudTarget } from "../constructs/targets/cloud";
import type { StateStore } from "../constructs/targets/state-store";

export interface ClusterStackProps {
  readonly cloud: CloudTarget;
  readonly stateStore: StateStore;
  readonly env: EnvironmentConfig;
}

/** One environment's KKP master cluster infrastructure; its outputs are KubeOne's input. */
export class ClusterStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id);
    props.cloud.configureProvider(this, props.env);
    props.stateStore.attach(this, stateKeys.cluster(props.env.name));
    props.cloud.defineCluster(this, props.env);
  }
}
