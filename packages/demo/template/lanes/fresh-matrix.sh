#!/usr/bin/env bash
# Composition proof for provider bundles and the deployer -> fleet-scheduler -> node-agent path.
set -eu
. "$(dirname "$0")/lib.sh"

say "node01..node03 boot as real guests under Proofboard's worker: their consoles are beside this one"
check_component node01 deployer
check_component node02 fleet-scheduler
check_component node03 node-agent
pause 0.6
say "bundle 1/2: prismnet + flashdns + fiberlb"
check_component node02 prismnet
check_component node02 flashdns
pause 0.6
check_component node03 fiberlb
say "node03: fiberlb VIP 10.62.1.1 balancing over node02, node01"
pause 0.6
say "bundle 2/2: plasmavmc + coronafs + lightningstor"
check_component node01 plasmavmc
check_component node01 coronafs
check_component node01 lightningstor
pause 0.6
pass
