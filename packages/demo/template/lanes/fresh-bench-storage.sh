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
# The figures follow what the commit contains (each component file's checksum), so commits
# differ for a reason and a change to lightningstor moves its throughput.
figure() { echo $(( $(cksum < "components/$1.toml" | cut -d' ' -f1) % $2 )); }
write=$(( 380 + $(figure lightningstor 60) ))
iops=$(( 17000 + $(figure lightningstor 2500) ))
read=$(( 620 + $(figure coronafs 70) ))
say "lightningstor: seq write $write MiB/s, rand 4k write $iops IOPS"
say "coronafs: seq read $read MiB/s"
echo "PROOFBOARD_METRIC lightningstor_seq_write=$write MiB/s"
echo "PROOFBOARD_METRIC lightningstor_rand_write_iops=$iops IOPS"
echo "PROOFBOARD_METRIC coronafs_seq_read=$read MiB/s"
pass
