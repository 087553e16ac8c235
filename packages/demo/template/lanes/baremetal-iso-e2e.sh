#!/usr/bin/env bash
# The same canonical ISO flow, run as a flake check: a stand-in for
# `nix build -L .#checks.x86_64-linux.baremetal-iso-e2e` with its output in a pipe. Two real guests
# boot as the test's machines; every line is what nix prints for a NixOS VM test then: the test
# driver's own lines and each machine's serial lines (`<machine> # <line>`), all prefixed with the
# derivation's name, no escape sequences. Proofboard splits the machines' lines into their consoles.
set -eu
. "$(dirname "$0")/lib.sh"
. lanes/guest.sh

guest_preflight
DRV=vm-test-run-baremetal-iso-e2e
log() { printf '%s> %s\n' "$DRV" "$*" >&2; }
# "(finished: <what>, in 3.38 seconds)", as the driver closes a nested block
finished() { log "$1: (finished: $2, in $(printf '%d.%02d' $(( $3 / 100 )) $(( $3 % 100 ))) seconds)"; }
now_cs() { echo $(( $(date +%s%N) / 10000000 )); }

log "Machine state will be reset. To keep it, pass --keep-machine-state"
log "start all VLans"
log "(finished: start all VLans, in 0.00 seconds)"
log "Test will time out and terminate in 3600 seconds"
log "run the VM test script"
log "start all VMs"
started=$(now_cs)
log "baremetal-qemu-control-plane: starting vm"
run_guest_nix_log "$DRV" baremetal-qemu-control-plane deployer,first-boot-automation,install-target,nix-agent &
control=$!
log "baremetal-qemu-worker: starting vm"
run_guest_nix_log "$DRV" baremetal-qemu-worker first-boot-automation,nix-agent &
worker=$!
log "baremetal-qemu-control-plane: waiting for the VM to finish booting"
set +e
wait "$control"; control_status=$?
wait "$worker"; worker_status=$?
set -e
finished baremetal-qemu-control-plane "waiting for the VM to finish booting" $(( $(now_cs) - started ))
for node in baremetal-qemu-control-plane baremetal-qemu-worker; do
  status=$control_status
  [ "$node" = baremetal-qemu-worker ] && status=$worker_status
  log "$node: must succeed: systemctl is-active nix-agent.service"
  if [ "$status" -ne 0 ]; then
    log "!!! Traceback (most recent call last):"
    log "!!!   File \"<string>\", line 14, in <module>"
    log "!!!     $node.succeed(\"systemctl is-active nix-agent.service\")"
    log "!!! "
    log "!!! RequestedAssertionFailed: command \`systemctl is-active nix-agent.service\` failed (exit code 3)"
    log "cleanup"
    printf "error: builder for '/nix/store/9q0ycd2s1w6jn3cf5cd8kqsz1dbk7h1l-%s.drv' failed with exit code 1\n" "$DRV" >&2
    fail "$node: guest verdict FAIL"
  fi
  finished "$node" "must succeed: systemctl is-active nix-agent.service" 4
done
log "cleanup"
log "(finished: cleanup, in 0.02 seconds)"
# The demo's own closing line, as every demo lane ends (nix itself prints nothing on success).
pass
