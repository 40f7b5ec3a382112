#!/usr/bin/env bash
# Builds @threadline/client into libs/client/dist: the SDK as ES module and CommonJS bundles (no dependency, no
# Node module: they run in browsers too), a browser bundle for <script type="module"> pages, the `threadline` CLI
# (an ES module for Node; commander and ws stay dependencies) and the type declarations (tsc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT=../..
ESBUILD="$ROOT/node_modules/.bin/esbuild"
rm -rf dist
common=(--bundle --target=es2022 --log-level=warning)
"$ESBUILD" src/index.ts "${common[@]}" --platform=neutral --format=esm --outfile=dist/index.mjs
"$ESBUILD" src/index.ts "${common[@]}" --platform=node --format=cjs --outfile=dist/index.cjs
"$ESBUILD" src/index.ts "${common[@]}" --platform=browser --format=esm --outfile=dist/threadline-client.browser.js
"$ESBUILD" src/cli/main.ts "${common[@]}" --platform=node --format=esm --external:commander --external:ws \
  --banner:js='#!/usr/bin/env node' --outfile=dist/cli.mjs
chmod +x dist/cli.mjs
"$ROOT/node_modules/.bin/tsc" -p tsconfig.types.json
