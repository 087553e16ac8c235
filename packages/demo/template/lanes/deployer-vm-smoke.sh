#!/usr/bin/env bash
# Smallest deployer -> nix-agent regression: activate a host-built closure, no guest compilation.
set -eu
. "$(dirname "$0")/lib.sh"

boot node01
check_component node01 deployer
say "node01: received prebuilt target closure"
pause 0.8
check_component node01 nix-agent
say "node01: switching to target closure"
pause 0.6
say "node01: target closure active without guest-side compilation"
pass
