/**
 * Bitbucket Cloud as a CiTarget: `bitbucket-pipelines.yml`, Bitbucket as Flux's git host, and, as its side of the
 * CI stack, the generated secrets as sensitive outputs an admin copies into the deployment variables (there is
 * no Terraform provider for Bitbucket Cloud: `npm run render` writes the files to commit).
 */
import type { Construct } from "constructs";
import type { KkpConfig } from "../../../config/settings/resolve";
import { TerraformOutput } from "../../core/cdktf";
import { secretOutput } from "../../core/names";
import type { Pipeline, Secret } from "../../core/pipeline-model";
import type { FluxBootstrap } from "../../pipeline/targets";
import type { CiStackContent, CiTarget } from "../../targets/ci";
import type { CiOidcTrust } from "../../targets/oidc";
import { bitbucketOidcTrust } from "./oidc";
import { BITBUCKET_PIPELINES_PATH, renderBitbucketPipelines } from "./bitbucket-pipelines";
import type { BitbucketSettings } from "./schema";

/**
 * Bitbucket has no flux bootstrap provider: plain git over HTTPS with a repository access token, which may push
 * (Bitbucket Cloud makes a repository's access keys read-only, so an SSH access key cannot). Flux keeps it as its
 * pull credentials (`--token-auth`).
 */
export const FLUX_BITBUCKET_TOKEN: Secret = {
  name: "FLUX_BITBUCKET_TOKEN",
  description:
    "a repository access token with repository write (Repository settings, Access tokens): flux bootstrap git pushes its manifests over HTTPS with it, and Flux pulls with it",
  scope: "environment",
  format: "token",
};

/** The user name Bitbucket Cloud expects with a repository access token over HTTPS. */
const ACCESS_TOKEN_USER = "x-token-auth";

export class BitbucketTarget implements CiTarget {
  readonly definitionPaths = [BITBUCKET_PIPELINES_PATH];
  readonly repositoryUrls: { readonly ssh: string; readonly https: string };
  readonly notificationProviders = [{ name: "commit-status", type: "bitbucket" }];
  readonly oidc: CiOidcTrust;

  constructor(
    config: KkpConfig,
    private readonly settings: BitbucketSettings,
  ) {
    this.oidc = bitbucketOidcTrust(settings, config.environments[0].name);
    const { workspace, repository } = settings;
    this.repositoryUrls = { ssh: `ssh://git@bitbucket.org/${workspace}/${repository}`, https: `https://bitbucket.org/${workspace}/${repository}` };
  }

  fluxBootstrap(path: string, branch: string): FluxBootstrap {
    const { workspace, repository } = this.settings;
    return {
      // The token reaches flux through GIT_PASSWORD, never the command line.
      script: `GIT_PASSWORD="$FLUX_BITBUCKET_TOKEN" flux bootstrap git --url=https://bitbucket.org/${workspace}/${repository}.git --username=${ACCESS_TOKEN_USER} --token-auth=true --branch=${branch} --path=${path} --silent`,
      secret: FLUX_BITBUCKET_TOKEN,
    };
  }

  /** One environment per configuration on Bitbucket (the registry refuses more): one pipeline. */
  pipelineFiles(pipelines: readonly Pipeline[], header: string): Array<[string, string]> {
    return [[BITBUCKET_PIPELINES_PATH, renderBitbucketPipelines(pipelines[0], header)]];
  }

  /** The generated secrets, readable as sensitive outputs for the deployment variables. */
  defineStack(stack: Construct, content: CiStackContent): void {
    for (const env of content.environments) {
      // Those a person must read are outputs of the generated secrets already, under the same name.
      for (const secret of content.secrets.filter((s) => s.generated && !(s.generated.kind === "password" && s.generated.output))) {
        const output = new TerraformOutput(stack, secretOutput(secret, env.name), {
          value: content.generated.value(secret, env.name),
          sensitive: true,
          description: `Deployment variable ${secret.name} of the Bitbucket deployment ${env.name}`,
        });
        output.overrideLogicalId(secretOutput(secret, env.name));
      }
    }
  }
}
