import { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { CloudTarget } from "../constructs/cloud";

/** State key of the state stack itself, inside the bucket it creates (see README: bootstrapping state). */
export const STATE_STACK_KEY = "state";

/** The Terraform state backend every other stack uses. It keeps its own state in the bucket it defines. */
export class StateStack extends TerraformStack {
  constructor(scope: Construct, id: string, cloud: CloudTarget) {
    super(scope, id);
    cloud.configureProvider(this);
    cloud.stateStore.define(this);
    cloud.stateStore.attach(this, STATE_STACK_KEY);
  }
}
