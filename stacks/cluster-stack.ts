import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/resolve";
import type { CloudTarget } from "../constructs/cloud";

export interface ClusterStackProps {
  readonly cloud: CloudTarget;
  readonly env: EnvironmentConfig;
}

/** One environment's KKP master cluster infrastructure; its outputs are KubeOne's input. */
export class ClusterStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id);
    props.cloud.configureProvider(this);
    props.cloud.stateStore.attach(this, `${props.env.name}/cluster`);
    props.cloud.defineCluster(this, props.env);
  }
}
