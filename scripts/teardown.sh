#!/usr/bin/env bash
# Tears one environment down, in the order that leaves nothing behind in the cloud and keeps the state:
#
#   scripts/teardown.sh confirm <env>     refuses unless KKP_TEARDOWN_CONFIRM is exactly <env>
#   scripts/teardown.sh cluster <env>     (kubeconfig and tf.json at hand) stops Flux, deletes KKP's user clusters,
#                                         then `kubeone reset`: LoadBalancer services and volumes, workers, nodes
#   scripts/teardown.sh stacks <env> <dns stack dir> <cluster stack dir>
#                                         (after the tunnel is closed) destroys the DNS stack, then the cluster stack;
#                                         the DNS stack's inputs come as TF_VAR_* (their values do not matter to destroy)
#
# The teardown job runs the three in order. The state bucket, its lock and every stack's state file stay: the
# environment can be deployed again from them, and `cdktf destroy` of the state stack is refused (prevent_destroy).
set -euo pipefail

phase="${1:-}"
env="${2:-}"
manifest="${KUBEONE_MANIFEST:-kubeone/kubeone.yaml}"
# How long KKP may take to remove its user clusters' cloud resources; KubeOne waits for its own phases.
clusters_timeout="${KKP_CLUSTERS_TIMEOUT:-45m}"

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&"${1:-2}"
  exit "${2:-2}"
}
[[ "$phase" == --help || "$phase" == -h ]] && usage 1 0
[[ -n "$env" ]] || usage

case "$phase" in
  confirm)
    if [[ "${KKP_TEARDOWN_CONFIRM:-}" != "$env" ]]; then
      echo "error: tearing down $env destroys its cluster, KKP with every user cluster it manages, and its DNS records." >&2
      echo "       Type the environment's name, $env, as the confirmation (got '${KKP_TEARDOWN_CONFIRM:-}')." >&2
      exit 1
    fi
    echo "confirmed: tearing down $env"
    ;;

  cluster)
    # Nothing below may mistake an unreachable API for an empty cluster: that would reset the master while KKP's
    # user clusters keep running in the cloud, unmanaged.
    if ! kubectl get --raw /readyz > /dev/null; then
      echo "error: the cluster's API does not answer; nothing was removed. Check the tunnel and the kubeconfig, then run the teardown again." >&2
      exit 1
    fi
    # Flux first: it would re-apply the Seed, Project and components while they are being removed.
    for deployment in $(kubectl -n flux-system get deployments -o name); do
      kubectl -n flux-system scale "$deployment" --replicas=0
    done
    # KKP removes each user cluster's machines, volumes and load balancers (in the Preset's account) while its
    # controllers still run; the master's reset below would orphan them.
    if ! kkp_crd="$(kubectl get crd clusters.kubermatic.k8c.io --ignore-not-found -o name)"; then
      echo "error: could not tell whether KKP is installed (see above); nothing was removed" >&2
      exit 1
    fi
    if [[ -n "$kkp_crd" ]]; then
      echo "deleting KKP's user clusters (waiting up to $clusters_timeout for their cloud resources to go)"
      if ! kubectl delete clusters.kubermatic.k8c.io --all --wait=true --timeout="$clusters_timeout"; then
        echo "error: KKP's user clusters were not removed within $clusters_timeout; these remain:" >&2
        kubectl get clusters.kubermatic.k8c.io >&2 || true
        echo "       Re-run the teardown once they are gone (KKP keeps retrying), or remove their cloud resources by hand." >&2
        exit 1
      fi
    else
      echo "KKP is not installed (no clusters.kubermatic.k8c.io): no user clusters to delete"
    fi
    # KubeOne blocks new Services, PVs and Pods with webhooks, deletes every LoadBalancer Service (the Gateway's,
    # nodeport-proxy) and every dynamically provisioned, unretained volume, destroys the machine-controller workers
    # and resets the control plane. What it leaves would otherwise block the network's deletion or keep costing.
    # The same credentials file as kubeone apply, from the CI secret, in a private file removed on exit.
    credentials="$(mktemp)"
    trap 'rm -f "$credentials"' EXIT
    printf '%s\n' "${KUBEONE_CREDENTIALS:?the KubeOne credentials secret is not set}" > "$credentials"
    kubeone reset --manifest "$manifest" --tfjson tf.json --credentials "$credentials" --auto-approve \
      --remove-lb-services=true --remove-volumes=true --destroy-workers=true
    ;;

  stacks)
    dns="${3:-}"
    cluster="${4:-}"
    [[ -n "$dns" && -n "$cluster" ]] || usage
    for dir in "$dns" "$cluster"; do
      [[ -f "$dir/cdk.tf.json" ]] || { echo "error: $dir/cdk.tf.json not found; run 'npx cdktf synth' first" >&2; exit 2; }
    done
    for dir in "$dns" "$cluster"; do
      terraform -chdir="$dir" init -input=false -lock-timeout=5m
      terraform -chdir="$dir" destroy -input=false -lock-timeout=5m -auto-approve
    done
    echo "$env is torn down; its state files remain in the state backend, so deploying it again starts from them"
    ;;

  *) usage ;;
esac
