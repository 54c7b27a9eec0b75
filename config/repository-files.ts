/**
 * Every file the CI stack commits to the repository, generated from the configuration: the CI system's pipeline
 * files, the KubeOne manifest, the KKP installer's input per environment and the Flux tree per environment.
 * `npm run render` writes the same bytes for review and for CI systems without a Terraform provider; the
 * validate job fails when a committed copy differs.
 */
import { fluxTree } from "../constructs/content/flux";
import { kubeoneManifest } from "../constructs/content/kubeone";
import { kubermaticConfiguration, kubermaticValues } from "../constructs/content/kubermatic";
import { renderYaml } from "../constructs/content/yaml";
import { generatedHeader, REPOSITORY_PATHS } from "../constructs/core/names";
import { pipelinesOf, type Installation } from "./installation";

/** Repository path -> content, in a stable order. */
export function repositoryFiles(installation: Installation): ReadonlyMap<string, string> {
  const { config, cloud, ci } = installation;
  const header = generatedHeader(installation.configFile);
  const files = new Map<string, string>(ci.pipelineFiles(pipelinesOf(installation), header));
  files.set(REPOSITORY_PATHS.kubeoneManifest, renderYaml(header, [kubeoneManifest(config, cloud)]));
  for (const env of config.environments) {
    files.set(REPOSITORY_PATHS.kkpConfiguration(env.name), renderYaml(header, [kubermaticConfiguration(config, env)]));
    files.set(REPOSITORY_PATHS.kkpValues(env.name), renderYaml(header, [kubermaticValues(config, env)]));
    for (const file of fluxTree(config, env, { cloud, gitHost: ci })) files.set(file.path, renderYaml(header, file.objects));
  }
  return files;
}
