#!/usr/bin/env bash
# Builds, validates and deploys one stage: `infra/deploy.sh dev|staging|prod`.
#
# 1. installs pinned tools into infra/.venv-deploy (the SAM CLI, cfn-lint's serverless rules,
#    and cargo-lambda with its Zig linker for arm64), once;
# 2. validates template.yaml (cfn-lint with the serverless rules, `sam validate --lint`);
# 3. `sam build`: every function crate compiled for arm64 by cargo-lambda into .aws-sam/build
#    (removed first, so a stale build can never be deployed);
# 4. `sam deploy` of exactly that build with the stage's settings from samconfig.toml;
#    then the smoke test against the stage (`cargo run -p rampart-local --bin smoke`), which
#    fails the deploy, printing how to roll back, when the stage does not answer as it should;
# 5. prints the stack's outputs and what to do next.
#
# Needs AWS credentials for the target account (any method the AWS CLI accepts), Rust and
# Python 3. Nothing else is changed on the machine. DRY_RUN=1 stops after the build.
set -euo pipefail

SAM_CLI_VERSION="1.170.0"
CFN_LINT_SERVERLESS_VERSION="0.3.6"
CARGO_LAMBDA_VERSION="1.9.2"

stage="${1:-}"
case "$stage" in
  dev | staging | prod) ;;
  *)
    echo "usage: infra/deploy.sh dev|staging|prod" >&2
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
# SAM's cargo-lambda build method is a beta feature of the SAM CLI.
export SAM_CLI_BETA_RUST_CARGO_LAMBDA=1

echo "== validating template.yaml"
cfn-lint template.yaml --append-rules cfn_lint_serverless.rules
sam validate --lint --template-file template.yaml --config-env "$stage"

echo "== building every function for arm64 (sam build, cargo-lambda)"
rm -rf .aws-sam/build
sam build --config-env "$stage" --template-file template.yaml

if [ "${DRY_RUN:-0}" = 1 ]; then
  echo "== DRY_RUN=1: built and validated; not deploying"
  exit 0
fi

echo "== deploying stack for stage $stage"
sam deploy --config-env "$stage" --template-file .aws-sam/build/template.yaml

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
