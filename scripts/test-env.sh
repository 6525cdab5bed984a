#!/usr/bin/env bash
# Prepares the test venv (pinned moto, cfn-lint, PyNaCl, aiosmtpd, Schemathesis, Selenium,
# the SAM CLI, the serverless cfn-lint rules, openapi-spec-validator and openapi-python-client)
# and the pinned npm tools (oidc-provider; the OpenAPI linters and type generator),
# installs Debian's Chromium, chromedriver and Prometheus Alertmanager when missing, and starts
# moto's server mode on a free
# loopback port. Sourced by scripts/test.sh; exports RAMPART_TEST_AWS_ENDPOINT.
set -euo pipefail

MOTO_VERSION="5.2.6"
CFN_LINT_VERSION="1.58.0"
PYNACL_VERSION="1.6.2"
AIOSMTPD_VERSION="1.4.6"
SCHEMATHESIS_VERSION="4.32.5"
SELENIUM_VERSION="4.51.0"
SAM_CLI_VERSION="1.170.0"
CFN_LINT_SERVERLESS_VERSION="0.3.6"
OPENAPI_SPEC_VALIDATOR_VERSION="0.9.0"
OPENAPI_PYTHON_CLIENT_VERSION="0.29.1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${RAMPART_VENV:-$ROOT/.venv-test}"
STAMP="$VENV/.pinned-moto-$MOTO_VERSION-cfnlint-$CFN_LINT_VERSION-pynacl-$PYNACL_VERSION-aiosmtpd-$AIOSMTPD_VERSION-schemathesis-$SCHEMATHESIS_VERSION-selenium-$SELENIUM_VERSION-sam-$SAM_CLI_VERSION-serverless-$CFN_LINT_SERVERLESS_VERSION-openapi-spec-validator-$OPENAPI_SPEC_VALIDATOR_VERSION-openapi-python-client-$OPENAPI_PYTHON_CLIENT_VERSION"

ensure_venv() {
  if [ ! -f "$STAMP" ]; then
    echo "== preparing $VENV (moto $MOTO_VERSION, cfn-lint $CFN_LINT_VERSION, PyNaCl $PYNACL_VERSION, aiosmtpd $AIOSMTPD_VERSION, schemathesis $SCHEMATHESIS_VERSION, selenium $SELENIUM_VERSION, aws-sam-cli $SAM_CLI_VERSION, cfn-lint-serverless $CFN_LINT_SERVERLESS_VERSION, openapi-spec-validator $OPENAPI_SPEC_VALIDATOR_VERSION, openapi-python-client $OPENAPI_PYTHON_CLIENT_VERSION)"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
      "moto[server]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION" "PyNaCl==$PYNACL_VERSION" \
      "aiosmtpd==$AIOSMTPD_VERSION" "schemathesis==$SCHEMATHESIS_VERSION" \
      "selenium==$SELENIUM_VERSION" "aws-sam-cli==$SAM_CLI_VERSION" \
      "cfn-lint-serverless==$CFN_LINT_SERVERLESS_VERSION" \
      "openapi-spec-validator==$OPENAPI_SPEC_VALIDATOR_VERSION" \
      "openapi-python-client==$OPENAPI_PYTHON_CLIENT_VERSION"
    touch "$STAMP"
  fi
  # An independent Ed25519 signer for the Discord signature tests, and the SMTP server
  # (aiosmtpd, scripts/smtp_sink.py) the mailer tests deliver to.
  export RAMPART_TEST_PYTHON="$VENV/bin/python"
  export RAMPART_TEST_SMTP_SINK="$ROOT/scripts/smtp_sink.py"
}

# `npm ci` in a folder of pinned npm tools, once per version of its package-lock.json.
npm_ci_once() {
  local dir="$1" what="$2"
  local stamp="$dir/node_modules/.rampart-lock-$(sha256sum "$dir/package-lock.json" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "== installing $what into $dir/node_modules (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
}

# A real OpenID Connect provider for the OAuth tests: oidc-provider from npm, pinned by
# scripts/oidc-provider/package-lock.json and installed with `npm ci` next to its server script.
ensure_oidc_provider() {
  npm_ci_once "$ROOT/scripts/oidc-provider" "oidc-provider"
  export RAMPART_TEST_OIDC_PROVIDER="$ROOT/scripts/oidc-provider/server.mjs"
}

# The OpenAPI linters (Redocly CLI, Spectral) and openapi-typescript with the TypeScript
# compiler, pinned by scripts/openapi-tools/package-lock.json and installed with `npm ci`.
ensure_openapi_tools() {
  npm_ci_once "$ROOT/scripts/openapi-tools" "the OpenAPI tools"
  OPENAPI_TOOLS="$ROOT/scripts/openapi-tools/node_modules/.bin"
  export OPENAPI_TOOLS
}

# The console's toolchain (esbuild, TypeScript, openapi-typescript) with its one runtime
# library (qrcode-generator) and axe-core for the browser test, pinned by
# shared/console/web/package-lock.json.
ensure_console_tools() {
  npm_ci_once "$ROOT/shared/console/web" "the console's toolchain"
  CONSOLE_TOOLS="$ROOT/shared/console/web/node_modules/.bin"
  export CONSOLE_TOOLS
}

# Debian's Chromium and its chromedriver, for the browser test (scripts/browser_cookies.py).
# They track the Debian release rather than an exact build: Debian's security archive keeps only
# the current build of a browser, so an exact pin would stop installing at its next update.
# The test prints the version it ran.
ensure_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "chromium and chromium-driver are missing and this user cannot install them;" >&2
    echo "run: apt-get install chromium chromium-driver" >&2
    exit 1
  fi
  echo "== installing Debian's chromium and chromium-driver (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
}

# Debian's Prometheus Alertmanager, for the test that points the real thing at the webhook
# (tests/blackbox/alertmanager_real.rs). Like Chromium it tracks the Debian release.
ensure_alertmanager() {
  if ! command -v prometheus-alertmanager >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "prometheus-alertmanager is missing and this user cannot install it;" >&2
      echo "run: apt-get install prometheus-alertmanager" >&2
      exit 1
    fi
    echo "== installing Debian's prometheus-alertmanager (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      prometheus-alertmanager >/dev/null
  fi
  RAMPART_TEST_ALERTMANAGER="$(command -v prometheus-alertmanager)"
  export RAMPART_TEST_ALERTMANAGER
}

free_port() {
  "$VENV/bin/python" - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

start_moto() {
  local port log
  port="$(free_port)"
  log="$ROOT/.test-work/moto.log"
  mkdir -p "$ROOT/.test-work"
  # Our launcher, not the stock `moto_server`: it serialises requests the way DynamoDB
  # serialises writes to one item (see scripts/moto_server.py).
  "$VENV/bin/python" "$ROOT/scripts/moto_server.py" 127.0.0.1 "$port" >"$log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    if "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
      export RAMPART_TEST_AWS_ENDPOINT="http://127.0.0.1:$port"
      echo "== moto server mode listening on $RAMPART_TEST_AWS_ENDPOINT (pid $MOTO_PID)"
      return 0
    fi
    if ! kill -0 "$MOTO_PID" 2>/dev/null; then
      echo "moto failed to start; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "moto did not answer on port $port within 10 s; its log:" >&2
  cat "$log" >&2
  return 1
}

stop_moto() {
  if [ -n "${MOTO_PID:-}" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
}
