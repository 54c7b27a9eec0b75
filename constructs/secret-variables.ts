/**
 * Where each CI secret's value comes from and where it goes, worked out once for every CI system: a generated
 * secret's value per environment from the CI stack's random resources, an admin-supplied secret's from a
 * sensitive Terraform variable, stored for the whole repository or per environment as its scope says.
 */
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/settings/resolve";
import { TerraformVariable } from "./core/cdktf";
import type { Secret } from "./core/pipeline-model";
import type { GeneratedSecrets } from "./generated-secrets";

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

/** One CI secret value to store: for one environment, or (no `env`) for the whole repository. */
export interface SecretPlacement {
  readonly secret: Secret;
  readonly env?: string;
  /** A Terraform reference to the value. */
  readonly value: string;
}

/**
 * Every value to store, secret by secret in the order given. Admin-supplied secrets get their variable in `scope`;
 * with `generatedOnly`, only the generated ones are placed (for CI systems whose admins copy values by hand).
 */
export function secretPlacements(
  scope: Construct,
  secrets: readonly Secret[],
  environments: readonly EnvironmentConfig[],
  generated: GeneratedSecrets,
): SecretPlacement[] {
  return secrets.flatMap((secret): SecretPlacement[] => {
    if (secret.generated) return environments.map((env) => ({ secret, env: env.name, value: generated.value(secret, env.name) }));
    const value = secretVariable(scope, secret).stringValue;
    return secret.scope === "repository" ? [{ secret, value }] : environments.map((env) => ({ secret, env: env.name, value }));
  });
}
