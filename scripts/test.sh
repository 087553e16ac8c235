#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, format, typecheck, unit, integration (real PostgreSQL,
# Redis, git), the fault suite, a production build of the web app, and browser tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/lib/prisma-env.sh
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
started=$(date +%s)

step "Lint";            pnpm lint
step "Format";          pnpm format:check
step "Typecheck";       pnpm exec turbo run typecheck --output-logs=errors-only && pnpm exec tsc -p tsconfig.json
results=.proofboard/test-results; rm -rf "$results"; mkdir -p "$results"
vt() { pnpm exec vitest run --project "$1" --reporter=default --reporter=json --outputFile.json="$results/$1.json"; }

step "Unit tests";      vt unit
step "Integration tests (PostgreSQL, Redis, git)"; vt integration
# Real faults (SIGKILL, Redis emptied, PostgreSQL cut, bad refs, races); --full adds the long variants.
step "Fault suite";     pnpm test:faults
step "Build the web app"; pnpm --filter @proofboard/web build >.proofboard/web-build.log 2>&1 \
  || { tail -50 .proofboard/web-build.log; exit 1; }
step "Browser tests (Chromium)"; vt e2e

echo "Whole suite in $(( $(date +%s) - started ))s"
node scripts/lib/test-summary.mjs "$results"/unit.json "$results"/integration.json "$results"/faults.json "$results"/e2e.json
