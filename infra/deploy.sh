#!/usr/bin/env bash
# Builds, validates and deploys one stage: `infra/deploy.sh dev|staging|prod`.
#
# 1. installs pinned tools into infra/.venv-deploy (the SAM CLI, cfn-lint's serverless rules,
#    and cargo-lambda with its Zig linker for arm64), once;
# 2. validates every template (the root, its nested stacks under infra/stacks/, the edge's web
#    ACL) with cfn-lint and the serverless rules and `sam validate --lint`;
# 3. builds every function in one pass (`cargo lambda build --release --arm64` of the
#    workspace's functions) and puts each `bootstrap` under infra/.build/lambda/<function>/,
#    where the nested templates' CodeUri point (removed first, so a stale binary can never be
#    deployed), and prints each artifact's size;
# 4. with the edge on (EDGE=auto, the default, turns it on for staging and prod), deploys the
#    edge's web ACL (infra/edge-waf.yaml) in us-east-1, where CloudFront's web ACLs live;
# 5. `sam deploy` of the root template with the stage's settings from samconfig.toml: it
#    uploads the binaries and the nested templates and creates or updates every stack; then
#    the smoke test against the stage (`cargo run -p rampart-local --bin smoke`), which fails
#    the deploy, printing how to roll back, when the stage does not answer as it should;
# 6. prints the stack's outputs and what to do next.
#
# Needs AWS credentials for the target account (any method the AWS CLI accepts), Rust and
# Python 3. Nothing else is changed on the machine. DRY_RUN=1 stops after the build: it builds
# exactly what a deploy would upload and prints the artifact sizes (DRY_RUN_ARCH=x86_64 builds
# for x86_64 instead, on a machine without Rust's arm64 target).
set -euo pipefail

SAM_CLI_VERSION="1.170.0"
CFN_LINT_SERVERLESS_VERSION="0.3.6"
CARGO_LAMBDA_VERSION="1.9.2"

stage="${1:-}"
# <stage>-standby: a standby stack in the replica region (docs/runbooks/region-failover.md),
# deployed from its own samconfig.toml section.
case "$stage" in
  dev | staging | prod | dev-standby | staging-standby | prod-standby) ;;
  *)
    echo "usage: infra/deploy.sh dev|staging|prod (or <stage>-standby)" >&2
    exit 2
    ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${RAMPART_DEPLOY_VENV:-$ROOT/infra/.venv-deploy}"
STAMP="$VENV/.pinned-sam-$SAM_CLI_VERSION-serverless-$CFN_LINT_SERVERLESS_VERSION-cargo-lambda-$CARGO_LAMBDA_VERSION"
if [ ! -f "$STAMP" ]; then
  echo "== preparing $VENV (aws-sam-cli $SAM_CLI_VERSION, cfn-lint-serverless $CFN_LINT_SERVERLESS_VERSION, cargo-lambda $CARGO_LAMBDA_VERSION)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "aws-sam-cli==$SAM_CLI_VERSION" "cfn-lint-serverless==$CFN_LINT_SERVERLESS_VERSION" \
    "cargo-lambda==$CARGO_LAMBDA_VERSION"
  touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
export SAM_CLI_TELEMETRY=0

templates=(template.yaml infra/stacks/*.yaml infra/edge-waf.yaml)
echo "== validating ${templates[*]}"
cfn-lint "${templates[@]}" --append-rules cfn_lint_serverless.rules
for template in "${templates[@]}"; do
  sam validate --lint --template-file "$template" --config-env "$stage"
done

started=$(date +%s)
build_dir="$ROOT/infra/.build/lambda"
rm -rf "$build_dir"
# The functions run on arm64. A dry run may build for x86_64 instead (DRY_RUN_ARCH=x86_64) on a
# machine without Rust's arm64 target, to measure the build; a deploy never does.
arch_flag=--arm64
if [ -n "${DRY_RUN_ARCH:-}" ]; then
  if [ "${DRY_RUN:-0}" != 1 ] || [ "$DRY_RUN_ARCH" != x86_64 ]; then
    echo "DRY_RUN_ARCH=x86_64 is only for DRY_RUN=1: the functions run on arm64" >&2
    exit 2
  fi
  arch_flag=--x86-64
fi
echo "== building every function in one pass (cargo lambda build --release $arch_flag)"
cargo lambda build --release "$arch_flag" --locked
lambda_out="${CARGO_TARGET_DIR:-$ROOT/target}/lambda"
mkdir -p "$build_dir"
for crate in functions/*/; do
  name=$(basename "$crate")
  mkdir -p "$build_dir/$name"
  cp "$lambda_out/$name/bootstrap" "$build_dir/$name/bootstrap"
done
echo "== built $(ls "$build_dir" | wc -l) functions in $(( $(date +%s) - started )) s; artifacts (binary, zipped):"
python3 - "$build_dir" <<'PY'
import io, os, sys, zipfile
root = sys.argv[1]
total_raw = total_zip = 0
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name, "bootstrap")
    raw = os.path.getsize(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, "bootstrap")
    zipped = len(buffer.getvalue())
    total_raw += raw
    total_zip += zipped
    print(f"  {name:<40} {raw / 1e6:7.2f} MB {zipped / 1e6:7.2f} MB")
print(f"  {'total':<40} {total_raw / 1e6:7.2f} MB {total_zip / 1e6:7.2f} MB")
PY

if [ "${DRY_RUN:-0}" = 1 ]; then
  echo "== DRY_RUN=1: built and validated; not deploying"
  exit 0
fi

# The stage's stack name and parameters, as samconfig.toml gives them.
read -r stack_name overrides < <(python3 - "$stage" <<'PY'
import sys, tomllib
config = tomllib.load(open("samconfig.toml", "rb"))[sys.argv[1]]["deploy"]["parameters"]
print(config["stack_name"], config.get("parameter_overrides", ""))
PY
)
edge="${EDGE:-auto}"
case "$edge" in
  on) edge_on=1 ;;
  off) edge_on=0 ;;
  auto) if [ "$stage" = dev ]; then edge_on=0; else edge_on=1; fi ;;
  *)
    echo "EDGE must be auto, on or off" >&2
    exit 2
    ;;
esac
web_acl=""
if [ "$edge_on" = 1 ]; then
  echo "== deploying the edge's web ACL in us-east-1 (stack $stack_name-edge-waf)"
  sam deploy --template-file infra/edge-waf.yaml --stack-name "$stack_name-edge-waf" \
    --region us-east-1 --no-confirm-changeset --no-fail-on-empty-changeset --resolve-s3
  web_acl=$(sam list stack-outputs --stack-name "$stack_name-edge-waf" --region us-east-1 --output json \
    | python3 -c 'import json,sys; print(next(o["OutputValue"] for o in json.load(sys.stdin) if o["OutputKey"] == "WebAclArn"))')
fi

echo "== deploying stack $stack_name for stage $stage (edge $edge)"
# shellcheck disable=SC2086 # the stage's overrides are already in Key="value" words
sam deploy --config-env "$stage" --template-file template.yaml \
  --parameter-overrides $overrides "Edge=$edge" "EdgeWebAclArn=$web_acl"

echo "== outputs"
sam list stack-outputs --config-env "$stage" --output table || true

# The deploy proves itself: /health, every route as an anonymous caller, and (with
# RAMPART_SMOKE_API_KEY, a key holding internal:write) the synthetic journey.
api_url=$(sam list stack-outputs --config-env "$stage" --output json \
  | python3 -c 'import json,sys; print(next(o["OutputValue"] for o in json.load(sys.stdin) if o["OutputKey"] == "ApiUrl"))')
echo "== smoke test against $api_url"
if ! cargo run -q -p rampart-local --bin smoke -- "$api_url"; then
  cat >&2 <<ROLLBACK

The smoke test failed against the stage just deployed. To roll back, deploy the last good
commit (docs/runbooks/deploy.md#roll-back):

  git checkout <last good tag or commit> && infra/deploy.sh $stage
ROLLBACK
  exit 1
fi

cat <<NEXT

Next (docs/deployment/README.md):
  - the secret (output SecretArn) already holds a generated root_key, so sign-in, tokens,
    sealed fields and rate limits work now; add the integration tokens your stage uses
    (discord_bot_token, smtp_url, pr_intel_webhook_secret, alertmanager_*, oauth_*), then
    force new cold starts (docs/runbooks/deploy.md#after-changing-the-secret);
  - confirm the alarm e-mail subscription (parameter AlarmEmail) or subscribe on-call to
    output AlarmTopicArn;
  - register the Discord commands: cargo run -p rampart-local --bin register-commands;
  - for staging and prod, walk docs/deployment/go-live.md before sending traffic.
NEXT
