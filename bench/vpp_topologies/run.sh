#!/usr/bin/env bash
# Every VPP topology example (and nginx+LDP) with the real VPP of the build tree: for each,
# `up` (its time), the memif states VPP reports through its binary API right after `up`
# returns (`ps --json` nf_detail), a 5 s trial with the run's generator (end-to-end Mpps and the
# per-hop table), then `down`. Prints one markdown section per example.
#
#   bash bench/vpp_topologies/run.sh [BUILD_DIR] [EXAMPLE.yaml ...]
# Needs root and the extracted VPP (BUILD_DIR/vpp/tree/vpp, made by the build). The two-DUT
# example needs the SSH test hosts and is not run here (tests/integration/vpp_topologies is).
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
shift || true
cnfctl=$build/src/cli/cnfctl
vpp=$build/vpp/tree/vpp
examples=("$@")
if [ ${#examples[@]} -eq 0 ]; then
  examples=(vpp-chain vpp-chain-functional vpp-chain-ip4 vpp-pipeline-ip4-traffic
            vpp-chain-vswitch vpp-chain-ipsec nginx-ldp)
fi
scratch=$(mktemp -d /var/tmp/cnfctl-vpp-table.XXXXXX)
export CNFCTL_STATE_DIR=$scratch/state CNFCTL_RUN_DIR=$scratch/run
trap 'for r in "$scratch"/state/runs/*; do [ -e "$r" ] && "$cnfctl" down -q "$(basename "$r")"; done; rm -rf "$scratch"' EXIT

for example in "${examples[@]}"; do
  file=$here/examples/${example%.yaml}.yaml
  run=vt-${example%.yaml}
  echo "### $example"
  echo
  echo '```'
  echo "cnfctl up examples/${example%.yaml}.yaml --vpp-prefix $vpp --name $run"
  echo "cnfctl traffic $run --duration 5s"
  echo '```'
  if ! "$cnfctl" up "$file" --vpp-prefix "$vpp" --name "$run" --json >"$scratch/up.json" \
       2>"$scratch/up.err"; then
    echo "up failed:"; sed 's/^/    /' "$scratch/up.err"; echo; continue
  fi
  "$cnfctl" ps "$run" --json >"$scratch/ps.json"
  python3 - "$scratch/up.json" "$scratch/ps.json" <<'PY'
import json, sys
up = json.load(open(sys.argv[1]))
ps = json.load(open(sys.argv[2]))
print(f"up: {up['elapsed_ms']} ms, {len(up['containers'])} containers ready\n")
print("| container | NF | right after up |")
print("|---|---|---|")
for r in ps:
    for c in r["containers"]:
        detail = c.get("nf_detail", "")
        if c.get("nf") == "vpp" and "; " in detail:
            detail = detail.split("; ")[-1]
        print(f"| {c['name']} | {c.get('nf', '')} | {detail} |")
print()
PY
  echo '```'
  "$cnfctl" traffic "$run" --duration 5s 2>/dev/null || echo "traffic failed"
  echo '```'
  echo
  "$cnfctl" down -q "$run"
done
