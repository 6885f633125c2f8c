// The oci engine (the default): an OCI bundle per container driven by runc (default) or crun,
// with a private runtime state root. Image `host` or `dir:PATH` is an overlay whose lower layer
// is that tree and whose upper/work layers are the container's own.
//
// State on the node, per container, under <state_root>/<name>/ (on this machine a tmpfs
// mounted by acquire, unmounted by destroy): config.json (the bundle), rootfs/ (the overlay mount
// point), upper/, work/, container.log (the command's stdout+stderr), pid. The runtime's own state
// lives in <state_root>/runtime.
#pragma once

#include <future>
#include <mutex>
#include <optional>
#include <string>

#include "engine/engine_base.h"
#include "process/sealed_program.h"

namespace cnfctl::engine {

class OciEngine : public EngineBase {
 public:
  OciEngine(process::Runner& runner, EngineOptions options);
  ~OciEngine() override;

  /// Also starts the sealed copy of the runtime (sealed_runtime()) in the background: copying
  /// runc's 8.7 MB takes about 6 ms here, which the first container would wait for.
  NodePreparation prepare_node() override;

  void acquire(const ContainerSpec& spec, bool force) override;
  void create(const ContainerSpec& spec) override;
  process::Outcome exec(const std::string& name, const ExecRequest& request) override;
  void stop(const std::string& name, std::chrono::milliseconds grace) override;
  void destroy(const std::string& name) override;
  ContainerInfo inspect(const std::string& name) override;
  /// On this machine with runc or crun: from the runtime's state file and /proc (what `runc
  /// state` / `crun state` read); otherwise the runtime is asked.
  bool is_present(const std::string& name) override;
  bool is_running(const std::string& name) override;
  /// From the pid file `run` wrote (one read on the node, no runtime call).
  std::optional<int> init_pid(const std::string& name) override;
  SystemInfo system_info() override;
  std::string logs(const std::string& name) override;

 protected:
  std::vector<std::string> cpuset_parents() const override;

 private:
  /// A runtime command: `<binary> --root <state_root>/runtime ARGS...`; on this machine run
  /// from a sealed copy of the binary (sealed_runtime()).
  process::Command runtime(std::vector<std::string> args);
  /// The sealed copy of the runtime binary the commands on this machine run from, made at the
  /// first runtime command (process/sealed_program.h: runc and crun then skip copying themselves
  /// for every container); empty elsewhere or when it cannot be made.
  const std::string& sealed_runtime();
  std::string cgroups_path(const ContainerSpec& spec) const;
  /// The container's cpuset cgroup dir when its cpus are written there after the runtime has
  /// started it instead of through the bundle (see create()); empty: the bundle pins it.
  std::string late_pin_dir(const ContainerSpec& spec);
  void pin_late(const ContainerSpec& spec, const std::string& dir);
  std::string runtime_state_dir(const std::string& name) const {
    return state_root_ + "/runtime/" + name;
  }

  /// The container's state as `runc state` / `crun state` would say it, read from the file the
  /// runtime keeps under its --root and from /proc: only on this machine and with runc or crun
  /// (kUnknown elsewhere, and for a state file of another shape).
  enum class LocalState { kUnknown, kAbsent, kStopped, kCreated, kRunning };
  struct LocalInit {
    LocalState state = LocalState::kUnknown;
    int pid = 0;  // the init's pid when created or running
  };
  LocalInit local_state(const std::string& name);

  /// Where a runtime whose state file cnfctl knows keeps a container's init: runc's state.json
  /// ("init_process_pid", "init_process_start"), crun's status ("pid", "process-start-time"),
  /// both under <--root>/<name>/ beside exec.fifo while the container is only created.
  struct StateLayout {
    std::string file, pid_key, start_key;
  };

  std::string binary_;
  bool go_runtime_ = false;                  // runc: its commands run with GOMAXPROCS=1
  std::optional<StateLayout> state_layout_;  // none for another runtime: ask it
  std::once_flag sealed_once_;
  std::once_flag sealing_once_;
  std::future<void> sealing_;  // prepare_node()'s background sealed_runtime()
  std::optional<process::SealedProgram> sealed_;
};

}  // namespace cnfctl::engine
