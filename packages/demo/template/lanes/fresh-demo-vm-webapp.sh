#!/usr/bin/env bash
# VM-hosting bundle: a web app VM on plasmavmc + prismnet with state kept in lightningstor.
set -eu
. "$(dirname "$0")/lib.sh"

boot node01 node02 node03 node04
check_component node04 plasmavmc
check_component node04 prismnet
say "node04: webapp VM created, address 10.62.0.10"
pause 1
say "node04: GET http://10.62.0.10/ -> 200"
check_component node02 lightningstor
say "node04: restarting webapp VM"
pause 1
say "node04: webapp state persisted through lightningstor"
pass
