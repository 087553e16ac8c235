# Boots one real guest with QEMU the way a harness of its own would (sourced after lib.sh).
# The worker exports PROOFBOARD_GUEST_KERNEL / _INITRD / PROOFBOARD_VM_ACCEL when this host has
# the demo guest; without them the lane stops at its preflight (exit 77), like UltraCloud's
# harness does without /dev/kvm. The guest's verdict is QEMU's exit status: 0 passes.

guest_preflight() {
  if [ -z "${PROOFBOARD_GUEST_KERNEL:-}" ] || [ ! -r "${PROOFBOARD_GUEST_KERNEL}" ]; then
    say "preflight: no guest kernel on this host (PROOFBOARD_GUEST_KERNEL); stopping by design"
    exit 77
  fi
  command -v qemu-system-x86_64 >/dev/null || { say "preflight: qemu-system-x86_64 is not installed; stopping by design"; exit 77; }
}

# guest_argv NODE SERVICES SERIAL: fills the array ARGV with the QEMU command line.
guest_argv() {
  node=$1 services=$2 serial=$3
  accel=${PROOFBOARD_VM_ACCEL:-tcg}
  cpu=max
  extra=""
  if [ "$accel" = kvm ]; then
    cpu=host
  else
    # Under TCG the guest cannot calibrate its TSC on microvm; tell it the host's rate.
    mhz=$(sed -n 's/^cpu MHz[^:]*: *\([0-9]*\).*/\1/p' /proc/cpuinfo | head -n 1)
    extra="tsc_early_khz=$(( ${mhz:-2000} * 1000 ))"
  fi
  # The commit's components go into the guest: they decide its health checks.
  rm -rf "work/overlay-$node" && mkdir -p "work/overlay-$node/proofboard"
  cp -r components "work/overlay-$node/proofboard/"
  (cd "work/overlay-$node" && find proofboard | cpio -o -H newc --quiet) > "work/$node-overlay.cpio"
  cat "$PROOFBOARD_GUEST_INITRD" "work/$node-overlay.cpio" > "work/$node.initrd"
  ARGV=(qemu-system-x86_64 -name "$node" -M microvm,pit=on,pic=on,rtc=on -accel "$accel" -cpu "$cpu"
    -m 256 -smp 1 -no-reboot -display none -monitor none -nodefaults -no-user-config
    -kernel "$PROOFBOARD_GUEST_KERNEL" -initrd "work/$node.initrd"
    -append "console=ttyS0 loglevel=6 panic=0 reboot=t tsc=reliable $extra pb.node=$node pb.services=$services"
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial "$serial")
}

# run_guest_to_file NODE SERVICES: the serial console goes to work/serial/NODE.log.
run_guest_to_file() {
  mkdir -p work/serial
  guest_argv "$1" "$2" "file:work/serial/$1.log"
  say "$1: booting (serial log work/serial/$1.log)"
  "${ARGV[@]}" </dev/null
}

# run_guest_nix_log DRV NODE SERVICES: the guest as a NixOS test inside `nix build -L` run through a
# pipe prints it. The driver reads the serial port line by line, drops \r and trailing blanks, and
# prints `NODE # line`; nix prefixes every build-log line with `DRV> ` and, its stderr not being a
# terminal, strips every escape sequence. Returns QEMU's exit status (the guest's verdict). The
# caller prints the driver's `NODE: starting vm` first.
run_guest_nix_log() {
  drv=$1 node=$2
  guest_argv "$node" "$3" stdio
  set +e
  "${ARGV[@]}" </dev/null | tr -d '\r' | sed -u -e 's/\x1b\[[0-9;?]*[ -\/]*[@-~]//g' -e 's/[[:space:]]*$//' | while IFS= read -r line; do
    printf '%s> %s # %s\n' "$drv" "$node" "$line" >&2
  done
  status=${PIPESTATUS[0]}
  set -e
  return "$status"
}
