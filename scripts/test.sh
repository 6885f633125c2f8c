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

# Then the sanitizer checks (fuzz/README.md), in a clang build of their own with ASan + UBSan:
# a short smoke run of each libFuzzer fuzzer from its committed corpus (CNFCTL_FUZZ_SECONDS each,
# 20 by default), then every unit test under the sanitizers: the test binaries under src/ and
# the bad-input and CLI tests (which run the sanitized cnfctl program), selected by their ctest
# labels; not tests/integration, which drive engines and real NFs. CNFCTL_SANITIZE=0 skips all
# of it; CNFCTL_SANITIZE_TESTS=0 keeps the fuzzer smoke runs but skips the unit tests. -O1 and
# line tables only: the sanitized build compiles about 2.4 times faster than at -O2 -g and
# reports still name file:line.
[ "${CNFCTL_SANITIZE:-1}" = 0 ] && exit 0
sanitize=${CNFCTL_SANITIZE_BUILD_DIR:-$build-sanitize}
fuzzers=(topology lscpu template node_survey vpp_wire vpp_api_client telemetry)
fuzz_targets=()
for f in "${fuzzers[@]}"; do fuzz_targets+=("${f}_fuzzer"); done
unit_labels=()
if [ "${CNFCTL_SANITIZE_TESTS:-1}" = 1 ]; then
  mapfile -t unit_labels < <(cd "$root" && grep -rhoE 'cnfctl_tests\(NAME [a-z0-9_]+' \
    --include=CMakeLists.txt src tests/bad_input tests/cli | awk '{print $2}' | sort -u)
fi
unit_targets=()
for label in "${unit_labels[@]}"; do unit_targets+=("cnfctl_${label}_tests"); done
((${#unit_targets[@]})) && unit_targets+=(cnfctl)
echo "test: building with clang, ASan and UBSan in $sanitize" >&2
CC=clang CXX=clang++ cmake -S "$root" -B "$sanitize" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DCNFCTL_FUZZ=ON -DCNFCTL_TESTS="$(((${#unit_labels[@]})) && echo ON || echo OFF)" \
  -DCNFCTL_WERROR=ON >/dev/null
cmake --build "$sanitize" -j "$(nproc)" --target "${fuzz_targets[@]}" "${unit_targets[@]}"
cd "$sanitize"
echo "test: fuzzer smoke runs: ${fuzzers[*]}" >&2
ctest -R "^fuzz_($(IFS='|'; echo "${fuzzers[*]}"))\$" -j 2 --output-on-failure
if ((${#unit_labels[@]})); then
  # Its ctest run comes last, so the closing lines are its summary.
  echo "test: unit tests under ASan+UBSan: ${unit_labels[*]}" >&2
  ctest -L "^($(IFS='|'; echo "${unit_labels[*]}"))\$" --output-on-failure --timeout 600
fi
