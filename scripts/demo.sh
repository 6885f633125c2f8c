#!/usr/bin/env bash
# The main job: installs what is missing, builds, then brings up the default example (a testpmd
# memif chain in oci containers from the host image), runs traffic for a few seconds, prints the
# per-hop table and tears everything down. Extra arguments go to `cnfctl up`.
#
# With `--engine docker` and no docker daemon answering, a private dockerd (its own socket, data
# and exec roots in a temporary directory; no iptables, no bridge) runs for the demo and is
# removed afterwards, as on a fresh machine where no daemon runs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
build=${CNFCTL_BUILD_DIR:-$root/build}
"$here/setup.sh" "$build" >&2

dockerd_dir=""
dockerd_pid=""

stop_private_dockerd() {
  if [ -n "$dockerd_pid" ]; then
    # Its managed containerd writes /tmp/containerd.<pid>.stacks.log when stopped.
    local children
    children=$(pgrep -P "$dockerd_pid" 2>/dev/null || true)
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
    for child in $children; do rm -f "/tmp/containerd.$child.stacks.log"; done
  fi
  dockerd_pid=""
  if [ -n "$dockerd_dir" ]; then
    # dockerd unmounts its layers on a clean exit; anything left is unmounted before removal.
    { grep -F " $dockerd_dir/" /proc/self/mountinfo || true; } | awk '{print $5}' | sort -r |
      while read -r mount_point; do umount -l "$mount_point" 2>/dev/null || true; done
    rm -rf --one-file-system "$dockerd_dir"
    dockerd_dir=""
  fi
}

start_private_dockerd() {
  dockerd_dir=$(mktemp -d /tmp/cnfctl-demo-dockerd.XXXXXX)
  local socket="unix://$dockerd_dir/docker.sock"
  local ip6=() help
  help=$(dockerd --help 2>/dev/null || true)
  [[ $help == *--ip6tables* ]] && ip6=(--ip6tables=false)
  for driver in overlay2 vfs; do
    dockerd --iptables=false "${ip6[@]}" --bridge=none --exec-opt native.cgroupdriver=cgroupfs \
      --storage-driver="$driver" -H "$socket" --data-root "$dockerd_dir/data" \
      --exec-root "$dockerd_dir/exec" --pidfile "$dockerd_dir/dockerd.pid" \
      </dev/null >>"$dockerd_dir/dockerd.log" 2>&1 &
    dockerd_pid=$!
    for _ in $(seq 1 300); do
      if docker --host "$socket" version >/dev/null 2>&1; then
        export DOCKER_HOST=$socket
        echo "demo: started a private dockerd ($driver) at $socket" >&2
        return 0
      fi
      kill -0 "$dockerd_pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
    dockerd_pid=""
  done
  echo "demo: could not start dockerd; its log ends with:" >&2
  tail -n 5 "$dockerd_dir/dockerd.log" >&2
  return 1
}

wants_docker=false
previous=""
for arg in "$@"; do
  if [ "$arg" = "--engine=docker" ] || { [ "$previous" = "--engine" ] && [ "$arg" = docker ]; }; then
    wants_docker=true
  fi
  previous=$arg
done

if $wants_docker && ! docker version >/dev/null 2>&1; then
  trap stop_private_dockerd EXIT
  trap 'exit 130' INT TERM
  start_private_dockerd
fi

status=0
"$build/src/cli/cnfctl" up "$root/examples/testpmd-chain.yaml" --traffic 5s --rm "$@" || status=$?
exit "$status"
