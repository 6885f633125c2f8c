// The one interface behind which oci (runc/crun), lxc, docker and podman sit: the seed's
// ContainerEngine, with containers named explicitly instead of a mutable "current container".
//
// Every engine runs its commands through the process::Runner it was given (local or SSH), always
// as argv. Every method is safe to call from several threads at once for different containers.
// Failures throw cnfctl::Error naming the engine, node, container, command, exit status and
// stderr tail; a missing engine binary or daemon says what is missing and which Debian package
// provides it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/container_spec.h"
#include "process/runner.h"

namespace cnfctl::engine {

/// A program to run inside a running container.
struct ExecRequest {
  std::vector<std::string> argv{};
  std::map<std::string, std::string> env{};  // added to the container's environment
  std::optional<std::string> stdin_bytes{};  // nullopt: no input
  std::chrono::milliseconds timeout{0};      // 0: no deadline
};

/// What an engine knows about one container.
struct ContainerInfo {
  std::string name{};
  bool present = false;
  bool running = false;
  std::string state{};       // the engine's own word: "running", "created", "STOPPED", ...
  std::optional<int> pid{};  // the container's init as seen on the node, when running
  std::string id{};          // the engine's id (docker/podman hash; the name elsewhere)
  nlohmann::json raw{};      // the engine's own inspect output, parsed
};

/// The engine's view of its node (`docker system info`, `lxc-checkconfig`, `runc --version`...).
struct SystemInfo {
  std::string engine{};  // "oci", "lxc", "docker", "podman"
  std::string version{};
  std::string text{};    // the engine's own output, for humans
  nlohmann::json raw{};  // structured details when the engine gives JSON
};

/// What prepare_node() did so pinned cpusets are accepted (the seed's _configure_cgroup).
struct NodePreparation {
  std::string cgroup_layout;         // "v1", "hybrid" or "v2"
  std::vector<std::string> actions;  // "created /sys/fs/cgroup/cpuset/cnfctl (cpus 0-1, mems 0)"
  std::string describe() const;
};

class Engine {
 public:
  virtual ~Engine() = default;

  /// "oci", "lxc", "docker" or "podman".
  virtual std::string kind() const = 0;
  /// The node this engine acts on (the runner's name).
  virtual std::string node() const = 0;

  /// Makes the node ready for containers of this engine: cgroup cpuset parents (v1: exclusive
  /// flags off, cpus/mems copied from the root; v2: cpuset enabled in subtree_control), state
  /// directories. Runs once per engine object; later calls return the first report.
  virtual NodePreparation prepare_node() = 0;

  /// Makes the container's root filesystem available (overlay, import, pull, lxc-create). When a
  /// container of that name exists: `force` destroys it first (docker, podman: the following
  /// create() does, once `run` finds the name taken), otherwise it stays as it is.
  virtual void acquire(const ContainerSpec& spec, bool force) = 0;
  /// The seed's build step (compile inside the container). No engine needs one today; kept so
  /// callers can run the seed's step sequence.
  virtual void build(const ContainerSpec& spec) = 0;
  /// Creates and starts the container (acquire must have run); on return it runs its command.
  virtual void create(const ContainerSpec& spec) = 0;

  /// Runs `request.argv` inside the running container `name`, with the container's environment
  /// plus request.env, feeding stdin bytes, under the deadline. Never throws for a failing
  /// program (the Outcome says how it ended); throws when the engine itself fails.
  virtual process::Outcome exec(const std::string& name, const ExecRequest& request) = 0;
  /// Writes `bytes` to `guest_path` inside the running container with permissions `mode`
  /// (octal, e.g. 0644). The bytes travel on stdin, never through a shell string.
  virtual void copy_in(const std::string& name, const std::string& guest_path,
                       const std::string& bytes, unsigned mode = 0644) = 0;

  /// Stops the container: SIGTERM, then SIGKILL after `grace`. Does nothing when it is not
  /// running.
  virtual void stop(const std::string& name,
                    std::chrono::milliseconds grace = std::chrono::milliseconds(3000)) = 0;
  /// Removes the container and everything the engine made for it (state dirs, mounts, cgroups).
  /// Idempotent: destroying a missing container succeeds.
  virtual void destroy(const std::string& name) = 0;

  virtual ContainerInfo inspect(const std::string& name) = 0;
  /// The pid on the node of the container's init while it runs (inspect().pid unless the
  /// engine knows it more cheaply); nullopt when it does not run. Never throws for a missing
  /// container.
  virtual std::optional<int> init_pid(const std::string& name) { return inspect(name).pid; }
  virtual SystemInfo system_info() = 0;
  virtual bool is_present(const std::string& name) = 0;
  virtual bool is_running(const std::string& name) = 0;
  /// The container's output (its command's stdout and stderr) so far.
  virtual std::string logs(const std::string& name) = 0;
};

}  // namespace cnfctl::engine
