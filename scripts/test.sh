#!/usr/bin/env bash
# The one test command (`npm test`): installs what the tests need, lints, type-checks, runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-deps.sh
npx biome check .
npx tsc -p tsconfig.json --noEmit
node scripts/run-tests.mjs "$@"
