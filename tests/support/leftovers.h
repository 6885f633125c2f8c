// What a run (or an engine test) may leave on this machine, looked for everywhere it can hide:
// mounts, cgroup directories of every hierarchy, state / socket / DPDK / LXC lock directories,
// processes (by command line, environment and cgroup), and the engines' own records (podman's
// containers incl. `--external` ones and its runc states, docker's containers and containerd's
// `moby` namespace). Each finder returns one line per thing found: empty means nothing is left.
// Plain C++ (no GoogleTest), shared by the run, engine and kill integration tests.
#pragma once

#include <string>
#include <vector>

namespace cnfctl::host_fixtures {

/// Cgroup directories (any hierarchy under /sys/fs/cgroup) whose base name contains one of
/// `needles` (empty needles are ignored).
std::vector<std::string> cgroup_dirs_matching(const std::vector<std::string>& needles);

/// Where a run keeps its things and what marks them. Containers of run R are named "R-<name>".
struct RunScope {
  std::string run;        // the run name
  std::string state_dir;  // CNFCTL_STATE_DIR of the run
  std::string run_dir;    // CNFCTL_RUN_DIR of the run
  /// Directories that must not exist any more (e.g. the run's socket dir).
  std::vector<std::string> dirs{};
  /// Command-line substrings of the run's processes besides the run name (e.g. an NF's
  /// "sleep 41234").
  std::vector<std::string> process_markers{};
  /// Engine ids (docker/podman hashes) of the run's containers, seen while it existed: cgroup
  /// dirs, mounts and processes naming one of them are leftovers too.
  std::vector<std::string> ids{};
};

/// Everything of `scope` still on this machine: mounts and cgroup dirs naming the run's
/// containers (LXC's <name>.monitor / <name>.pivot included) or an id; the run's journal dir,
/// `dirs`, entries "R-*" in the engines' state dirs, in /var/run/dpdk and in LXC's lock dir;
/// processes whose command line names the run (conmon -n, lxc monitor, --file-prefix=R-, a
/// podman/docker CLI) or an id (conmon -c, containerd-shim -id) or a marker, whose environment
/// holds MICROSERVICE_LABEL=R-..., or whose cgroup names the run or an id (runc init of a
/// container left in state `created`).
std::vector<std::string> run_leftovers(const RunScope& scope);

/// The podman command with cnfctl's private root under `engine_state`
/// (<CNFCTL_RUN_DIR>/engines/podman), followed by `args`.
std::vector<std::string> podman_argv(const std::string& engine_state,
                                     const std::vector<std::string>& args);

/// Full ids of every container podman knows under `engine_state`, external (storage-only)
/// ones included, plus the storage's container dirs.
std::vector<std::string> podman_ids(const std::string& engine_state);

/// Every container podman has under `engine_state` (`ps -a --external`), storage container
/// dirs left in its storage, and runc containers in its runtime state dir. The root is private
/// to the test, so any of them is a leftover.
std::vector<std::string> podman_leftovers(const std::string& engine_state);

/// The containerd socket of a dockerd whose --exec-root is `exec_root` (its managed containerd).
std::string managed_containerd_socket(const std::string& exec_root);

/// Full ids of every container the daemon at `docker_host` knows and of every container in
/// containerd's `moby` namespace at `containerd_socket` (when it answers).
std::vector<std::string> docker_ids(const std::string& docker_host,
                                    const std::string& containerd_socket);

/// Containers of the daemon at `docker_host` whose name starts with `run`-; every container and
/// task in the `moby` namespace of `containerd_socket` (a private daemon: all are leftovers),
/// and containerd-shim processes serving that socket.
std::vector<std::string> docker_leftovers(const std::string& docker_host,
                                          const std::string& containerd_socket,
                                          const std::string& run);

}  // namespace cnfctl::host_fixtures
