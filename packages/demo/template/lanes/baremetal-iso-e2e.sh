#!/usr/bin/env bash
# The same canonical ISO flow, run as a flake check.
set -eu
. "$(dirname "$0")/lib.sh"

say "nix build .#checks.x86_64-linux.baremetal-iso-e2e"
pause 0.5
. lanes/baremetal-flow.sh
pass
