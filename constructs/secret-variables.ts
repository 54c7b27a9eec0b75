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

/** The variable of a per-environment secret's value for `env`: `FLUX_NOTIFY_TOKEN`, `apps-prod` -> `flux_notify_token_apps_prod`. */
export function environmentSecretVariableName(secret: string, env: string): string {
  return `${secretVariableName(secret)}_${env.replace(/-/g, "_")}`;
}

/** A sensitive, required variable with no default, set as TF_VAR_<name> or -var <name>=...; per environment with `env`. */
export function secretVariable(scope: Construct, secret: Secret, env?: string): TerraformVariable {
  const name = env === undefined ? secretVariableName(secret.name) : environmentSecretVariableName(secret.name, env);
  const value = new TerraformVariable(scope, name, {
    type: "string",
    sensitive: true,
    nullable: false,
    description: `Value of the CI secret ${secret.name}${env === undefined ? "" : ` of environment ${env}`}: ${secret.description}`,
  });
  value.overrideLogicalId(name);
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
    if (secret.perEnvironment && secret.scope === "environment") {
      return environments.map((env) => ({ secret, env: env.name, value: secretVariable(scope, secret, env.name).stringValue }));
    }
    const value = secretVariable(scope, secret).stringValue;
    return secret.scope === "repository" ? [{ secret, value }] : environments.map((env) => ({ secret, env: env.name, value }));
  });
}
