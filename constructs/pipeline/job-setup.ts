/**
 * A job's setup as shell, for CI systems without setup and login actions (GitLab, Bitbucket): tools, cloud
 * login, SSH agent. GitHub uses actions for the same (github-actions.ts).
 */
import { installSpecs, TOOLS_HOME, type CloudLogin, type Pipeline, type Tool } from "./model";

/**
 * Installs what a job needs on the CI image (node:<major>-bookworm): the project's npm packages, and the
 * pinned binaries below `toolsDir` (a cached directory), linked at ~/.kkp-tools where the jobs expect them.
 */
export function toolsScript(pipeline: Pipeline, tools: readonly Tool[], toolsDir: string): string {
  const binaries = installSpecs(pipeline.tools, tools, true);
  return [
    ...(tools.includes("node") ? ["npm ci --no-audit --no-fund"] : []),
    ...(binaries.length > 0
      ? [
          "command -v unzip > /dev/null || (apt-get update -qq && apt-get install -y -qq unzip > /dev/null)",
          `bash scripts/install-tools.sh --dir "${toolsDir}" ${binaries.join(" ")}`,
          `ln -sfn "${toolsDir}" "$HOME/${TOOLS_HOME}"`,
          `export PATH="$HOME/${TOOLS_HOME}/bin:$PATH"`,
        ]
      : []),
    ...(tools.includes("terraform") ? [`export TF_PLUGIN_CACHE_DIR="${toolsDir}/plugin-cache"`, 'mkdir -p "$TF_PLUGIN_CACHE_DIR"'] : []),
  ].join("\n");
}

/** What a GitLab `id_tokens` entry asks for: the audience the cloud's federation trusts. */
export function oidcAudience(cloud: CloudLogin): string | undefined {
  if (cloud.method !== "oidc") return undefined;
  return cloud.provider === "aws" ? "sts.amazonaws.com" : `https://iam.googleapis.com/${cloud.workloadIdentityProvider}`;
}

export function cloudLoginScript(cloud: CloudLogin, tokenVariable: string): string {
  const region = cloud.provider === "aws" ? [`export AWS_REGION=${cloud.region}`] : [];
  if (cloud.method === "static-keys") {
    const keys = cloud.provider === "aws" ? ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] : ["GOOGLE_CREDENTIALS"];
    return [...keys.map((key) => `: "\${${key}:?is not set: add it as a CI variable (README, one-time setup)}"`), ...region].join("\n");
  }
  const token = [
    `: "\${${tokenVariable}:?no OIDC token: the job must request one}"`,
    'oidc_token_file="$(mktemp)"',
    `printf '%s' "$${tokenVariable}" > "$oidc_token_file"`,
  ];
  if (cloud.provider === "aws") {
    // The AWS SDKs, the CLI and Terraform's provider assume the role with the token themselves.
    return [...token, 'export AWS_WEB_IDENTITY_TOKEN_FILE="$oidc_token_file"', `export AWS_ROLE_ARN=${cloud.roleArn}`, "export AWS_ROLE_SESSION_NAME=kkp-pipeline", ...region].join("\n");
  }
  const credentials = {
    type: "external_account",
    audience: `//iam.googleapis.com/${cloud.workloadIdentityProvider}`,
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    token_url: "https://sts.googleapis.com/v1/token",
    credential_source: { file: "OIDC_TOKEN_FILE" },
    service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${cloud.serviceAccount}:generateAccessToken`,
  };
  return [
    ...token,
    'google_credentials="$(mktemp)"',
    `printf '%s' '${JSON.stringify(credentials)}' | sed "s|OIDC_TOKEN_FILE|$oidc_token_file|" > "$google_credentials"`,
    // Workload identity federation through an external-account credentials file, which Terraform's provider reads.
    'export GOOGLE_APPLICATION_CREDENTIALS="$google_credentials"',
  ].join("\n");
}

/** Starts an SSH agent in the job's shell and loads the key KubeOne reaches the nodes with. */
export function sshAgentScript(secretVariable: string): string {
  return ['eval "$(ssh-agent -s)" > /dev/null', `ssh-add - <<< "$${secretVariable}"`].join("\n");
}
