/**
 * The CI secrets the pipeline generates instead of asking an admin for them (KKP's Dex client secrets, keys and
 * telemetry UUID; the administrator's password hash): one random value per environment, kept in the CI
 * stack's state and handed to the CI system's secret store by the stack. The administrator's password itself
 * is a sensitive output, read once with `terraform output -raw kkp_admin_password_<env>`.
 */
import { Password } from "@cdktf/provider-random/lib/password";
import { RandomProvider } from "@cdktf/provider-random/lib/provider";
import { Uuid } from "@cdktf/provider-random/lib/uuid";
import { TerraformOutput } from "./core/cdktf";
import { secretOutput } from "./core/names";
import { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/settings/resolve";
import type { Secret } from "./core/pipeline-model";

/** The output holding an environment's administrator password. */
export function adminPasswordOutput(env: string): string {
  return `kkp_admin_password_${env.replace(/-/g, "_")}`;
}

export interface GeneratedSecretsProps {
  readonly secrets: readonly Secret[];
  readonly environments: readonly EnvironmentConfig[];
}

export class GeneratedSecrets extends Construct {
  private readonly values = new Map<string, string>();

  constructor(scope: Construct, id: string, props: GeneratedSecretsProps) {
    super(scope, id);
    new RandomProvider(this, "random");
    for (const env of props.environments) {
      let adminPassword: Password | undefined;
      for (const secret of props.secrets) {
        const generated = secret.generated;
        if (!generated) continue;
        const id = `${env.name}-${secret.name}`;
        switch (generated.kind) {
          case "password": {
            // Letters and digits only: the value is substituted into YAML and must need no quoting.
            const password = new Password(this, id, { length: generated.length, special: false });
            this.values.set(id, password.result);
            if (generated.output) {
              const name = secretOutput(secret, env.name);
              new TerraformOutput(this, name, { value: password.result, sensitive: true, description: `${secret.name} of ${env.name}: ${secret.description}` }).overrideLogicalId(name);
            }
            break;
          }
          case "uuid":
            this.values.set(id, new Uuid(this, id).result);
            break;
          case "admin-password-hash":
            adminPassword ??= new Password(this, `${env.name}-admin-password`, { length: 24, special: false });
            this.values.set(id, adminPassword.bcryptHash);
            break;
        }
      }
      if (adminPassword) {
        const output = new TerraformOutput(this, adminPasswordOutput(env.name), {
          value: adminPassword.result,
          sensitive: true,
          description: `Dex password of the KKP administrator in ${env.name} (user: the configured kkp.adminEmail)`,
        });
        output.overrideLogicalId(adminPasswordOutput(env.name));
      }
    }
  }

  /** The Terraform reference to `secret`'s value in `env`. */
  value(secret: Secret, env: string): string {
    const value = this.values.get(`${env}-${secret.name}`);
    if (value === undefined) throw new Error(`${secret.name} is not a generated secret`);
    return value;
  }
}
