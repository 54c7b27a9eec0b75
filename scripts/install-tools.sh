#!/usr/bin/env bash
# Installs pinned command-line tools below a directory (default ~/.kkp-tools) that CI caches by version:
# binaries in bin/, the KKP release (installer and its Helm charts) in kubermatic/.
#
#   scripts/install-tools.sh [--dir DIR] [terraform=1.11.4] kubeone=1.11.2 kubermatic-installer=v2.28.3 kubectl=v1.32.9 helm=v3.17.3 flux=2.6.4 restic=0.19.1
#
# A tool already present at the wanted version (a cache hit) is not downloaded again. Downloads are checked
# against the checksums their publishers release next to them (KKP publishes none at the time of writing; its
# archive is then only protected by TLS, and the script says so).
set -euo pipefail

if [[ "${1:-}" == --help || "${1:-}" == -h ]]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
root="$HOME/.kkp-tools"
if [[ "${1:-}" == "--dir" ]]; then root="$2"; shift 2; fi
dir="$root/bin"
mkdir -p "$dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
os=linux
arch=amd64

fetch() { curl -fsSL --retry 3 -o "$2" "$1"; }

# verify FILE SUMS_FILE: the sums file lists "<sha256>  <name>"; the line for FILE's name must match.
verify() {
  local file="$1" sums="$2" name
  name="$(basename "$file")"
  grep -E "[[:space:]]\*?${name}\$" "$sums" | sed -E 's/^([0-9a-f]{64}).*/\1  '"$name"'/' >"$work/check"
  [[ -s "$work/check" ]] || { echo "no checksum for $name" >&2; exit 1; }
  (cd "$(dirname "$file")" && sha256sum -c "$work/check" >/dev/null)
}

# from_zip TOOL ARCHIVE_URL SUMS_URL: a single binary named TOOL inside a zip whose checksum the sums file lists.
from_zip() {
  local tool="$1" archive
  archive="$work/$(basename "$2")"
  fetch "$2" "$archive"
  fetch "$3" "$work/$tool.sums"
  verify "$archive" "$work/$tool.sums"
  unzip -q -o "$archive" "$tool" -d "$work"
  install -m 0755 "$work/$tool" "$dir/$tool"
}

stamp() { echo "$2" >"$dir/.$1.version"; }
current() { [[ -x "$dir/$1" && "$(cat "$dir/.$1.version" 2>/dev/null)" == "$2" ]]; }

for spec in "$@"; do
  tool="${spec%%=*}"
  version="${spec#*=}"
  if current "$tool" "$version"; then
    echo "$tool $version: cached"
    continue
  fi
  case "$tool" in
    terraform)
      # For CI systems without a setup action (GitLab, Bitbucket); GitHub uses hashicorp/setup-terraform.
      v="${version#v}"
      from_zip terraform "https://releases.hashicorp.com/terraform/${v}/terraform_${v}_${os}_${arch}.zip" \
        "https://releases.hashicorp.com/terraform/${v}/terraform_${v}_SHA256SUMS"
      ;;
    kubectl)
      fetch "https://dl.k8s.io/release/${version}/bin/${os}/${arch}/kubectl" "$work/kubectl"
      fetch "https://dl.k8s.io/release/${version}/bin/${os}/${arch}/kubectl.sha256" "$work/kubectl.sha256"
      echo "$(cat "$work/kubectl.sha256")  $work/kubectl" | sha256sum -c - >/dev/null
      install -m 0755 "$work/kubectl" "$dir/kubectl"
      ;;
    helm)
      archive="helm-${version}-${os}-${arch}.tar.gz"
      fetch "https://get.helm.sh/${archive}" "$work/$archive"
      fetch "https://get.helm.sh/${archive}.sha256sum" "$work/helm.sums"
      verify "$work/$archive" "$work/helm.sums"
      tar -xzf "$work/$archive" -C "$work"
      install -m 0755 "$work/${os}-${arch}/helm" "$dir/helm"
      ;;
    flux)
      v="${version#v}"
      archive="flux_${v}_${os}_${arch}.tar.gz"
      fetch "https://github.com/fluxcd/flux2/releases/download/v${v}/${archive}" "$work/$archive"
      fetch "https://github.com/fluxcd/flux2/releases/download/v${v}/flux_${v}_checksums.txt" "$work/flux.sums"
      verify "$work/$archive" "$work/flux.sums"
      tar -xzf "$work/$archive" -C "$work" flux
      install -m 0755 "$work/flux" "$dir/flux"
      ;;
    kubeone)
      v="${version#v}"
      from_zip kubeone "https://github.com/kubermatic/kubeone/releases/download/v${v}/kubeone_${v}_${os}_${arch}.zip" \
        "https://github.com/kubermatic/kubeone/releases/download/v${v}/kubeone_${v}_checksums.txt"
      ;;
    restic)
      # The restic of KubeOne's backups addon, for the encryption configuration kept beside the etcd backups.
      v="${version#v}"
      archive="restic_${v}_${os}_${arch}.bz2"
      fetch "https://github.com/restic/restic/releases/download/v${v}/${archive}" "$work/$archive"
      fetch "https://github.com/restic/restic/releases/download/v${v}/SHA256SUMS" "$work/restic.sums"
      verify "$work/$archive" "$work/restic.sums"
      bunzip2 -c "$work/$archive" >"$work/restic"
      install -m 0755 "$work/restic" "$dir/restic"
      ;;
    kubermatic-installer)
      v="v${version#v}"
      archive="kubermatic-ce-${v}-${os}-${arch}.tar.gz"
      fetch "https://github.com/kubermatic/kubermatic/releases/download/${v}/${archive}" "$work/$archive"
      if fetch "https://github.com/kubermatic/kubermatic/releases/download/${v}/sha256sums.txt" "$work/kkp.sums" 2>/dev/null; then
        verify "$work/$archive" "$work/kkp.sums"
      else
        echo "kubermatic-installer ${v}: the release publishes no checksums; relying on TLS only" >&2
      fi
      # The installer needs the release's charts next to it (--charts-directory).
      rm -rf "$root/kubermatic"
      mkdir -p "$root/kubermatic"
      tar -xzf "$work/$archive" -C "$root/kubermatic"
      ln -sf "$root/kubermatic/kubermatic-installer" "$dir/kubermatic-installer"
      ;;
    *)
      echo "unknown tool: $tool" >&2
      exit 2
      ;;
  esac
  stamp "$tool" "$version"
  echo "$tool $version: installed"
done
