// What docker and podman share: the same CLI shape (run / exec / stop / rm / inspect / logs) with
// a per-engine prefix of global options and a few per-engine run options. The argv builders are
// pure so they are unit-tested.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/engine_base.h"

namespace cnfctl::engine {

/// Node facts that shape `run` options.
struct CliRunSettings {
  std::string image{};          // the image reference (docker; podman native images)
  std::string rootfs{};         // podman: "--rootfs" value ("/:O", "DIR:O"); else empty
  std::string cgroup_parent{};  // "/cnfctl/docker"
  std::uint64_t capability_bounding_set = ~std::uint64_t{0};
  std::uint64_t nofile_limit = 20000;  // podman: --ulimit nofile (SPEC §5)
  bool podman = false;
};

/// The arguments after the global options: `run --detach --name ... IMAGE|--rootfs R CMD...`.
/// Privileged on a node whose bounding set lacks capabilities becomes `--cap-add ALL --cap-drop
/// <missing>...` plus unconfined seccomp/system paths and all devices (SPEC §5).
std::vector<std::string> cli_run_args(const ContainerSpec& spec, const CliRunSettings& settings);

/// `exec [--interactive] [--env K=V]... NAME ARGV...`.
std::vector<std::string> cli_exec_args(const std::string& name,
                                       const std::vector<std::string>& argv,
                                       const std::map<std::string, std::string>& env,
                                       bool with_stdin);

class CliEngine : public EngineBase {
 public:
  CliEngine(std::string kind, process::Runner& runner, EngineOptions options);

  /// Removes a stale id file of `spec.name` (see cid_file()), then `run --cidfile` through
  /// flock (see create_lock()).
  void create(const ContainerSpec& spec) override;
  process::Outcome exec(const std::string& name, const ExecRequest& request) override;
  void stop(const std::string& name, std::chrono::milliseconds grace) override;
  /// Waits for a `run` of `name` still running (its cnfctl killed), then `rm --force` by name
  /// whatever inspect says, then remove_remains() and after_remove() for its ids, then the id
  /// file.
  void destroy(const std::string& name) override;
  ContainerInfo inspect(const std::string& name) override;
  /// inspect's pid, remembered on this machine while that process lives with the start time it
  /// had when inspect gave it: the NF's start and readiness ask for it again and again, and an
  /// inspect costs a CLI process and a daemon round trip.
  std::optional<int> init_pid(const std::string& name) override;
  std::string logs(const std::string& name) override;

 protected:
  std::vector<std::string> cpuset_parents() const override;

  /// The engine program and its global options, followed by `args`.
  virtual std::vector<std::string> cli(std::vector<std::string> args) const = 0;
  /// Settings for `run` (image reference or rootfs).
  virtual CliRunSettings run_settings(const ContainerSpec& spec) = 0;
  /// The `run` arguments create() uses: cli_run_args() unless an engine words some image
  /// differently (docker's `host`).
  virtual std::vector<std::string> run_args(const ContainerSpec& spec,
                                            const CliRunSettings& settings) {
    return cli_run_args(spec, settings);
  }
  /// The CLI call `args` (after the global options) through the engine's API when it has one at
  /// hand and knows the call: create() offers its `run` (--cidfile included), run_cli() every
  /// other call. nullopt: the CLI runs. Otherwise an outcome as the CLI's would be (out: what it
  /// prints; exit 125 with the daemon's message when it refused).
  virtual std::optional<process::Outcome> through_api(const std::vector<std::string>& /*args*/,
                                                      const std::string& /*container*/) {
    return std::nullopt;
  }
  /// Called after a container is removed, with its id (cleanup of engine leftovers).
  virtual void after_remove(const std::string& name, const std::string& id);
  /// The engine ids of every container named `name`, including what only the engine's storage
  /// or runtime knows (podman's external containers); inspect's id by default.
  virtual std::vector<std::string> ids_named(const std::string& name);
  /// After `rm --force name` (`removed`: it removed a container): removes what of the containers
  /// `ids` the engine's rm left (a runtime container in state `created`, its monitor process,
  /// storage). Nothing by default.
  virtual void remove_remains(const std::string& name, const std::vector<std::string>& ids,
                              bool removed);
  /// The lock a `run` of `name` holds while it runs, and its output file (in the state root).
  std::string create_lock(const std::string& name) const { return state_dir(name) + ".lock"; }
  std::string create_log(const std::string& name) const { return state_dir(name) + ".run.log"; }
  /// `run --cidfile`: the CLI writes the id there once the engine has made the container, before
  /// it starts it, so destroy knows the id whatever the engine remembers. The engine refuses to
  /// run when the file exists; one left by a container removed behind cnfctl's back names
  /// nothing, so create() removes it first.
  std::string cid_file(const std::string& name) const { return state_dir(name) + ".cid"; }
  /// `run --pidfile` (podman): the container's init pid, which create() reads on this machine
  /// and keeps for init_pid(), so the launcher's release and readiness need no inspect (a CLI
  /// process and a storage lock per container). Empty: the engine's `run` has no such option.
  virtual std::string pid_file(const std::string& /*name*/) const { return {}; }
  /// The id `run` wrote to cid_file(), when the file holds one (64 hex digits).
  std::optional<std::string> id_written(const std::string& name);
  /// Throws a clearer error when `outcome` says the daemon is unreachable (docker).
  virtual void check_daemon(const process::Command& command, const process::Outcome& outcome,
                            const std::string& container) const;

  /// Runs the CLI; throws for a missing program or daemon, else returns the outcome.
  process::Outcome run_cli(std::vector<std::string> args, const std::string& container = {},
                           std::optional<std::string> stdin_bytes = std::nullopt,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  process::Outcome run_cli_checked(
      std::vector<std::string> args, const std::string& what, const std::string& container = {},
      std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  /// True when the engine has the image locally; pulls it otherwise (with the pull deadline).
  /// Once per image and engine object: the containers of a run share their images.
  void ensure_image(const std::string& image, const std::string& container);
  std::string default_cgroup_parent() const { return "/cnfctl/" + kind_; }
  /// acquire()'s handling of an existing container `name`, without asking the engine (an inspect
  /// per container costs as much as the `run`): with `force`, the next create() destroys a
  /// container holding the name when `run` says the name is in use, and runs again; without, an
  /// existing container stays (acquire's image steps leave it alone) and create() fails on it.
  void replace_in_create(const std::string& name, bool force);
  std::string binary_{};
  /// Set in the environment of create()'s `run` CLI process (podman: GOMAXPROCS).
  std::map<std::string, std::string> run_env_{};

 private:
  std::mutex replace_mutex_;
  std::set<std::string> replace_in_create_;  // names acquired with force, not created yet
  std::mutex images_mutex_;                  // held while an image is checked or pulled
  std::set<std::string> images_present_;
  struct KnownInit {
    int pid = 0;
    unsigned long long start_time = 0;
  };
  /// Keeps `pid` as `name`'s init for init_pid() while it lives with its current start time.
  void remember_init(const std::string& name, int pid);
  std::mutex init_mutex_;
  std::map<std::string, KnownInit> init_pids_;  // local nodes only
};

}  // namespace cnfctl::engine
