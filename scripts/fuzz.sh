#!/usr/bin/env bash
# Runs one fuzz target of shared/ops for a while: `scripts/fuzz.sh prisma_parse 300` or
# `scripts/fuzz.sh junit_ingest 300` (seconds; default 180). The corpus starts from the test
# fixtures; anything that crashes or hangs lands in shared/ops/fuzz/artifacts/<target>/.
# Needs a nightly toolchain (sanitizers); installs the pinned cargo-fuzz if it is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CARGO_FUZZ_VERSION="0.13.1"
target="${1:?usage: scripts/fuzz.sh prisma_parse|junit_ingest [seconds]}"
seconds="${2:-180}"
fuzz_dir="$ROOT/shared/ops/fuzz"
fixtures="$ROOT/shared/ops/tests/fixtures"

case "$target" in
  prisma_parse) seeds=("$fixtures"/prisma/*.prisma) ;;
  junit_ingest) seeds=("$fixtures"/junit/*.xml) ;;
  *) echo "unknown target: $target (prisma_parse or junit_ingest)" >&2; exit 2 ;;
esac

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "cargo fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
  exit 1
fi
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

corpus="$fuzz_dir/corpus/$target"
mkdir -p "$corpus"
cp -n "${seeds[@]}" "$corpus/"

cd "$fuzz_dir"
# -timeout: one input taking longer than 5 s counts as a hang and stops the run.
exec cargo +nightly fuzz run "$target" "$corpus" -- \
  -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
