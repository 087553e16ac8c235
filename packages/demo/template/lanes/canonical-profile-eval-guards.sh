#!/usr/bin/env bash
# Fail-first drift gate: every component file and lane script of the commit must evaluate.
set -eu
. "$(dirname "$0")/lib.sh"

for file in components/*.toml; do
  name=$(basename "$file" .toml)
  [ "$(field "$file" name)" = "$name" ] || fail "$file: name does not match the file name"
  case "$(field "$file" healthy)" in true | false) ;; *) fail "$file: healthy must be true or false" ;; esac
  case "$(field "$file" builds)" in true | false) ;; *) fail "$file: builds must be true or false" ;; esac
done
say "evaluated $(ls components/*.toml | wc -l) component definitions"
pause 1
for script in lanes/*.sh; do
  bash -n "$script" || fail "$script does not parse"
done
say "evaluated every lane script"
pause 1
pass
