#!/usr/bin/env bash
# Runs every fuzz target of the repository for a while each, outside CI:
#   scripts/fuzz.sh [minutes per target, default 5] [target name regexp, default all]
# A crasher is written by go test to <package>/testdata/fuzz/<target>/ and stays there:
# commit it, and plain `go test` replays it as a regression case from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-5}"
only="${2:-.}"
failed=()
for target in $(grep -rhoE '^func (Fuzz[A-Za-z0-9_]+)' --include='*_test.go' . | awk '{print $2}' | sort -u | grep -E "$only"); do
  pkg=$(grep -rlE "^func $target\(" --include='*_test.go' . | head -1 | xargs dirname)
  echo "== $target in $pkg for ${minutes}m"
  if ! go test -run='^$' -fuzz="^$target\$" -fuzztime="${minutes}m" "$pkg"; then
    failed+=("$target")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "crashers found by: ${failed[*]} (see testdata/fuzz/ in their packages)" >&2
  exit 1
fi
echo "no crasher found"
