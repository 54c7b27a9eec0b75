#!/usr/bin/env bash
# Creates or updates the state stack, whose own state lives in the bucket it creates.
#
#   npx cdktf synth && scripts/bootstrap-state.sh [stack-dir]      (default: cdktf.out/stacks/state)
#
# Safe to run on every pipeline run (the pipeline's terraform-backend-prepare job does):
# - bucket exists:  terraform init + apply against the remote state (converges the bucket's settings);
# - bucket missing: apply once with a local state file (via a Terraform override file that swaps the
#   backend), then move that state into the new bucket with `terraform init -migrate-state`.
# Interrupted runs are recovered: a local bootstrap state left on this machine is applied and migrated;
# a bucket whose state was lost with a throw-away CI runner is imported into the state stack.
set -euo pipefail

if [[ "${1:-}" == --help || "${1:-}" == -h ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
dir="${1:-cdktf.out/stacks/state}"
if [[ ! -f "$dir/cdk.tf.json" ]]; then
  echo "error: $dir/cdk.tf.json not found; run 'npx cdktf synth' first" >&2
  exit 2
fi
cd "$dir"

override=bootstrap_override.tf.json
imports=bootstrap_import.tf.json
local_state=bootstrap.tfstate
lock=(-lock-timeout=5m)

migrate_local_state() {
  rm -f "$override"
  echo "moving the state stack's state from $local_state into the bucket"
  terraform init -input=false -migrate-state -force-copy
  rm -f "$local_state" "$local_state.backup"
}

# Import blocks for every resource of the stack, by name: the buckets and the lock table are addressed by their
# names, and the bucket's settings resources by the bucket's name.
write_imports() {
  node -e '
    const stack = require(require("path").resolve("cdk.tf.json"));
    const backend = Object.values(stack.terraform.backend)[0];
    const blocks = Object.entries(stack.resource || {}).flatMap(([type, resources]) =>
      Object.entries(resources).map(([name, r]) => ({
        to: `${type}.${name}`,
        id: typeof r.name === "string" && !r.name.includes("${") ? r.name : backend.bucket,
      })));
    process.stdout.write(JSON.stringify({ import: blocks }, null, 2) + "\n");
  ' >"$imports"
}

# Never leave the swapped backend or the import blocks behind, whatever happens below.
trap 'rm -f "$override" "$imports"' EXIT

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
  if [[ -z "$(terraform state list)" ]]; then
    # The bucket exists but its state does not know it: lost with the runner of an interrupted first run
    # (or the bucket was made by hand). Adopt what exists instead of failing on "bucket already exists".
    echo "state bucket found but its state is empty: importing the state stack's resources"
    write_imports
  else
    echo "state bucket found: applying the state stack against its remote state"
  fi
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
