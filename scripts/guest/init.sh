#!/bin/sh
# PID 1 of Proofboard's demo guests (busybox ash, packed into the initramfs by packages/vm).
#
# The guest reports its verdict through QEMU's exit status, never through its text:
#   pass -> `reboot -f`; with `reboot=t` the kernel triple-faults and QEMU, run with
#           -no-reboot, exits 0.
#   fail -> a byte n (unhealthy services, 1..126; 127 = this script failed) to the
#           isa-debug-exit port 0xf4; QEMU exits (n << 1) | 1, odd and so never 0.
# Nothing else may reset the machine: a kernel panic would reset it too (exit 0, a false
# pass), which is why the kernel runs with panic=0 (halt) and why this script never exits.
#
# Kernel parameters read from /proc/cmdline (dotted names never reach init's argv/env):
#   pb.node=<name>  pb.services=<a,b,c>  pb.hold=1 (shell after the verdict)  pb.probe=1 (boot check)

export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=vt100

# While held, the guest's second serial port (ttyS1; the worker gives it a socket its host can
# reach, which the demo's test-cluster stand-in uses as `ssh NODE`) serves one request line at a time:
#   proofboard-ping               -> "proofboard-pong": the channel is up
#   proofboard-ssh ROWS COLS TOKEN -> "proofboard-ssh-begin", then an interactive shell with the line
#                                    as its controlling tty (so ^C works); when it ends, the escape
#                                    sequence ESC ] proofboard-ssh-end;TOKEN BEL (terminals ignore it;
#                                    the token keeps a session from faking its end)
#   proofboard-release            -> ends the held shell on the console: the guest then reports its
#                                    verdict exactly as after `exit` there, never another one
serve_ssh() {
  node=$1
  # Only PID 1 reports a verdict; this loop must never look like one.
  trap - EXIT
  # Nothing to serve until the held shell runs (a release needs its pid).
  while [ ! -s /run/proofboard-hold.pid ]; do usleep 100000; done
  while :; do
    # A session's end hangs the line up for every file open on it: open it anew each round.
    exec 3<>/dev/ttyS1 || exit 0
    stty sane -echo <&3
    token=""
    while IFS=' ' read -r word rows cols tok <&3; do
      case "$word" in
        proofboard-ping) echo proofboard-pong >&3 ;;
        proofboard-release)
          kill -KILL "$(cat /run/proofboard-hold.pid)" 2>/dev/null
          echo proofboard-released >&3 ;;
        proofboard-ssh) token=$tok; break ;;
      esac
    done
    case "$token" in
      "" | *[!A-Za-z0-9]*) exec 3<&-; usleep 200000; continue ;;
    esac
    case "$rows:$cols" in *[!0-9:]* | :* | *:) rows=24 cols=80 ;; esac
    stty sane rows "$rows" cols "$cols" <&3
    echo proofboard-ssh-begin >&3
    echo "UltraCloud guest $node: ssh session ('exit' ends it)" >&3
    # sh -c is the new session's leader and opens the line itself, so it becomes its controlling tty.
    PS1="root@$node:\\w# " setsid sh -c 'exec sh -i <>/dev/ttyS1 >&0 2>&0'
    exec 3<&-
    exec 3<>/dev/ttyS1 && printf '\033]proofboard-ssh-end;%s\007' "$token" >&3
    exec 3<&-
  done
}
# The third port (ttyS2) carries the session's window size, "ROWS COLS" per line: setting it on
# ttyS1 signals SIGWINCH to what runs there, as a resized terminal would.
serve_winsize() {
  trap - EXIT
  while exec 4<>/dev/ttyS2; do
    stty sane -echo <&4
    while read -r rows cols <&4; do
      case "$rows:$cols" in *[!0-9:]* | :* | *:) continue ;; esac
      stty rows "$rows" cols "$cols" </dev/ttyS1 2>/dev/null
    done
    exec 4<&-
    usleep 200000
  done
}
# Started by PID 1 through `setsid setsid`, so it runs beside the held shell: a `&` job there
# would ignore SIGINT for good, in every shell it starts. The loops run in subshells: setsid made
# this process a session leader, and a leader opening a line takes it as its controlling tty,
# which a session's shell then could not.
if [ "${1:-}" = serve-ssh ] && [ "$$" != 1 ]; then
  [ -e /dev/ttyS2 ] && (serve_winsize) &
  (serve_ssh "${2:-node}")
  exit 0
fi
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The command line is split on blanks below; a stray '*' in it must not glob.
set -f

DEFAULT_SERVICES=chainfire,flaredb,iam,prismnet,plasmavmc,lightningstor,fiberlb,flashdns,deployer,nix-agent,fleet-scheduler,node-agent,k8shost
NODE=node
SERVICES=$DEFAULT_SERVICES
HOLD=0
PROBE=0
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    pb.node=*) NODE=${arg#pb.node=} ;;
    pb.services=*) SERVICES=${arg#pb.services=} ;;
    pb.hold=1) HOLD=1 ;;
    pb.probe=1) PROBE=1 ;;
  esac
done
case "$NODE" in "" | *[!A-Za-z0-9._-]*) NODE=node ;; esac
hostname "$NODE"

hang() {
  echo "proofboard: $1; halting" >&2
  while :; do sleep 3600; done
}

# QEMU's isa-debug-exit device: writing v makes QEMU exit with status (v << 1) | 1.
debug_exit() {
  printf "\\$(printf %03o "$1")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
  hang "isa-debug-exit did not stop the VM (device missing?)"
}

finish() {
  sync
  if [ "$1" -eq 0 ]; then
    reboot -f
    hang "reboot did not stop the VM"
  fi
  n=$1
  [ "$n" -gt 126 ] && n=126
  debug_exit "$n"
}

# Reaching the end of this script or dying on an error must not look like a pass.
trap 'debug_exit 127' EXIT

detail() {
  case "$1" in
    chainfire) echo "raft term 3, 3 voters" ;;
    flaredb) echo "12 regions, leader on $NODE" ;;
    iam) echo "token issuer ready, 2 signing keys" ;;
    prismnet) echo "ovn northbound in sync, 4 logical switches" ;;
    plasmavmc) echo "kvm capacity 8 vcpus, 0 failed domains" ;;
    lightningstor) echo "3/3 replicas, 0 degraded chunks" ;;
    coronafs) echo "export /shared mounted by 3 clients" ;;
    flashdns) echo "zone cloud.internal serial 2026100201" ;;
    fiberlb) echo "2 listeners, 6/6 backends up" ;;
    apigateway) echo "142 routes loaded" ;;
    nightlight) echo "14 scrape targets up, 0 firing alerts" ;;
    creditservice) echo "ledger balanced, 0 pending invoices" ;;
    k8shost) echo "apiserver ready, 3 nodes Ready" ;;
    deployer) echo "install plan generation 42 applied" ;;
    nix-agent) echo "system closure active, 0 pending switches" ;;
    fleet-scheduler) echo "0 pending placements" ;;
    node-agent) echo "heartbeat ok, 0 drifted units" ;;
    first-boot-automation) echo "first-boot markers present" ;;
    install-target) echo "disk layout verified" ;;
    *) echo "responding" ;;
  esac
}

# One health line; returns 1 when the commit's component file says `healthy = false`.
check() {
  svc=$1
  f=/proofboard/components/$svc.toml
  if [ -f "$f" ] && grep -Eq '^[[:space:]]*healthy[[:space:]]*=[[:space:]]*false([[:space:]#]|$)' "$f"; then
    # The reason is text from a commit: strip control bytes so it cannot drive the terminal.
    reason=$(sed -n 's/^[[:space:]]*reason[[:space:]]*=[[:space:]]*"\(.*\)"[[:space:]]*$/\1/p' "$f" | head -n 1 | tr -d '\000-\037\177' | cut -c1-200)
    printf '\033[1;31m[FAILED]\033[0m %s: %s\n' "$svc" "${reason:-unhealthy}"
    return 1
  fi
  printf '\033[32m[  OK  ]\033[0m %s: healthy (%s)\n' "$svc" "$(detail "$svc")"
}

echo
echo "UltraCloud guest $NODE (kernel $(uname -r))"

if [ "$PROBE" = 1 ]; then
  echo "RESULT: PASS $NODE (probe)"
  trap - EXIT
  finish 0
fi

failed=0
total=0
IFS=,
for svc in $SERVICES; do
  case "$svc" in "" | *[!a-z0-9-]*) continue ;; esac
  total=$((total + 1))
  # Health probes take a moment on a real node; the pause also makes the console read like one.
  usleep 100000
  check "$svc" || failed=$((failed + 1))
done
unset IFS

if [ "$failed" -eq 0 ]; then
  echo "RESULT: PASS $NODE ($total services healthy)"
else
  echo "RESULT: FAIL $NODE ($failed unhealthy)"
fi

if [ "$HOLD" = 1 ]; then
  echo "proofboard: $NODE is held for inspection; 'exit' ends the hold with the result above"
  [ -e /dev/ttyS1 ] && setsid setsid /init serve-ssh "$NODE" </dev/null >/dev/null 2>&1
  # setsid + cttyhack give the shell the serial line as its controlling tty, so ^C and job control
  # work; its pid is what a release (see serve_ssh) stops.
  PS1="$NODE:\\w# " setsid cttyhack sh -c 'echo $$ >/run/proofboard-hold.pid; exec sh -i'
fi

trap - EXIT
finish "$failed"
