#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, format, typecheck, unit, integration (real PostgreSQL,
# Redis, git) with the fault suite and a production build of the web app beside it, and browser
# tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/lib/prisma-env.sh
started=$(date +%s)
step_started=$started
# Each step's heading, and the previous step's time: CI logs say where the minutes went.
step() {
  local now; now=$(date +%s)
  if [ -n "${step_name:-}" ]; then printf '    (%s: %ss)\n' "$step_name" $((now - step_started)); fi
  step_name=$*; step_started=$now
  printf '\033[1m==> %s\033[0m\n' "$*"
}

step "Lint";            pnpm lint
step "Format";          pnpm format:check
step "Typecheck";       pnpm exec turbo run typecheck --output-logs=errors-only && pnpm exec tsc -p tsconfig.json
results=.proofboard/test-results; rm -rf "$results"; mkdir -p "$results"
vt() { pnpm exec vitest run --project "$1" --reporter=default --reporter=json --outputFile.json="$results/$1.json"; }
# The closing count, with each failed test named: CI keeps only the end of the log.
summary() { node scripts/lib/test-summary.mjs "$results"/unit.json "$results"/integration.json "$results"/faults.json "$results"/e2e.json; }

step "Unit tests";      vt unit
# Beside the integration tests: the fault suite (SIGKILL, Redis emptied, PostgreSQL cut, bad refs,
# races; --full adds the long variants), then the production build of the web app for the browser
# tests. Each suite has its own database, Redis prefix, data folder and processes; both suites
# mostly wait (the two cores were half idle with either alone); and workers of one suite meeting the
# other's guests and workers on one machine is a fault the fault suite is there for.
step "Integration tests (PostgreSQL, Redis, git); beside them the fault suite, then the web build"
( pnpm test:faults >.proofboard/faults.log 2>&1 || exit 1
  pnpm --filter @proofboard/web build >.proofboard/web-build.log 2>&1 || exit 2 ) &
beside=$!
integration_status=0; vt integration || integration_status=$?
beside_status=0; wait "$beside" || beside_status=$?
step "Fault suite (ran beside the integration tests)"; cat .proofboard/faults.log
if [ "$beside_status" = 2 ]; then echo "the web build failed:"; tail -50 .proofboard/web-build.log; fi
if [ "$integration_status" != 0 ] || [ "$beside_status" != 0 ]; then
  summary || true
  echo "integration tests exited $integration_status; fault suite and web build: $beside_status"; exit 1
fi
step "Browser tests (Chromium)"; vt e2e || { summary || true; exit 1; }

step "Summary"
echo "Whole suite in $(( $(date +%s) - started ))s"
summary
