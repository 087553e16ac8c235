#!/usr/bin/env bash
# Starts Proofboard with the demo target at http://localhost:3000: installs what is missing,
# builds the web app when its sources changed, runs web + worker, seeds the demo once. With
# PROOFBOARD_TARGET_URL naming another repository, it reads that one instead, without the demo.
# Ctrl-C stops both. `--detach` returns once the stack answers (logs in .proofboard/logs);
# `--stop` stops a detached stack.
set -euo pipefail
cd "$(dirname "$0")/.."
stop_previous() {
  [ -f "$1/pids" ] || return 1
  while read -r pid; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done <"$1/pids"
  rm -f "$1/pids"
}
if [ "${1:-}" = "--stop" ]; then
  if stop_previous "${PROOFBOARD_DATA_DIR:-$PWD/.proofboard}/logs"; then echo "stopped"; else echo "nothing to stop: no stack started from this checkout"; fi
  exit 0
fi
bash scripts/setup.sh
source scripts/lib/prisma-env.sh
step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
detach=false; [ "${1:-}" = "--detach" ] && detach=true

export PORT="${PORT:-3000}"
export PROOFBOARD_DATA_DIR="${PROOFBOARD_DATA_DIR:-$PWD/.proofboard}"
demo_dir="$PROOFBOARD_DATA_DIR/demo/ultracloud-demo"
export PROOFBOARD_TARGET_URL="${PROOFBOARD_TARGET_URL:-$demo_dir}"
# A repository of one's own is read as it is: no demo is prepared or seeded into it, and it is
# named after itself unless PROOFBOARD_TARGET_NAME says otherwise.
own_target=false
[ "$(realpath -m -- "$PROOFBOARD_TARGET_URL")" = "$(realpath -m -- "$demo_dir")" ] || own_target=true
if $own_target; then
  # the folder's name: /srv/x/.git and /srv/x.git are both "x"; what a name may not hold becomes "-"
  own_path="${PROOFBOARD_TARGET_URL%/}"; own_path="${own_path%/.git}"
  own_name="$(basename -- "$own_path" .git | tr -c 'A-Za-z0-9._\n-' '-' | sed 's/^[^A-Za-z0-9]*//')"
  export PROOFBOARD_TARGET_NAME="${PROOFBOARD_TARGET_NAME:-${own_name:-target}}"
else
  export PROOFBOARD_TARGET_NAME="${PROOFBOARD_TARGET_NAME:-ultracloud-demo}"
fi
logs="$PROOFBOARD_DATA_DIR/logs"; mkdir -p "$logs"

# A previous start of this checkout is replaced, not duplicated.
if stop_previous "$logs"; then sleep 1; fi

if $own_target; then step "Reading the target repository $PROOFBOARD_TARGET_NAME"; else step "Preparing the demo target repository"; fi
pnpm exec tsx scripts/demo.ts prepare

build_id=apps/web/.next/BUILD_ID
if [ ! -f "$build_id" ] || [ -n "$(find apps/web/src apps/web/next.config.ts packages/*/src -newer "$build_id" -type f -print -quit 2>/dev/null)" ]; then
  step "Building the web app (about a minute on 2 cores)"
  pnpm --filter @proofboard/web build >"$logs/web-build.log" 2>&1 || { tail -40 "$logs/web-build.log"; exit 1; }
fi

# Least privilege on PostgreSQL: the web and this host's worker log in as roles of their own; the
# worker's may change only the runs it claimed (README: Database roles). The demo seed stays on the admin URL.
step "Database roles for web and worker"
admin_db_url="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/proofboard}"
db_tag="$(basename "${admin_db_url%%\?*}" | tr -c 'a-z0-9_\n' '_')"
web_db_url="$(pnpm exec tsx scripts/db-roles.ts web --role "pbweb_$db_tag")"
worker_db_url="$(pnpm exec tsx scripts/db-roles.ts add-worker "${PROOFBOARD_HOST_NAME:-$(hostname)}" --role "pbw_$db_tag")"

# Least privilege on Redis: web and worker each get an ACL user kept to the keys its kind uses.
step "Redis users for web and worker"
pnpm exec tsx scripts/redis-acl.ts apply
web_redis="$(pnpm exec tsx scripts/redis-acl.ts url web)"
worker_redis="$(pnpm exec tsx scripts/redis-acl.ts url worker)"

step "Starting web (port $PORT) and worker; logs in $logs"
# Each under a supervisor that starts it again if it dies (README: Restarts).
DATABASE_URL="$web_db_url" REDIS_URL="$web_redis" setsid bash scripts/lib/supervise.sh web pnpm --filter @proofboard/web start >"$logs/web.log" 2>&1 & echo $! >>"$logs/pids"
DATABASE_URL="$worker_db_url" REDIS_URL="$worker_redis" setsid bash scripts/lib/supervise.sh worker pnpm exec tsx apps/worker/src/main.ts >"$logs/worker.log" 2>&1 & echo $! >>"$logs/pids"

for _ in $(seq 1 120); do curl -fs -o /dev/null "http://localhost:$PORT/" && break; sleep 0.5; done
curl -fs -o /dev/null "http://localhost:$PORT/" || { tail -30 "$logs/web.log"; echo "web did not start" >&2; exit 1; }

if ! $own_target; then
  step "Seeding the demo (first start only; lanes run in the background)"
  setsid pnpm exec tsx scripts/demo.ts seed >"$logs/demo-seed.log" 2>&1 & echo $! >>"$logs/pids"
fi

echo
echo "Proofboard is up: http://localhost:$PORT   (CLI: pnpm proofboard branches)"
if $detach; then exit 0; fi
trap 'echo; echo "stopping"; while read -r pid; do kill -- "-$pid" 2>/dev/null || true; done <"$logs/pids"; rm -f "$logs/pids"; exit 0' INT TERM
tail -n 0 -f "$logs/worker.log" "$logs/web.log"
