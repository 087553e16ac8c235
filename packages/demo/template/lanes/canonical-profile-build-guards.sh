#!/usr/bin/env bash
# Realizes every canonical output: a component that does not build fails the guard.
set -eu
. "$(dirname "$0")/lib.sh"

for file in components/*.toml; do
  name=$(basename "$file" .toml)
  [ "$(field "$file" builds)" = true ] || fail "$name does not build: $(field "$file" reason)"
  say "built $name $(field "$file" version)"
  pause 0.15
done
pass
