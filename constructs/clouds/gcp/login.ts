/** How pipeline jobs log in to Google Cloud: workload identity federation with the job's OIDC token, or a key. */
import type { CloudLogin } from "../../core/pipeline-model";
import { oidcTokenFile, requireKeys } from "../../pipeline/shell";
import { GCP_KEY_SECRET } from "./secrets";
import type { GcpCloudSettings } from "./schema";


const GOOGLE_AUTH = { uses: "google-github-actions/auth", sha: "7c6bc770dae815cd3e89ee6cdf493a5fab2cc093", version: "v3.0.0" };

export function gcpLogin(settings: GcpCloudSettings, staticKeys: boolean): CloudLogin {
  const identity = settings.pipelineIdentity;
  if (staticKeys || !identity) {
    return {
      method: "static-keys",
      keySecrets: [GCP_KEY_SECRET],
      setupAction: { name: "Use the pipeline's service account key", action: GOOGLE_AUTH, inputs: (secretRef) => ({ credentials_json: secretRef(GCP_KEY_SECRET) }) },
      script: () => requireKeys([GCP_KEY_SECRET.name]).join("\n"),
    };
  }
  const { workloadIdentityProvider, serviceAccount } = identity;
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
    oidcAudience: `https://iam.googleapis.com/${workloadIdentityProvider}`,
    setupAction: {
      name: "Impersonate the pipeline's service account",
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
