#!/usr/bin/env bash
# Reads an environment's etcd backups (KubeOne's backups-restic addon) for a restore, as docs/RESTORE.md walks through:
#
#   scripts/etcd-backups.sh list <repository>               the snapshots, newest last
#   scripts/etcd-backups.sh fetch <repository> <id|latest> <dir>
#                                                           downloads one into <dir>/backup: the etcd snapshot and PKI,
#                                                           and the encryption configuration in force then (kept by
#                                                           kubeone-apply) into <dir>/encryption-providers.yaml
#
# <repository> is restic's, e.g. s3:s3.eu-central-1.amazonaws.com/kkp-prod-etcd-0123456789 (the kubeone-apply job's
# KKP_ETCD_BACKUP_REPOSITORY). RESTIC_PASSWORD (the ci stack's output kkp_etcd_backup_password_<env>) and
# AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (the environment's KubeOne key; on Google Cloud its HMAC key) must be set.
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&"${1:-2}"
  exit "${2:-2}"
}
[[ "${1:-}" == --help || "${1:-}" == -h ]] && usage 1 0

phase="${1:-}"
repository="${2:-}"
[[ -n "$repository" ]] || usage
for variable in RESTIC_PASSWORD AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY; do
  [[ -n "${!variable:-}" ]] || { echo "error: $variable is not set (see the comment at the top of $0)" >&2; exit 2; }
done
command -v restic > /dev/null || { echo "error: restic is not installed (https://restic.net)" >&2; exit 2; }
export RESTIC_REPOSITORY="$repository"

case "$phase" in
  list)
    restic snapshots --tag etcd
    ;;
  fetch)
    snapshot="${3:-}"
    target="${4:-}"
    [[ -n "$snapshot" && -n "$target" ]] || usage
    if [[ -e "$target/backup" ]]; then
      echo "error: $target/backup exists already; fetch into an empty directory" >&2
      exit 1
    fi
    # The backup holds the cluster's CA keys: a new directory is readable by this user only.
    [[ -d "$target" ]] || { mkdir -p "$(dirname "$target")" && mkdir -m 700 "$target"; }
    restic restore "$snapshot" --tag etcd --target "$target"
    snapshots=("$target"/backup/*snapshot.db)
    if [[ ! -f "${snapshots[0]}" || ! -f "$target/backup/pki/kubernetes/ca.key" || ! -f "$target/backup/pki/etcd/ca.key" ]]; then
      echo "error: snapshot $snapshot lacks the etcd snapshot or the PKI under $target/backup; choose another (list)" >&2
      exit 1
    fi
    # The encryption configuration kept last before that snapshot was taken (or the first kept, for a snapshot older
    # than every copy): the key its Secrets are encrypted with.
    listing="$(mktemp)"
    trap 'rm -f "$listing"' EXIT
    restic snapshots --json > "$listing"
    key="$(node -e '
      const [listing, wanted] = process.argv.slice(1);
      const all = JSON.parse(require("fs").readFileSync(listing, "utf8")).sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
      const tagged = (tag) => all.filter((s) => (s.tags ?? []).includes(tag));
      const etcd = tagged("etcd");
      const chosen = wanted === "latest" ? etcd[etcd.length - 1] : etcd.find((s) => s.id.startsWith(wanted) || s.short_id === wanted);
      const keys = tagged("encryption-providers");
      if (!chosen || keys.length === 0) process.exit(0);
      const before = keys.filter((k) => Date.parse(k.time) <= Date.parse(chosen.time));
      console.log((before.length > 0 ? before[before.length - 1] : keys[0]).id);
    ' "$listing" "$snapshot")"
    if [[ -z "$key" ]]; then
      echo "warning: the repository keeps no encryption configuration (kubeone-apply keeps it from this project's next deployment on): use the copy an admin kept (docs/RESTORE.md)" >&2
      echo "fetched $snapshot into $target/backup: ${snapshots[0]##*/}, pki/etcd and pki/kubernetes; continue with docs/RESTORE.md step 3"
      exit 0
    fi
    restic restore "$key" --tag encryption-providers --target "$target"
    [[ -s "$target/encryption-providers.yaml" ]] || { echo "error: snapshot $key holds no encryption-providers.yaml" >&2; exit 1; }
    echo "fetched $snapshot into $target/backup: ${snapshots[0]##*/}, pki/etcd and pki/kubernetes; and its encryption configuration ($key) into $target/encryption-providers.yaml; continue with docs/RESTORE.md step 3"
    ;;
  *) usage ;;
esac
