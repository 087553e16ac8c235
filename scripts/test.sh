#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, typecheck, unit, integration (real PostgreSQL,
# Redis, git), a production build of the web app, and browser tests in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/lib/prisma-env.sh
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
started=$(date +%s)

step "Lint";            pnpm lint
step "Typecheck";       pnpm exec turbo run typecheck --output-logs=errors-only && pnpm exec tsc -p tsconfig.json
step "Unit tests";      pnpm exec vitest run --project unit
step "Integration tests (PostgreSQL, Redis, git)"; pnpm exec vitest run --project integration
step "Build the web app"; pnpm --filter @proofboard/web build >/tmp/proofboard-web-build.log 2>&1 \
  || { tail -50 /tmp/proofboard-web-build.log; exit 1; }
step "Browser tests (Chromium)"; pnpm exec vitest run --project e2e

echo "All tests passed in $(( $(date +%s) - started ))s"
