#!/usr/bin/env bash
# One-box entrypoint: boots the minimal VM stack and checks the required single-node components.
set -eu
. "$(dirname "$0")/lib.sh"

say "building nixosConfigurations.single-node-quickstart"
pause 0.4
boot node01
for component in chainfire flaredb iam prismnet plasmavmc; do
  say "node01: waiting for $component"
  pause 0.3
  check_component node01 "$component"
done
pass
