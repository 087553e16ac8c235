#!/usr/bin/env bash
# The same canonical ISO flow, run as a flake check: its VM's serial lines come through the
# NixOS test driver's output (ESC[2m node # line ESC[0m on stderr).
set -eu
. "$(dirname "$0")/lib.sh"
. lanes/guest.sh

guest_preflight
say "nix build .#checks.x86_64-linux.baremetal-iso-e2e"
pause 0.3
if run_guest_driver baremetal-qemu-control-plane deployer,first-boot-automation,install-target,nix-agent; then
  say "baremetal-qemu-control-plane: desired system active"
else
  fail "baremetal-qemu-control-plane: guest verdict FAIL"
fi
pass
