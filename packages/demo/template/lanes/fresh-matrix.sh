#!/usr/bin/env bash
# Composition proof for provider bundles and the deployer -> fleet-scheduler -> node-agent path.
set -eu
. "$(dirname "$0")/lib.sh"

boot node01 node02 node03 node04 node05 node06
check_component node01 deployer
check_component node04 fleet-scheduler
check_component node05 node-agent
pause 0.6
say "bundle 1/2: prismnet + flashdns + fiberlb"
check_component node04 prismnet
check_component node04 flashdns
pause 0.6
check_component node05 fiberlb
say "node05: fiberlb VIP 10.62.1.1 balancing over node04, node06"
pause 0.6
say "bundle 2/2: plasmavmc + coronafs + lightningstor"
check_component node06 plasmavmc
check_component node06 coronafs
check_component node06 lightningstor
pause 0.6
pass
