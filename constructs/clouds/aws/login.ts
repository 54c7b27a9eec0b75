/** How pipeline jobs log in to AWS: an IAM role assumed with the job's OIDC token, or an IAM user's keys. */
import type { CloudLogin } from "../../core/pipeline-model";
import { oidcTokenFile, requireKeys } from "../../pipeline/shell";
import { AWS_KEY_SECRETS } from "./secrets";
import type { AwsCloudSettings } from "./schema";


const CONFIGURE_AWS_CREDENTIALS = { uses: "aws-actions/configure-aws-credentials", sha: "e6de054238d6b7531b4efff3b6587d9aade6a06c", version: "v6.2.3" };

export function awsLogin(settings: AwsCloudSettings, staticKeys: boolean): CloudLogin {
  const region = settings.region;
  const roleArn = settings.pipelineRoleArn;
  if (staticKeys || !roleArn) {
    return {
      method: "static-keys",
      keySecrets: AWS_KEY_SECRETS,
      setupAction: {
        name: "Use the pipeline's AWS keys",
        action: CONFIGURE_AWS_CREDENTIALS,
        inputs: (secretRef) => ({ "aws-access-key-id": secretRef(AWS_KEY_SECRETS[0]), "aws-secret-access-key": secretRef(AWS_KEY_SECRETS[1]), "aws-region": region }),
      },
      script: () => [...requireKeys(AWS_KEY_SECRETS.map((s) => s.name)), `export AWS_REGION=${region}`].join("\n"),
    };
  }
  return {
    method: "oidc",
    keySecrets: [],
    oidcAudience: "sts.amazonaws.com",
    setupAction: {
      name: "Assume the pipeline's AWS role",
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
