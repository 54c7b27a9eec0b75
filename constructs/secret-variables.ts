/** The sensitive Terraform variables that carry admin-supplied CI secrets into a CI stack, named once for every CI system. */
import { TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { Secret } from "./pipeline/model";

/** The Terraform variable that carries a CI secret's value: `SSH_PRIVATE_KEY` -> `ssh_private_key`. */
export function secretVariableName(secret: string): string {
  return secret.toLowerCase();
}

/** A sensitive, required variable with no default, set as TF_VAR_<name> or -var <name>=... */
export function secretVariable(scope: Construct, secret: Secret): TerraformVariable {
  const value = new TerraformVariable(scope, secretVariableName(secret.name), {
    type: "string",
    sensitive: true,
    nullable: false,
    description: `Value of the CI secret ${secret.name}: ${secret.description}`,
  });
  value.overrideLogicalId(secretVariableName(secret.name));
  return value;
}
