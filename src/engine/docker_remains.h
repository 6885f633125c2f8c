// What a dockerd that died mid-`up` leaves in its containerd (issue 10 item 9), read from the
// node's process table: the shims serving a container, the clean-up containerd runs itself for a
// dead shim after its restart (`containerd-shim ... delete`, `runc delete`), and where a dockerd
// keeps its containerd. Pure parsers, unit-tested; DockerEngine::remove_remains() acts on them.
#pragma once

#include <string>
#include <vector>

namespace cnfctl::engine {

/// One process of a listing: for each process its pid, then its argv one per line, then an
/// empty line (what docker_engine.cc's process-naming script prints).
struct ListedProcess {
  std::string pid;
  std::vector<std::string> argv;
};

std::vector<ListedProcess> parse_process_listing(const std::string& listing);

/// A containerd shim process: its pid and the containerd socket it was started for.
struct ShimProcess {
  std::string pid;
  std::string address;
};

/// The containerd-shim processes serving container `id` in containerd's `moby` namespace, from
/// `listing`; other processes (and shims running their `delete` clean-up) are ignored.
std::vector<ShimProcess> shims_serving(const std::string& listing, const std::string& id);

/// True when `listing` holds containerd's own clean-up of container `id`: a shim started with
/// the `delete` action or a `runc ... delete` of it. It removes the container's cgroup when it
/// ends; destroy waits for it rather than racing it.
bool cleanup_running(const std::string& listing, const std::string& id);

/// Where the dockerd answering at `daemon_host` ("" = the default socket) keeps its containerd.
struct DockerdPaths {
  std::string exec_root;           // --exec-root, default /var/run/docker
  std::string containerd_address;  // --containerd, else <exec_root>/containerd/containerd.sock
};

/// From a listing of the node's dockerd processes (argv[0] named dockerd); empty fields when no
/// dockerd listens at `daemon_host`.
DockerdPaths dockerd_paths(const std::string& listing, const std::string& daemon_host);

}  // namespace cnfctl::engine
