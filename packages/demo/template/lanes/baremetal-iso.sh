#!/usr/bin/env bash
# QEMU-as-bare-metal install: ISO boot, phone-home, Disko, reboot, desired-system activation.
set -eu
. "$(dirname "$0")/lib.sh"

say "nix run ./nix/test-cluster#cluster -- baremetal-iso"
. lanes/baremetal-flow.sh
pass
