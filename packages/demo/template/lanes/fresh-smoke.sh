#!/usr/bin/env bash
# Base multi-node gate: readiness, core behaviour and fault injection on a fresh cluster.
set -eu
. "$(dirname "$0")/lib.sh"

say "preflight: nested virtualization not required by the demo"
boot node01 node02 node03 node04 node05 node06
for component in chainfire flaredb iam; do
  check_component node01 "$component"
done
check_component node01 deployer
for node in node01 node02 node03; do
  check_component "$node" nix-agent
done
pause 0.4
check_component node04 fleet-scheduler
check_component node05 node-agent
say "node05: heartbeat received by fleet-scheduler"
pause 0.4
say "fault injection: stopping chainfire on node02"
pause 0.6
say "node01: chainfire leader re-elected, quorum 2/3"
check_component node06 k8shost
say "node06: tenant pod and service reachable"
pause 0.3
pass
