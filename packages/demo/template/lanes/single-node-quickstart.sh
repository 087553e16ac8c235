#!/usr/bin/env bash
# One-box entrypoint: boots the minimal VM stack and checks the required single-node components.
# Its VM writes its serial console to a log file, which Proofboard tails as the node01 console.
set -eu
. "$(dirname "$0")/lib.sh"
. lanes/guest.sh

guest_preflight
say "building nixosConfigurations.single-node-quickstart"
pause 0.3
if run_guest_to_file node01 chainfire,flaredb,iam,prismnet,plasmavmc; then
  say "node01: guest verdict PASS"
else
  fail "node01: guest verdict FAIL (exit $?)"
fi
pass
