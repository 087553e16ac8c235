# Shared by every demo lane; sourced, never run by itself.
# Pass or fail comes only from the checked-out commit (components/*.toml), so branches differ
# for real reasons. Nothing here touches the network; lanes that boot a guest write under work/.

LANE=$(basename "$0" .sh)
STARTED=$(date +%s)
# Lanes run from any folder; everything they read is relative to the repository's root.
cd "$(dirname "$0")/.."

say() {
  printf '[%s] %s %s\n' "$LANE" "$(date -u +%H:%M:%S)" "$*"
}

fail() {
  say "FAIL: $*" >&2
  exit 1
}

# The demo's stand-in for a VM doing work; keeps every lane between 2 and 6 seconds.
pause() {
  sleep "$1"
}

# Prints the value of `key = value` from a component file, without quotes.
field() {
  sed -n "s/^$2 = //p" "$1" | head -n 1 | sed 's/^"\(.*\)"$/\1/'
}

# check_component NODE NAME: the component must be part of the commit and healthy.
check_component() {
  node=$1
  file="components/$2.toml"
  [ -f "$file" ] || fail "$node: $2 is not part of this commit ($file missing)"
  case "$(field "$file" healthy)" in
    true) say "$node: $2 healthy" ;;
    false) fail "$node: $2 unhealthy: $(field "$file" reason)" ;;
    *) fail "$node: $file has no 'healthy = true|false' line" ;;
  esac
}

# boot NODE...: a lane without real guests only tells what the real harness would boot.
boot() {
  for node in "$@"; do
    say "$node: boot simulated by the demo harness"
  done
  pause 0.8
  for node in "$@"; do
    say "$node: reached multi-user.target"
  done
}

pass() {
  say "PASS: $LANE ($(($(date +%s) - STARTED))s)"
}

say "starting $LANE"
