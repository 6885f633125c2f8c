#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with warnings as errors, checks the
# formatting, and runs every unit, bad-input and integration test (integration tests need root).
# Usage: scripts/test.sh [ctest args...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${CNFCTL_BUILD_DIR:-$root/build}

CNFCTL_WERROR=ON "$here/setup.sh" "$build"

echo "test: checking clang-format" >&2
mapfile -t sources < <(cd "$root" && git ls-files --cached --others --exclude-standard \
  -- '*.cc' '*.h' | sort -u)
(cd "$root" && clang-format --dry-run --Werror "${sources[@]}")

echo "test: running ctest" >&2
cd "$build"
ctest --output-on-failure --timeout 600 "$@"
