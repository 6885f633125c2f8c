// What every NF driver needs around the NF's process and its node: the pid of the NF started in
// each container (remembered by the driver, else read back from kNfPidGuestPath so a fresh
// driver finds it), liveness for fatal probe results, and argv commands on the node.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "nf/driver.h"

namespace cnfctl::nf {

/// The pids of the NFs one driver object started, by container id. Thread-safe.
class NfPids {
 public:
  void remember(const std::string& container_id, int pid);
  void forget(const std::string& container_id);

  /// The NF's pid inside its container: remembered by start(), else read from kNfPidGuestPath
  /// (from the node when it is this machine: pid_file_from_node(); else an exec). nullopt when
  /// neither knows it or the container is gone. Never throws.
  std::optional<int> pid_of(const NfContext& ctx);

  /// True while the NF process of the context's container exists (not a zombie); false when
  /// its pid is unknown, it exited, or the container is gone. Looked up from the node, without
  /// an engine exec: the container's /proc as its init sees it (/proc/INIT/root/proc/PID/stat);
  /// an exec (detached_alive) only when the node does not let the runner read it. Never throws.
  bool alive(const NfContext& ctx);

 private:
  std::mutex mutex_;
  std::map<std::string, int> pids_;
};

/// The NF pid file (kNfPidGuestPath) of the context's container read from the node, through its
/// init's root, when the node is this machine: its pid, or an empty optional when there is no
/// pid file. nullopt when the node cannot look (not this machine, no init, no access): ask the
/// container then. Never throws.
std::optional<std::optional<int>> pid_file_from_node(const NfContext& ctx);

/// pid_file_from_node() for a container whose init has node pid `init` (> 1) on this machine.
std::optional<std::optional<int>> pid_file_through_init(int init);

/// The readiness verdict for an NF whose process is gone: fatal, with `seen` and the NF log's
/// tail in the detail. Never throws.
Readiness nf_exited(const NfContext& ctx, const std::string& seen);

/// True when `node` runs commands on this machine (sockets on the node are reachable directly).
bool is_local_node(process::Runner& node);

/// A path on this machine through which the unix stream socket `path` on the container's node
/// can be connected: `path` itself when the node is this machine, else a local socket forwarded
/// to it over the node's SSH master (process::SshRunner::forward_unix_socket; a connection to a
/// forward whose target is missing is closed at once instead of failing with ENOENT).
/// Throws cnfctl::Error located at the container when the node is neither local nor SSH, or
/// the forward cannot be made (SshError when the node cannot be reached; Error::bad_input for a
/// path ssh cannot forward).
std::string node_socket(const NfContext& ctx, const std::string& path);

/// How this machine reaches the TCP endpoint `host`:`port` as the container's node sees it:
/// nullopt when the node is this machine (connect to host:port directly), else the path of a
/// local unix socket forwarded to host:port from the node (SshRunner::forward_tcp). Throws
/// like node_socket().
std::optional<std::string> node_tcp_socket(const NfContext& ctx, const std::string& host, int port);

/// Runs `argv` on the container's node; throws cnfctl::Error "<what> failed" located at the
/// node and container, with the command's status and stderr, when it does not exit 0.
void run_on_node(const NfContext& ctx, const std::vector<std::string>& argv,
                 const std::string& what);

/// Creates, inside the running container, the directories the plan's NF files go to (the
/// orchestrator copies the files in after prepare(); copy_in does not create directories).
/// Throws cnfctl::Error (located at the container, with the exec's status and stderr) when the
/// exec fails.
void make_guest_dirs_for_files(const NfContext& ctx);

/// Throws cnfctl::Error (located at the container) unless `path` is absolute, has at least two
/// components, no "." or ".." component and no empty component: a path cnfctl may `rm -rf` on a
/// node. `what` names it ("DPDK runtime dir").
void require_removable_path(const NfContext& ctx, const std::string& path, const std::string& what);

}  // namespace cnfctl::nf
