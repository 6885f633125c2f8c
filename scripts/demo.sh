#!/usr/bin/env bash
# The main job: installs what is missing, builds, then brings up the default example (a testpmd
# memif chain in oci containers from the host image), runs traffic for a few seconds, prints the
# per-hop table and tears everything down. Extra arguments go to `cnfctl up`.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${CNFCTL_BUILD_DIR:-$root/build}
"$here/setup.sh" "$build" >&2
exec "$build/src/cli/cnfctl" up "$root/examples/testpmd-chain.yaml" --traffic 5s --rm "$@"
