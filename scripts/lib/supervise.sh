#!/usr/bin/env bash
# supervise.sh NAME CMD [ARG...]: runs CMD and starts it again whenever it dies (a crash, the OOM
# killer, a SIGKILL), waiting 1 s, then longer after quick repeated deaths (up to 30 s). Stopping
# the supervisor's process group (start.sh --stop, Ctrl-C) stops both. Runs that lived 60 s reset the wait.
set -uo pipefail
name="$1"; shift
wait_s=1
while :; do
  started=$(date +%s)
  "$@"
  code=$?
  if [ $(( $(date +%s) - started )) -ge 60 ]; then wait_s=1; fi
  echo "{\"time\":\"$(date -u +%Y-%m-%dT%H:%M:%S.000Z)\",\"level\":\"error\",\"component\":\"supervise\",\"msg\":\"$name exited (status $code); starting it again in ${wait_s} s\"}" >&2
  sleep "$wait_s"
  wait_s=$(( wait_s * 2 > 30 ? 30 : wait_s * 2 ))
done
