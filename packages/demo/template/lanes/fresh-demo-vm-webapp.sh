#!/usr/bin/env bash
# VM-hosting bundle: a web app VM on plasmavmc + prismnet with state kept in lightningstor.
set -eu
. "$(dirname "$0")/lib.sh"

say "node01..node03 boot as real guests under Proofboard's worker: their consoles are beside this one"
check_component node02 plasmavmc
check_component node02 prismnet
say "node02: webapp VM created, address 10.62.0.10"
pause 1
say "node02: GET http://10.62.0.10/ -> 200"
check_component node02 lightningstor
say "node02: restarting webapp VM"
pause 1
say "node02: webapp state persisted through lightningstor"
pass
