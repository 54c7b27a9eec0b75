import type { Construct } from "constructs";
import type { Installation } from "../config/installation";
import { TerraformStack } from "../constructs/core/cdktf";
import { stateKeys } from "../constructs/core/names";

/**
 * The pipeline's cloud identities: federation with the CI system's OIDC tokens, a read-only plan identity for
 * change requests, and an apply identity per environment. An admin deploys it after the CI stack (whose environments,
 * protected, are what the apply identities trust), and again after the CI stack whenever environments change; no
 * pipeline identity can change it or read its state.
 */
export class IdentityStack extends TerraformStack {
  constructor(scope: Construct, id: string, installation: Installation) {
    super(scope, id);
    const { cloud, ci, stateStore } = installation;
    cloud.configureProvider(this);
    stateStore.attach(this, stateKeys.identity);
    cloud.defineIdentities(this, ci.oidc);
  }
}
