import type { Construct } from "constructs";
import { TerraformStack } from "../constructs/core/cdktf";
import { stateKeys } from "../constructs/core/names";
import type { CloudTarget } from "../constructs/targets/cloud";
import type { StateStore } from "../constructs/targets/state-store";

export interface StateStackProps {
  /** The cloud whose provider creates the store. */
  readonly cloud: CloudTarget;
  readonly stateStore: StateStore;
}

/** The Terraform state backend every other stack uses. It keeps its own state in the bucket it defines. */
export class StateStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: StateStackProps) {
    super(scope, id);
    props.cloud.configureProvider(this);
    props.stateStore.define(this);
    props.stateStore.attach(this, stateKeys.state);
  }
}
