/** Where Terraform state lives: a bucket a state stack creates (the cloud's), or a store the CI system keeps. */
import type { TerraformStack } from "../core/cdktf";
import type { Construct } from "constructs";

export interface StateStore {
  /** Whether a state stack must create the store (a bucket) before any other stack can use it. */
  readonly needsStateStack: boolean;
  /** Adds the state bucket (and lock table, where one is needed) to `scope`. */
  define(scope: Construct): void;
  /** Configures `stack` to keep its state in the store under `key`, a path such as `prod/cluster`. */
  attach(stack: TerraformStack, key: string): void;
}
