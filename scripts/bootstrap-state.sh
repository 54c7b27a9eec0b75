#!/usr/bin/env bash
# Creates or updates the state stack, whose own state lives in the bucket it creates.
#
#   npx cdktf synth && scripts/bootstrap-state.sh [stack-dir]      (default: cdktf.out/stacks/state)
#
# Safe to run on every pipeline run (the pipeline's terraform-backend-prepare job does):
# - bucket exists:  terraform init + apply against the remote state (converges the bucket's settings);
# - bucket missing: apply once with a local state file (via a Terraform override file that swaps the
#   backend), then move that state into the new bucket with `terraform init -migrate-state`.
# A local bootstrap state left by an interrupted run is migrated first instead of being forgotten.
set -euo pipefail

dir="${1:-cdktf.out/stacks/state}"
if [[ ! -f "$dir/cdk.tf.json" ]]; then
  echo "error: $dir/cdk.tf.json not found; run 'npx cdktf synth' first" >&2
  exit 2
fi
cd "$dir"

override=bootstrap_override.tf.json
local_state=bootstrap.tfstate
lock=(-lock-timeout=5m)

migrate_local_state() {
  rm -f "$override"
  echo "moving the state stack's state from $local_state into the bucket"
  terraform init -input=false -migrate-state -force-copy
  rm -f "$local_state" "$local_state.backup"
}

# Never leave the swapped backend behind, whatever happens below.
trap 'rm -f "$override"' EXIT

if [[ -s "$local_state" ]]; then
  # An earlier run created the bucket but stopped before moving its state there.
  printf '{"terraform":{"backend":{"local":{"path":"%s"}}}}\n' "$local_state" >"$override"
  terraform init -input=false -reconfigure
  migrate_local_state
fi

if init_log=$(terraform init -input=false -reconfigure 2>&1); then
  echo "state bucket found: applying the state stack against its remote state"
  terraform apply -input=false -auto-approve "${lock[@]}"
  exit 0
fi

if ! grep -qiE "bucket does not exist|bucket doesn't exist|NoSuchBucket|bucket .* does not exist" <<<"$init_log"; then
  echo "$init_log" >&2
  echo "error: terraform init failed for a reason other than a missing state bucket (see above)" >&2
  exit 1
fi

echo "state bucket missing: creating it with a local state file first"
printf '{"terraform":{"backend":{"local":{"path":"%s"}}}}\n' "$local_state" >"$override"
terraform init -input=false -reconfigure
terraform apply -input=false -auto-approve "${lock[@]}"
migrate_local_state
echo "state bucket created; every stack now keeps its state there"
