#!/usr/bin/env bash
# Builds the operator console from shared/console/web into shared/console/dist, which is
# committed so that building the functions needs no Node:
#   1. the API types, generated from docs/api/openapi.json (src/api.gen.d.ts, not committed:
#      always generated from the document of the moment);
#   2. a type check of the whole console against them (tsc, strict);
#   3. the bundle and the stylesheet (esbuild, minified, no source maps);
#   4. (build only) the generated files, whose OpenAPI document names the assets by their hash.
#
#   scripts/console.sh build   # writes the types and dist/
#   scripts/console.sh check   # builds into a scratch folder; fails if the committed dist/ differs
#
# Run `build` after changing the console or the API (the route table's OpenAPI document).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/test-env.sh
source "$ROOT/scripts/test-env.sh"
ensure_console_tools

WEB="$ROOT/shared/console/web"
mode="${1:-build}"
case "$mode" in
  build) out_types="$WEB/src/api.gen.d.ts"; out_dist="$ROOT/shared/console/dist" ;;
  check)
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    out_types="$scratch/api.gen.d.ts"; out_dist="$scratch/dist"
    ;;
  *) echo "usage: scripts/console.sh build|check" >&2; exit 2 ;;
esac

"$CONSOLE_TOOLS/openapi-typescript" docs/api/openapi.json -o "$out_types" --silent
if [ "$mode" = check ]; then
  # The committed sources are checked against the types the document gives now.
  cp -r "$WEB/src" "$scratch/src"
  cp "$out_types" "$scratch/src/api.gen.d.ts"
  sed "s#\"include\": \\[\"src\"\\]#\"include\": [\"$scratch/src\"]#" "$WEB/tsconfig.json" > "$scratch/tsconfig.json"
  ln -s "$WEB/node_modules" "$scratch/node_modules"
  "$CONSOLE_TOOLS/tsc" -p "$scratch/tsconfig.json"
  entry="$scratch/src"
else
  "$CONSOLE_TOOLS/tsc" -p "$WEB/tsconfig.json"
  entry="$WEB/src"
fi
mkdir -p "$out_dist"
"$CONSOLE_TOOLS/esbuild" "$entry/main.ts" --bundle --format=esm --target=es2022 --minify \
  --legal-comments=eof --charset=utf8 --log-level=warning --outfile="$out_dist/console.js"
"$CONSOLE_TOOLS/esbuild" "$entry/console.css" --bundle --minify --charset=utf8 \
  --log-level=warning --outfile="$out_dist/console.css"

if [ "$mode" = check ]; then
  stale=0
  for pair in "$out_dist/console.js:shared/console/dist/console.js" \
              "$out_dist/console.css:shared/console/dist/console.css"; do
    if ! cmp -s "${pair%%:*}" "${pair#*:}"; then
      echo "${pair#*:} is not what the sources build; run scripts/console.sh build" >&2
      stale=1
    fi
  done
  exit "$stale"
fi
echo "built: $(wc -c < "$out_dist/console.js") bytes of script, $(wc -c < "$out_dist/console.css") bytes of style"
# The assets' hashed names are part of the OpenAPI document and the generated files.
cargo run -q -p rampart-codegen
