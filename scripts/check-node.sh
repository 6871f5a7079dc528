#!/usr/bin/env bash
# Checks that the `node` on PATH satisfies package.json's "engines": { "node": ">=X.Y.Z" },
# comparing the full version (20.18.0 is too old for >=20.18.1), and says which is needed.
# Exit status 0 when it does, 1 (with one line on stderr) when it does not.
set -euo pipefail
cd "$(dirname "$0")/.."

# Read without node: the node on PATH may be missing or too old to run anything else.
required=$(sed -n 's/^[[:space:]]*"node":[[:space:]]*">=[[:space:]]*\([0-9][0-9.]*\)".*/\1/p' package.json | head -n 1)
if [ -z "$required" ]; then
  echo "renderbay setup: cannot read the required Node version (engines.node \">=X.Y.Z\") from package.json" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1; then
  echo "renderbay setup: Node $required or newer is required, and no node is on PATH" >&2
  exit 1
fi
found=$(node --version 2>/dev/null | sed 's/^v//')
# sort -V orders version numbers field by field: the requirement must not come after what was found.
if [ -z "$found" ] || [ "$(printf '%s\n%s\n' "$required" "$found" | sort -V | head -n 1)" != "$required" ]; then
  echo "renderbay setup: Node $required or newer is required (found ${found:-no version} at $(command -v node))" >&2
  exit 1
fi
