#!/usr/bin/env bash
# Keeps the master's encryption-at-rest configuration, which KubeOne's backups-restic addon leaves out, beside the
# etcd backups: kubeone-apply runs it after `kubeone apply`, and a restore reads it with etcd-backups.sh fetch.
#
#   scripts/keep-encryption-key.sh <tf.json> <KubeOne credentials file>
#
# Reads /etc/kubernetes/encryption-providers/encryption-providers.yaml from the first control-plane machine over SSH
# (through the bastion tf.json names, as KubeOne does), and backs it up, tagged encryption-providers, into the
# restic repository $KKP_ETCD_BACKUP_REPOSITORY (region $KKP_ETCD_BACKUP_REGION, password $KKP_ETCD_BACKUP_PASSWORD)
# when it differs from the copy kept last. The S3 key is the credentials file's AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, as the addon's. Nothing of the file is printed.
set -euo pipefail

usage() {
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&"${1:-2}"
  exit "${2:-2}"
}
[[ "${1:-}" == --help || "${1:-}" == -h ]] && usage 1 0

readonly KEY_FILE=/etc/kubernetes/encryption-providers/encryption-providers.yaml
readonly TAG=encryption-providers
readonly NAME=encryption-providers.yaml

tfjson="${1:-}"
credentials="${2:-}"
[[ -n "$tfjson" && -n "$credentials" ]] || usage
[[ -f "$tfjson" ]] || { echo "error: $tfjson does not exist (the cluster stack's outputs)" >&2; exit 2; }
[[ -f "$credentials" ]] || { echo "error: $credentials does not exist (the KubeOne credentials file)" >&2; exit 2; }
for variable in KKP_ETCD_BACKUP_REPOSITORY KKP_ETCD_BACKUP_REGION KKP_ETCD_BACKUP_PASSWORD; do
  [[ -n "${!variable:-}" ]] || { echo "error: $variable is not set (see the comment at the top of $0)" >&2; exit 2; }
done

# credential NAME: the value of NAME in the credentials file, a flat YAML map as KubeOne reads it.
credential() {
  sed -nE "s/^$1:[[:space:]]*[\"']?([^\"'[:space:]]+)[\"']?[[:space:]]*\$/\\1/p" "$credentials" | head -n 1
}
AWS_ACCESS_KEY_ID="$(credential AWS_ACCESS_KEY_ID)"
AWS_SECRET_ACCESS_KEY="$(credential AWS_SECRET_ACCESS_KEY)"
if [[ -z "$AWS_ACCESS_KEY_ID" || -z "$AWS_SECRET_ACCESS_KEY" ]]; then
  echo "error: the KubeOne credentials have no AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, which the backups addon uploads with; add them (docs/RESTORE.md)" >&2
  exit 2
fi
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
export AWS_DEFAULT_REGION="$KKP_ETCD_BACKUP_REGION" RESTIC_REPOSITORY="$KKP_ETCD_BACKUP_REPOSITORY" RESTIC_PASSWORD="$KKP_ETCD_BACKUP_PASSWORD"

# How KubeOne reaches the first control-plane machine, from kubeone_hosts: user, address, port, then the bastion's.
mapfile -t host < <(node -e '
  const cp = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).kubeone_hosts.value.control_plane;
  const address = (cp.bastion ? cp.private_address : cp.public_address ?? cp.private_address)[0];
  for (const value of [cp.ssh_user, address, cp.ssh_port ?? 22, cp.bastion ?? "", cp.bastion_port ?? 22, cp.bastion_user ?? cp.ssh_user, cp.cluster_name]) console.log(value);
' "$tfjson")
ssh_user="${host[0]}" address="${host[1]}" port="${host[2]}" bastion="${host[3]}" bastion_port="${host[4]}" bastion_user="${host[5]}" cluster="${host[6]}"

# KubeOne does not check host keys either: the machines are reached through the tunnel the job's cloud identity opened.
options=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=30)
jump=()
if [[ -n "$bastion" ]]; then
  jump=(-o "ProxyCommand=ssh ${options[*]} -p $bastion_port -W %h:%p $bastion_user@$bastion")
fi

private="$(mktemp -d)"
trap 'rm -rf "$private"' EXIT
(umask 077 && ssh "${options[@]}" "${jump[@]}" -p "$port" "$ssh_user@$address" sudo cat "$KEY_FILE" > "$private/current")
[[ -s "$private/current" ]] || { echo "error: $KEY_FILE on $address is empty" >&2; exit 1; }

# The addon's first run may not have created the repository yet; a concurrent init by the addon is no failure.
if ! restic cat config > /dev/null 2>&1; then
  restic init > /dev/null 2>&1 || restic cat config > /dev/null
fi

if restic dump --tag "$TAG" latest "/$NAME" > "$private/kept" 2> /dev/null && cmp -s "$private/current" "$private/kept"; then
  echo "The encryption configuration is kept already (restic tag $TAG)."
  exit 0
fi
restic backup --quiet --tag "$TAG" --host "$cluster" --stdin --stdin-filename "$NAME" < "$private/current"
echo "Kept the encryption configuration of $cluster in $RESTIC_REPOSITORY (restic tag $TAG)."
