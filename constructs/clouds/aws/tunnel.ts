/**
 * The AWS side of the bastion tunnel: Session Manager port forwarding (`AWS-StartPortForwardingSession`) to the
 * bastion's port 22, authorized by the job's apply role (ssm:StartSession on instances tagged with its cluster). The
 * bastion's SSM agent (preinstalled as a snap on Canonical's Ubuntu 24.04 images) needs only outbound HTTPS.
 * GitHub's hosted runners ship the AWS CLI and the Session Manager plugin; other images get the pinned releases.
 */
import { BASTION_OUTPUT, TOOLS_HOME } from "../../core/names";
import { tfOutput } from "../../pipeline/shell";
import type { BastionTunnel } from "../../pipeline/targets";

/** The AWS CLI v2 release installed where none is present (awscli.amazonaws.com/awscli-exe-linux-x86_64-<version>.zip). */
export const AWS_CLI_VERSION = "2.36.24";
/** The Session Manager plugin release installed where none is present (s3.amazonaws.com/session-manager-downloads/plugin/<version>/). */
export const SESSION_MANAGER_PLUGIN_VERSION = "1.2.835.0";

export const PORT_FORWARDING_DOCUMENT = "AWS-StartPortForwardingSession";

export function awsTunnel(region: string): BastionTunnel {
  const bin = `$HOME/${TOOLS_HOME}/bin`;
  return {
    prepare: [
      `mkdir -p "${bin}" && export PATH="${bin}:$PATH"`,
      "if ! command -v aws > /dev/null; then",
      '  scratch="$(mktemp -d)"',
      `  curl -fsSLo "$scratch/awscli.zip" "https://awscli.amazonaws.com/awscli-exe-linux-x86_64-${AWS_CLI_VERSION}.zip"`,
      '  unzip -q "$scratch/awscli.zip" -d "$scratch"',
      `  "$scratch/aws/install" -i "$HOME/${TOOLS_HOME}/aws-cli" -b "${bin}"`,
      "fi",
      "if ! command -v session-manager-plugin > /dev/null; then",
      '  scratch="$(mktemp -d)"',
      `  curl -fsSLo "$scratch/plugin.deb" "https://s3.amazonaws.com/session-manager-downloads/plugin/${SESSION_MANAGER_PLUGIN_VERSION}/ubuntu_64bit/session-manager-plugin.deb"`,
      '  dpkg-deb -x "$scratch/plugin.deb" "$scratch/plugin"',
      `  install -m 0755 "$scratch/plugin/usr/local/sessionmanagerplugin/bin/session-manager-plugin" "${bin}/"`,
      "fi",
      `bastion="$(${tfOutput(`${BASTION_OUTPUT}.value.id`)})"`,
    ].join("\n"),
    start: (localPort) =>
      `aws ssm start-session --region ${region} --target "$bastion" --document-name ${PORT_FORWARDING_DOCUMENT} --parameters '{"portNumber":["22"],"localPortNumber":["${localPort}"]}'`,
  };
}
