#!/usr/bin/env bash
# A short run of one fuzzer from its committed corpus, which it never writes into: new inputs go
# to a scratch corpus removed afterwards; a finding is saved under <artifact dir>/ and fails.
# Usage: fuzz/run_fuzzer.sh <fuzzer binary> <corpus dir> <seconds> <artifact dir> [libFuzzer flags]
# Environment: CNFCTL_FUZZ_SECONDS overrides <seconds>.
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=${CNFCTL_FUZZ_SECONDS:-$3} artifacts=$4
shift 4
scratch=$(mktemp -d "${TMPDIR:-/tmp}/cnfctl-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"
dict=$(dirname "$corpus")/../$(basename "$corpus").dict
dict_flag=()
[ -f "$dict" ] && dict_flag=("-dict=$dict")
"$fuzzer" "$scratch" "$corpus" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/$(basename "$fuzzer")-" "${dict_flag[@]}" "$@"
