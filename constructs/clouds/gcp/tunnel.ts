/**
 * The Google Cloud side of the bastion tunnel: IAP TCP forwarding to the bastion's port 22, authorized by the job's
 * apply service account (roles/iap.tunnelResourceAccessor); the firewall admits SSH to the bastion from IAP's range
 * only (besides `access.sshCidrs`). gcloud logs in with the job's credentials file (workload identity federation or a
 * key). GitHub's hosted runners ship gcloud; other images get the pinned release.
 */
import { BASTION_OUTPUT, TOOLS_HOME } from "../../core/names";
import { tfOutput } from "../../pipeline/shell";
import type { BastionTunnel } from "../../pipeline/targets";

/** The source range of IAP's TCP forwarding, which the bastion's firewall rule admits. */
export const IAP_FORWARDING_RANGE = "35.235.240.0/20";
/** The Google Cloud CLI release installed where none is present (dl.google.com/dl/cloudsdk/channels/rapid/downloads/). */
export const GCLOUD_VERSION = "580.0.0";

export function gcpTunnel(project: string): BastionTunnel {
  const home = `$HOME/${TOOLS_HOME}`;
  return {
    prepare: [
      `mkdir -p "${home}/bin" && export PATH="${home}/bin:$PATH"`,
      "if ! command -v gcloud > /dev/null; then",
      `  curl -fsSL "https://dl.google.com/dl/cloudsdk/channels/rapid/downloads/google-cloud-cli-${GCLOUD_VERSION}-linux-x86_64.tar.gz" | tar -xz -C "${home}"`,
      `  ln -sfn "${home}/google-cloud-sdk/bin/gcloud" "${home}/bin/gcloud"`,
      "fi",
      "# gcloud keeps its login in a configuration directory of this job only, removed with the job's checkout.",
      'export CLOUDSDK_CONFIG="$PWD/.kkp/gcloud"',
      "# The job's credentials: the federation's credentials file, or the static key written to one.",
      'credentials="${GOOGLE_APPLICATION_CREDENTIALS:-}"',
      'if [ -z "$credentials" ]; then credentials="$(mktemp)"; (umask 077 && printf \'%s\' "${GOOGLE_CREDENTIALS:?no Google Cloud credentials in this job}" > "$credentials"); fi',
      'gcloud auth login --cred-file="$credentials" --quiet',
      `bastion="$(${tfOutput(`${BASTION_OUTPUT}.value.id`)})"`,
      `zone="$(${tfOutput(`${BASTION_OUTPUT}.value.zone`)})"`,
    ].join("\n"),
    start: (localPort) => `gcloud compute start-iap-tunnel "$bastion" 22 --local-host-port=localhost:${localPort} --zone="$zone" --project=${project}`,
  };
}
