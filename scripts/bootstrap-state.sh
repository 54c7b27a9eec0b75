#!/usr/bin/env bash
# Creates or updates the state stack, whose own state lives in the bucket it creates.
#
#   npx cdktf synth && scripts/bootstrap-state.sh [stack-dir]      (default: cdktf.out/stacks/state)
#
# Safe to run on every pipeline run (the pipeline's terraform-backend-prepare job does):
# - bucket exists:  terraform init + apply against the remote state (converges the bucket's settings);
# - bucket missing: apply once with a local state file (via a Terraform override file that swaps the
#   backend), then move that state into the new bucket with `terraform init -migrate-state`.
# Interrupted runs are recovered, wherever they stopped: a local bootstrap state left on this machine is applied
# and migrated; when the bucket exists but its state misses resources (lost with a throw-away CI runner, or an
# earlier recovery that stopped), each missing one is imported if it exists and created by the apply if not. A
# DynamoDB lock table that does not exist yet cannot lock: that run goes without locking and creates it.
set -euo pipefail

if [[ "${1:-}" == --help || "${1:-}" == -h ]]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
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

# Every resource of the stack as "<address> <import id>", those referring to no other first (the bucket before
# its settings): the buckets and the lock table are imported by their names, the bucket's settings by its name.
stack_resources() {
  node -e '
    const stack = require(require("path").resolve("cdk.tf.json"));
    const backend = Object.values(stack.terraform.backend)[0];
    const rows = Object.entries(stack.resource || {}).flatMap(([type, resources]) =>
      Object.entries(resources).map(([name, r]) => [`${type}.${name}`, typeof r.name === "string" && !r.name.includes("${") ? r.name : backend.bucket, JSON.stringify(r).includes("${")]));
    rows.sort(([, , a], [, , b]) => Number(a) - Number(b));
    for (const [address, id] of rows) console.log(address, id);
  '
}

# The backend's DynamoDB lock table, if it locks with one.
lock_table() {
  node -e 'const b = Object.values(require(require("path").resolve("cdk.tf.json")).terraform.backend)[0]; process.stdout.write(b.dynamodb_table || "")'
}

# Imports `address` (id `id`) into the remote state: 0 imported, 3 it does not exist (the apply creates it), else fail.
import_if_exists() {
  local address="$1" id="$2" out
  shift 2
  if out=$(terraform import -input=false "$@" "$address" "$id" 2>&1); then
    echo "imported $address (it existed)"
    return 0
  fi
  if grep -qE "non-existent remote object|ResourceNotFoundException|NoSuch[A-Za-z]+|[A-Za-z]+NotFoundError" <<<"$out"; then
    echo "$address does not exist yet: the apply creates it"
    return 3
  fi
  echo "$out" >&2
  echo "error: importing $address failed for a reason other than its absence (see above)" >&2
  exit 1
}

# Brings the remote state up to what exists: each resource it does not list is imported if it exists. Sets
# `lock` to skip locking when the lock table itself is missing, so that the apply can create it.
adopt_existing() {
  local listed table table_address="" address id rc
  listed="$(terraform state list)"
  table="$(lock_table)"
  if [[ -n "$table" ]] && ! grep -q '^aws_dynamodb_table\.' <<<"$listed"; then
    # Unknown to the state, so maybe not there: find out without taking the lock it would provide.
    table_address="$(stack_resources | awk '$1 ~ /^aws_dynamodb_table\./ { print $1; exit }')"
    rc=0
    import_if_exists "$table_address" "$table" -lock=false || rc=$?
    if [[ $rc -eq 3 ]]; then
      echo "lock table $table is missing: this run goes without locking and creates it"
      lock=(-lock=false)
    fi
    listed="$(terraform state list)"
  fi
  while read -r address id; do
    grep -qx "$address" <<<"$listed" && continue
    [[ "$address" == "$table_address" ]] && continue
    import_if_exists "$address" "$id" "${lock[@]}" || true
  done < <(stack_resources)
}

# Never leave the swapped backend behind, whatever happens below.
trap 'rm -f "$override"' EXIT

if [[ -s "$local_state" ]]; then
  # An earlier run on this machine stopped before moving its local state into the bucket: finish its apply
  # (which creates the bucket if that step never happened), then migrate.
  echo "found $local_state from an interrupted run: finishing it"
  printf '{"terraform":{"backend":{"local":{"path":"%s"}}}}\n' "$local_state" >"$override"
  terraform init -input=false -reconfigure
  terraform apply -input=false -auto-approve "${lock[@]}"
  migrate_local_state
fi

if init_log=$(terraform init -input=false -reconfigure 2>&1); then
  echo "state bucket found: applying the state stack against its remote state"
  # What the state does not list may still exist (its state lost with the runner of an interrupted first run, a
  # bucket made by hand): adopt it instead of failing on "already exists".
  adopt_existing
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
