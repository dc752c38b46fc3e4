#!/usr/bin/env bash
# Terraform steps of the deploy workflow, run through make (see .github/github.mk) and usable from a
# workstation with AWS credentials in the environment:
#
#   make tf-init  STACK=relay ENV=staging   init with the remote state of the environment
#   make tf-plan  STACK=relay ENV=staging   plan saved with -out, plus its text for review
#   make tf-apply STACK=relay ENV=staging   apply exactly the saved plan
#   make smoke    STACK=relay ENV=staging   upload an object, wait for its result record
#
# Inputs (environment): BATON_STACK (relay|fifo), BATON_ENV (GitHub environment name), BATON_ARTIFACT (absolute
# path of dist/baton-lambda.zip), AWS_REGION; for the backend either a committed
# terraform/stacks/<stack>/environments/<env>.s3.tfbackend or TF_STATE_BUCKET (+ TF_STATE_KEY_PREFIX, default
# baton/, and TF_STATE_REGION, default AWS_REGION); optionally BATON_DEPLOY_NAME (default baton-<stack>-<env>),
# BATON_TF_PLUGIN_DIR (offline provider mirror), ROLE_PERMISSIONS_BOUNDARY (ARN passed to the stack as
# role_permissions_boundary; terraform/bootstrap outputs it), BATON_PLAN_LOCK=false (plan without taking the state
# lock: the plan role cannot write lock files), BATON_PYTHON, BATON_SMOKE_TIMEOUT and BATON_SMOKE_PREFIX (smoke
# test; the prefix must pass the stack's filter_prefix).
#
# Per stack and environment, build/deploy/<stack>-<env>/ holds what travels from the plan job to the apply job
# (tfplan, plan.txt, terraform.lock.hcl, backend.s3.tfbackend) and build/terraform-data/<stack>-<env>/ is the
# Terraform working directory (TF_DATA_DIR), so several environments never share one .terraform/.
set -euo pipefail

die() {
  echo "deploy: $*" >&2
  exit 2
}

command=${1:-}
# The repository root; tests point BATON_DEPLOY_ROOT at a scratch tree.
root=${BATON_DEPLOY_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
stack=${BATON_STACK:-}
env_name=${BATON_ENV:-}

[[ $stack =~ ^(relay|fifo)$ ]] || die "STACK must be relay or fifo (got '$stack')"
[[ $env_name =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]] ||
  die "ENV must be the name of a GitHub environment: letters, digits, '.', '_', '-' (got '$env_name')"

stack_dir=$root/terraform/stacks/$stack
work=$root/build/deploy/$stack-$env_name
plan_file=$work/tfplan
export TF_DATA_DIR=$root/build/terraform-data/$stack-$env_name
export TF_IN_AUTOMATION=1
mkdir -p "$work" "$TF_DATA_DIR"

tf() {
  terraform -chdir="$stack_dir" "$@"
}

region() {
  local value=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
  [[ $value =~ ^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$ ]] || die "AWS_REGION must be set to a region code (got '$value')"
  echo "$value"
}

# The backend settings of the environment: committed next to the stack, or derived from the variables.
backend_config() {
  local committed=$stack_dir/environments/$env_name.s3.tfbackend
  if [[ -f $committed ]]; then
    echo "$committed"
    return
  fi
  local bucket=${TF_STATE_BUCKET:-} prefix=${TF_STATE_KEY_PREFIX-baton/} state_region=${TF_STATE_REGION:-}
  [[ -n $state_region ]] || state_region=$(region)
  [[ $bucket =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] ||
    die "TF_STATE_BUCKET must name the state bucket (terraform/bootstrap creates it), or commit $committed"
  [[ $prefix =~ ^([A-Za-z0-9!_.()-]+/)*$ ]] || die "TF_STATE_KEY_PREFIX must be a key prefix ending with '/' (got '$prefix')"
  [[ $state_region =~ ^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$ ]] || die "TF_STATE_REGION is not a region code"
  cat >"$work/backend.s3.tfbackend" <<EOF
bucket       = "$bucket"
key          = "${prefix}${stack}/${env_name}.tfstate"
region       = "$state_region"
encrypt      = true
use_lockfile = true
EOF
  echo "$work/backend.s3.tfbackend"
}

init() {
  local backend
  backend=$(backend_config)
  # A plan artifact carries the lock file of its plan: apply installs exactly the providers the plan used.
  if [[ -f $work/terraform.lock.hcl ]]; then
    cp "$work/terraform.lock.hcl" "$stack_dir/.terraform.lock.hcl"
  fi
  # The committed lock file decides the provider version and its checksums; init may not change it.
  local args=(init -input=false -reconfigure -lockfile=readonly "-backend-config=$backend")
  if [[ -n ${BATON_TF_PLUGIN_DIR:-} ]]; then
    args+=("-plugin-dir=$BATON_TF_PLUGIN_DIR")
  fi
  echo "deploy: terraform init $stack ($env_name) with $(grep -E '^(bucket|key)' "$backend" | tr -s ' \n' ' ')"
  tf "${args[@]}"
}

plan() {
  local artifact=${BATON_ARTIFACT:-}
  [[ -f $artifact ]] || die "no Lambda artifact at '$artifact': run make package first (the workflow downloads it)"
  local name=${BATON_DEPLOY_NAME:-baton-$stack-${env_name,,}}
  local args=(plan -input=false "-out=$plan_file")
  # Without the lock a plan can race an apply; the saved plan is then refused at apply (its state is stale).
  case ${BATON_PLAN_LOCK:-true} in
    true) args+=(-lock-timeout=5m) ;;
    false) args+=(-lock=false) ;;
    *) die "BATON_PLAN_LOCK must be true or false (got '$BATON_PLAN_LOCK')" ;;
  esac
  args+=(-var "name=$name" -var "aws_region=$(region)" -var "lambda_zip_path=$artifact")
  local boundary=${ROLE_PERMISSIONS_BOUNDARY:-}
  if [[ -n $boundary ]]; then
    [[ $boundary =~ ^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]{1,512}$ ]] ||
      die "ROLE_PERMISSIONS_BOUNDARY must be the ARN of an IAM policy (terraform/bootstrap output role_permissions_boundary), got '$boundary'"
    args+=(-var "role_permissions_boundary=$boundary")
  elif [[ ${GITHUB_ACTIONS:-} == true ]]; then
    echo "::warning::ROLE_PERMISSIONS_BOUNDARY is not set: a deploy role from terraform/bootstrap creates execution roles only with its permissions boundary (terraform output github_variables)."
  fi
  # Committed settings of the environment (tags, alarm actions, sizes...) come last and win.
  if [[ -f $stack_dir/environments/$env_name.tfvars ]]; then
    args+=("-var-file=environments/$env_name.tfvars")
  fi
  rm -f "$plan_file" "$work/plan.txt"
  tf "${args[@]}"
  tf show -no-color "$plan_file" >"$work/plan.txt"
  cp "$stack_dir/.terraform.lock.hcl" "$work/terraform.lock.hcl"
  echo "deploy: saved plan $plan_file ($(grep -m1 -E '^(Plan:|No changes)' "$work/plan.txt" || echo 'see plan.txt'))"
  if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then
    {
      echo "### Terraform plan: $stack / $env_name"
      echo
      echo '```'
      head -c 200000 "$work/plan.txt"
      echo
      echo '```'
    } >>"$GITHUB_STEP_SUMMARY"
  fi
}

apply() {
  [[ -f $plan_file ]] || die "no saved plan at $plan_file: run make tf-plan first (the workflow downloads it)"
  # A saved plan applies exactly what was reviewed; Terraform refuses it if the state moved on since.
  tf apply -input=false -lock-timeout=5m "$plan_file"
}

smoke() {
  tf output -json >"$work/outputs.json"
  local args=(-m consumer.cli smoke --outputs "$work/outputs.json")
  if [[ -n ${BATON_SMOKE_TIMEOUT:-} ]]; then
    args+=(--wait "$BATON_SMOKE_TIMEOUT")
  fi
  if [[ -n ${BATON_SMOKE_PREFIX:-} ]]; then
    args+=(--prefix "$BATON_SMOKE_PREFIX")
  fi
  "${BATON_PYTHON:-python3}" "${args[@]}"
}

case $command in
  init | plan | apply | smoke) "$command" ;;
  *) die "usage: deploy.sh init|plan|apply|smoke" ;;
esac
