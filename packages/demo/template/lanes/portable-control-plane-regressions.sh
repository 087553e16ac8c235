#!/usr/bin/env bash
# TCG-safe aggregate of the non-KVM boundaries; not the publishable multi-node proof.
set -eu
. "$(dirname "$0")/lib.sh"

say "deployer-bootstrap-e2e"
check_component node01 deployer
pause 0.6
say "host-lifecycle-e2e"
check_component node01 node-agent
pause 0.6
say "deployer-vm-smoke"
check_component node01 nix-agent
pause 0.6
say "fleet-scheduler-e2e"
check_component node01 fleet-scheduler
pause 0.6
pass
