#!/usr/bin/env bash
# Writes the SQL Prisma's own migration would run between two schemas, offline:
#
#   scripts/prisma-diff.sh base.prisma target.prisma > pair.prisma-diff.sql
#
# Prisma's CLI (pinned in scripts/prisma-diff/package-lock.json) is installed once into
# ${XDG_CACHE_HOME:-~/.cache}/rampart-prisma-diff, without its install scripts (they would
# download native engines). It then runs its bundled WebAssembly schema engine against a
# driver adapter that reaches no database and reports PostgreSQL 16.4. MySQL schemas are not
# supported by that engine. Used to add fixture pairs for the schema-diff agreement test
# (docs/internal/schema_diff.md); not part of the test command.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 base.prisma target.prisma > pair.prisma-diff.sql" >&2
  exit 2
fi
base=$(realpath "$1")
target=$(realpath "$2")
source_dir=$(cd "$(dirname "$0")/prisma-diff" && pwd)
tool_dir="${XDG_CACHE_HOME:-$HOME/.cache}/rampart-prisma-diff"
mkdir -p "$tool_dir"
for file in package.json package-lock.json prisma.config.ts stub-adapter.mjs; do
  cp "$source_dir/$file" "$tool_dir/$file"
done
if ! cmp -s "$tool_dir/package-lock.json" "$tool_dir/node_modules/.installed-lock" 2>/dev/null; then
  (cd "$tool_dir" && npm ci --ignore-scripts --no-audit --no-fund >&2)
  cp "$tool_dir/package-lock.json" "$tool_dir/node_modules/.installed-lock"
fi
# Paths that exist, so the CLI never looks for (or downloads) native engines.
touch "$tool_dir/no-query-engine" "$tool_dir/no-schema-engine"
cd "$tool_dir"
PRISMA_QUERY_ENGINE_LIBRARY="$tool_dir/no-query-engine" \
PRISMA_SCHEMA_ENGINE_BINARY="$tool_dir/no-schema-engine" \
PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1 \
  ./node_modules/.bin/prisma migrate diff \
    --from-schema-datamodel "$base" --to-schema-datamodel "$target" --script \
  | grep -v '^Loaded Prisma config'
