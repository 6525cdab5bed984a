#!/usr/bin/env bash
# Regenerates the screenshots in docs/console/: the browser test of the console
# (scripts/browser_console.py) walks every page with data it produces and saves each as a PNG
# (1280 CSS pixels wide; the status page also at a phone's 390). Needs what the test command
# needs (Chromium, the console's toolchain, the test venv).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/test-env.sh
source "$ROOT/scripts/test-env.sh"
ensure_venv
ensure_console_tools
ensure_chromium
OUT="$ROOT/docs/console"
mkdir -p "$OUT"
rm -f "$OUT"/*.png
"$VENV/bin/python" "$ROOT/scripts/browser_console.py" --screenshots "$OUT"
