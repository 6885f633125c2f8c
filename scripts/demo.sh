#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the default example.
# Until `cnfctl up` exists (the orchestration issue), the stand-in is `cnfctl plan` of the
# default example: everything `up` would do, touching nothing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${CNFCTL_BUILD_DIR:-$root/build}
"$here/setup.sh" "$build" >&2
exec "$build/src/cli/cnfctl" plan "$root/examples/testpmd-chain.yaml" "$@"
