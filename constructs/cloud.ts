/**
 * The seam between the cloud-neutral stacks and a cloud. A cloud is a target with four duties; adding a
 * cloud means adding a directory beside aws/ that implements this interface and one line in clouds.ts.
 */
import type { TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/resolve";
import type { DnsRecord } from "./dns/kkp-records";

/** Where Terraform state lives: a bucket created by the state stack, used by every stack under its own key. */
/** The CI stack's state key: its state holds the generated secrets. */
export const CI_STATE_KEY = "ci";

export interface StateStore {
  /** Whether a state stack must create the store (a bucket) before any other stack can use it. */
  readonly needsStateStack: boolean;
  /** Adds the state bucket (and lock table, where one is needed) to `scope`. */
  define(scope: Construct): void;
  /** Configures `stack` to keep its state in the store under `key`, a path such as `prod/cluster`. */
  attach(stack: TerraformStack, key: string): void;
}

export interface CloudTarget {
  readonly stateStore: StateStore;
  /** Adds the cloud's Terraform provider to a stack. */
  configureProvider(scope: Construct): void;
  /** Defines the master cluster's machines, network and API load balancer, and its KubeOne outputs. */
  defineCluster(scope: Construct, env: EnvironmentConfig): void;
  /** Writes KKP's DNS records in the configured zone. */
  defineDnsRecords(scope: Construct, records: readonly DnsRecord[]): void;
}
