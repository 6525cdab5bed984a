#!/usr/bin/env bash
# Regenerates the rendered embeds in docs/orchestrator/embeds/: the black-box tests keep the
# real payloads the bot sent (the status digest from probes alone and with the API's own
# figures, /triage over production-shaped data, a /ship
# release awaiting its decision, the same release after Promote), and headless Chromium renders each to PNG
# (scripts/render_embeds.py). Needs what the test command needs (moto, Chromium).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/test-env.sh
source "$ROOT/scripts/test-env.sh"
ensure_venv
ensure_chromium
OUT="$ROOT/docs/orchestrator/embeds"
mkdir -p "$OUT"
RAMPART_EMBEDS_DIR="$OUT" cargo test -q -p rampart-blackbox-tests --test blackbox -- \
  release_conductor::ship_deploys release_conductor::triage_shows health_snapshot::the_snapshot_stores \
  health_snapshot::the_digest_reports
"$VENV/bin/python" "$ROOT/scripts/render_embeds.py" "$OUT"
