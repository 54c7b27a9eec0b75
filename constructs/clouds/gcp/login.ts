/**
 * How pipeline jobs log in to Google Cloud: workload identity federation with the job's OIDC token at the identity
 * stack's pool, impersonating the service account of the job's identity; or a service account key (the plan
 * account's in every job outside an environment, the apply account's inside one).
 */
import type { KkpConfig } from "../../../config/settings/resolve";
import type { CloudLogin, PipelineIdentity } from "../../core/pipeline-model";
import { oidcTokenFile, requireKeys } from "../../pipeline/shell";
import { pipelineServiceAccountEmail, workloadIdentityProviderName } from "./identity-names";
import { GCP_KEY_SECRET, GCP_PLAN_KEY_SECRET } from "./secrets";
import type { GcpCloudSettings } from "./schema";


const GOOGLE_AUTH = { uses: "google-github-actions/auth", sha: "7c6bc770dae815cd3e89ee6cdf493a5fab2cc093", version: "v3.0.0" };

/** The audience a token must carry for the provider: its full resource name as a URL (the provider's default allowed audience). */
export function gcpOidcAudience(providerName: string): string {
  return `https://iam.googleapis.com/${providerName}`;
}

export function gcpLogin(config: KkpConfig, settings: GcpCloudSettings, identity: PipelineIdentity): CloudLogin {
  if (config.pipeline.credentials === "static-keys" || !settings.projectNumber) {
    const key = identity.kind === "plan" ? GCP_PLAN_KEY_SECRET : GCP_KEY_SECRET;
    return {
      method: "static-keys",
      keySecrets: [key],
      setupAction: {
        name: identity.kind === "plan" ? "Use the read-only service account's key" : "Use the pipeline's service account key",
        action: GOOGLE_AUTH,
        inputs: (secretRef) => ({ credentials_json: secretRef(key) }),
      },
      script: () =>
        [
          ...requireKeys([key.name]),
          ...(identity.kind === "plan" ? [`export ${GCP_KEY_SECRET.name}="$${key.name}"`] : []),
        ].join("\n"),
    };
  }
  const workloadIdentityProvider = workloadIdentityProviderName(config, settings.projectNumber, config.ci.provider);
  const serviceAccount = pipelineServiceAccountEmail(config, settings.project, identity);
  const credentials = {
    type: "external_account",
    audience: `//iam.googleapis.com/${workloadIdentityProvider}`,
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    token_url: "https://sts.googleapis.com/v1/token",
    credential_source: { file: "OIDC_TOKEN_FILE" },
    service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${serviceAccount}:generateAccessToken`,
  };
  return {
    method: "oidc",
    keySecrets: [],
    oidcAudience: gcpOidcAudience(workloadIdentityProvider),
    setupAction: {
      name: identity.kind === "plan" ? "Impersonate the pipeline's read-only service account" : `Impersonate the service account that deploys ${identity.env}`,
      action: GOOGLE_AUTH,
      inputs: () => ({ workload_identity_provider: workloadIdentityProvider, service_account: serviceAccount }),
    },
    script: (tokenVariable) =>
      [
        ...oidcTokenFile(tokenVariable),
        'google_credentials="$(mktemp)"',
        `printf '%s' '${JSON.stringify(credentials)}' | sed "s|OIDC_TOKEN_FILE|$oidc_token_file|" > "$google_credentials"`,
        // Workload identity federation through an external-account credentials file, which Terraform's provider reads.
        'export GOOGLE_APPLICATION_CREDENTIALS="$google_credentials"',
      ].join("\n"),
  };
}
