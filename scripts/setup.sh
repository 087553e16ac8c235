#!/usr/bin/env bash
# Installs whatever this machine is missing and prepares the database. Idempotent: every
# step checks first, so a second run takes seconds. Used by start.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/prisma-env.sh
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

need_apt=()
command -v psql >/dev/null && command -v pg_ctlcluster >/dev/null || need_apt+=(postgresql)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v git >/dev/null || need_apt+=(git)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v qemu-system-x86_64 >/dev/null || need_apt+=(qemu-system-x86)
[ -x /bin/busybox ] || need_apt+=(busybox-static)
command -v cpio >/dev/null || need_apt+=(cpio)
command -v zstd >/dev/null || need_apt+=(zstd)
command -v xz >/dev/null || need_apt+=(xz-utils)
if [ ${#need_apt[@]} -gt 0 ]; then
  step "Installing Debian packages: ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  step "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  step "Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

want_pnpm=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$want_pnpm" ]; then
  step "Installing pnpm $want_pnpm"
  npm install -g --silent "pnpm@$want_pnpm"
fi

if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  step "Installing dependencies"
  pnpm install --frozen-lockfile --reporter=silent
fi

if [ ! -f packages/db/src/generated/client.ts ] || [ packages/db/prisma/schema.prisma -nt packages/db/src/generated/client.ts ]; then
  step "Generating the Prisma client"
  (cd packages/db && pnpm exec prisma generate >/dev/null)
fi

db_url="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/proofboard}"
db_name="${db_url##*/}"; db_name="${db_name%%\?*}"
if ! psql "${db_url%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
  step "Creating database $db_name"
  psql "${db_url%/*}/postgres" -qc "CREATE DATABASE \"$db_name\""
fi
# Prisma's migrate lingers ~10 s after its work, so it runs only when a migration is pending.
applied=$(psql "$db_url" -tAc "SELECT string_agg(migration_name, ' ' ORDER BY migration_name) FROM _prisma_migrations WHERE finished_at IS NOT NULL" 2>/dev/null || true)
wanted=$(cd packages/db/prisma/migrations && ls -d */ | tr -d / | sort | paste -sd' ')
if [ "$applied" != "$wanted" ]; then
  step "Applying migrations to $db_name"
  log=.proofboard/migrate.log
  (cd packages/db && DATABASE_URL="$db_url" pnpm exec prisma migrate deploy >"../../$log" 2>&1) \
    || { cat "$log"; echo "migrations failed on $db_url" >&2; exit 1; }
fi
