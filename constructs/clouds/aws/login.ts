/**
 * How pipeline jobs log in to AWS: the identity stack's role for the job's identity, assumed with the job's OIDC
 * token, or an IAM user's keys (the plan keys in every job outside an environment, the apply keys inside one).
 */
import type { KkpConfig } from "../../../config/settings/resolve";
import type { CloudLogin, PipelineIdentity } from "../../core/pipeline-model";
import { oidcTokenFile, requireKeys } from "../../pipeline/shell";
import { pipelineRoleArn } from "./identity-names";
import { AWS_KEY_SECRETS, AWS_PLAN_KEY_SECRETS } from "./secrets";
import type { AwsCloudSettings } from "./schema";


const CONFIGURE_AWS_CREDENTIALS = { uses: "aws-actions/configure-aws-credentials", sha: "e6de054238d6b7531b4efff3b6587d9aade6a06c", version: "v6.2.3" };

/** The audience AWS STS expects in a web identity token, and the one the identity stack's OIDC provider admits. */
export const AWS_OIDC_AUDIENCE = "sts.amazonaws.com";

export function awsLogin(config: KkpConfig, settings: AwsCloudSettings, identity: PipelineIdentity): CloudLogin {
  const region = settings.region;
  if (config.pipeline.credentials === "static-keys" || !settings.accountId) {
    const keys = identity.kind === "plan" ? AWS_PLAN_KEY_SECRETS : AWS_KEY_SECRETS;
    return {
      method: "static-keys",
      keySecrets: keys,
      setupAction: {
        name: identity.kind === "plan" ? "Use the pipeline's read-only AWS keys" : "Use the pipeline's AWS keys",
        action: CONFIGURE_AWS_CREDENTIALS,
        inputs: (secretRef) => ({ "aws-access-key-id": secretRef(keys[0]), "aws-secret-access-key": secretRef(keys[1]), "aws-region": region }),
      },
      script: () =>
        [
          ...requireKeys(keys.map((s) => s.name)),
          ...(identity.kind === "plan" ? [`export AWS_ACCESS_KEY_ID="$${keys[0].name}" AWS_SECRET_ACCESS_KEY="$${keys[1].name}"`] : []),
          `export AWS_REGION=${region}`,
        ].join("\n"),
    };
  }
  const roleArn = pipelineRoleArn(config, { accountId: settings.accountId, region }, identity);
  return {
    method: "oidc",
    keySecrets: [],
    oidcAudience: AWS_OIDC_AUDIENCE,
    setupAction: {
      name: identity.kind === "plan" ? "Assume the pipeline's read-only AWS role" : `Assume the AWS role that deploys ${identity.env}`,
      action: CONFIGURE_AWS_CREDENTIALS,
      inputs: () => ({ "role-to-assume": roleArn, "aws-region": region, "role-session-name": "kkp-pipeline" }),
    },
    // The AWS SDKs, the CLI and Terraform's provider assume the role with the token themselves.
    script: (tokenVariable) =>
      [
        ...oidcTokenFile(tokenVariable),
        'export AWS_WEB_IDENTITY_TOKEN_FILE="$oidc_token_file"',
        `export AWS_ROLE_ARN=${roleArn}`,
        "export AWS_ROLE_SESSION_NAME=kkp-pipeline",
        `export AWS_REGION=${region}`,
      ].join("\n"),
  };
}
