import type { Construct } from "constructs";
import { repositoryFiles } from "../config/repository-files";
import { pipelinesOf, type Installation } from "../config/installation";
import { TerraformStack } from "../constructs/core/cdktf";
import { stateKeys } from "../constructs/core/names";
import { GeneratedSecrets } from "../constructs/generated-secrets";

/**
 * The CI system's side of the installation: deployed once by an admin (with a token that may administer the
 * repository), then again whenever the generated files change. KKP's secrets are generated here; what the CI
 * system does with them and with the files is its target's (`defineStack`).
 */
export class CiStack extends TerraformStack {
  constructor(scope: Construct, id: string, installation: Installation) {
    super(scope, id);
    const { config, ci } = installation;
    installation.stateStore.attach(this, stateKeys.ci);
    const pipelines = pipelinesOf(installation);
    const secrets = [...new Map(pipelines.flatMap((p) => p.secrets).map((secret) => [secret.name, secret])).values()];
    const files = repositoryFiles(installation);
    const generated = new GeneratedSecrets(this, "generated-secrets", { secrets, environments: config.environments });
    ci.defineStack(this, { pipelines, secrets, files, environments: config.environments, generated });
  }
}
