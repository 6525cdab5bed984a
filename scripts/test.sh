#!/usr/bin/env bash
# Runs every check and test: formatting, clippy on every target (so every function compiles),
# cfn-lint (with the serverless rules) and `sam validate --lint` on every template, the stacks'
# CloudFormation quotas after the SAM transform, cargo-deny,
# the README's run command; the OpenAPI document through openapi-spec-validator, Redocly,
# Spectral and two client generators (a generated Python client driven against the local
# stack); the console's type check and build; Schemathesis, a headless-Chromium cookie test and
# a headless-Chromium walk through every console page (with axe-core) against the local stack,
# then the whole test suite with moto's server mode standing in for
# DynamoDB and Secrets Manager. Fails if any step fails; moto is never skipped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/test-env.sh
source "$ROOT/scripts/test-env.sh"
# No incremental artifacts: they only speed up edit-compile loops, and in a long-lived target
# directory (CI's cache) they grow without bound (tens of gigabytes over a few weeks).
export CARGO_INCREMENTAL=0

started=$(date +%s)
ensure_venv
ensure_oidc_provider
ensure_openapi_tools
ensure_console_tools
ensure_chromium
ensure_alertmanager

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== fuzz targets compile (they run on nightly: scripts/fuzz.sh)"
cargo fmt --manifest-path shared/ops/fuzz/Cargo.toml -- --check
cargo check --locked --manifest-path shared/ops/fuzz/Cargo.toml --bins

# The root stack, its nested stacks and the edge's web ACL.
templates=(template.yaml infra/stacks/*.yaml infra/edge-waf.yaml)

echo "== cfn-lint ${templates[*]}, with the serverless rules (suppressions are justified in the templates)"
"$VENV/bin/cfn-lint" "${templates[@]}" --append-rules cfn_lint_serverless.rules

echo "== sam validate --lint, every template"
for template in "${templates[@]}"; do
  AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-eu-west-1}" SAM_CLI_TELEMETRY=0 \
    "$VENV/bin/sam" validate --lint --template-file "$template"
done

echo "== every stack within 60 % of CloudFormation's quotas after the SAM transform (scripts/stack_quotas.py)"
"$VENV/bin/python" scripts/stack_quotas.py template.yaml

echo "== cargo-deny: advisories, licenses, duplicate versions, sources (scripts/deny.sh)"
scripts/deny.sh

echo "== the README's run command, as written (scripts/readme_commands.py)"
"$VENV/bin/python" scripts/readme_commands.py

echo "== openapi-spec-validator: docs/api/openapi.json is valid OpenAPI 3.1"
"$VENV/bin/openapi-spec-validator" docs/api/openapi.json

echo "== Redocly lint (recommended ruleset) and Spectral (spectral:oas, failing on warnings)"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$OPENAPI_TOOLS/redocly" lint docs/api/openapi.json --config scripts/openapi-tools/redocly.yaml \
  --format=stylish
"$OPENAPI_TOOLS/spectral" lint docs/api/openapi.json --ruleset scripts/openapi-tools/.spectral.yaml \
  --fail-severity=warn --format=text

echo "== openapi-typescript: types generated from docs/api/openapi.json, and a client's use of them compiles"
mkdir -p "$ROOT/.test-work/openapi-ts"
"$OPENAPI_TOOLS/openapi-typescript" docs/api/openapi.json -o .test-work/openapi-ts/schema.d.ts
"$OPENAPI_TOOLS/tsc" -p scripts/openapi-tools/tsconfig.json

echo "== the console: typed against docs/api/openapi.json, and dist/ as its sources build (scripts/console.sh check)"
scripts/console.sh check

echo "== openapi-python-client: a generated client through register, verify, token and projects"
"$VENV/bin/python" scripts/generated_client.py

echo "== schemathesis: every operation of docs/api/openapi.json against the local stack"
"$VENV/bin/python" scripts/api_contract.py

echo "== a real browser: cookie attributes, CSRF, refresh and logout (scripts/browser_cookies.py)"
browser_log="$ROOT/.test-work/browser.log"
mkdir -p "$ROOT/.test-work"
"$VENV/bin/python" scripts/browser_cookies.py | tee "$browser_log"
browser_passed=$(awk '/^browser:/ {print $2}' "$browser_log")

echo "== a real browser: every console page and the status page, with axe-core (scripts/browser_console.py)"
console_log="$ROOT/.test-work/browser-console.log"
"$VENV/bin/python" scripts/browser_console.py | tee "$console_log"
console_passed=$(awk '/^console:/ {print $2}' "$console_log")

trap stop_moto EXIT
start_moto

echo "== cargo test --workspace"
log="$ROOT/.test-work/cargo-test.log"
set +e
cargo test --workspace --locked --no-fail-fast --lib --bins --tests 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
passed=$(( $(awk '/^test result:/ {n += $4} END {print n + 0}' "$log") + ${browser_passed:-0} + ${console_passed:-0} ))
failed=$(awk '/^test result:/ {n += $6} END {print n + 0}' "$log")
if [ "$status" -ne 0 ]; then
  echo "tests: $passed passed, $failed failed"
  exit "$status"
fi
if [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
echo "== all checks passed in $(( $(date +%s) - started )) s"
echo "tests: $passed passed, $failed failed"
