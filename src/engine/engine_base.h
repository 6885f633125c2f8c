// What all four engines share: running their commands through the node's Runner with errors that
// name engine / node / container / command, the missing-program diagnosis, node facts read once,
// small file operations on the node (argv only), and the cgroup preparation of prepare_node().
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "engine/engine.h"
#include "engine/node_facts.h"
#include "engine/registry.h"
#include "process/runner.h"

namespace cnfctl::engine {

/// The Debian package that provides `program` (by its base name), or empty when unknown.
std::string debian_package_for(const std::string& program);

/// `{flag, "K=V", flag, "K=V", ...}` for every entry of `env`, in the map's order: how runc
/// (`--env`), docker/podman (`--env`) and lxc-attach (`--set-var`) take variables as argv.
std::vector<std::string> env_arguments(const std::string& flag,
                                       const std::map<std::string, std::string>& env);

class EngineBase : public Engine {
 public:
  EngineBase(std::string kind, process::Runner& runner, EngineOptions options);

  std::string kind() const override { return kind_; }
  std::string node() const override { return runner_.name(); }
  NodePreparation prepare_node() override;
  void build(const ContainerSpec& spec) override;
  /// Every engine writes files the same way: exec() of copy_in_argv() with the bytes on stdin.
  void copy_in(const std::string& name, const std::string& guest_path, const std::string& bytes,
               unsigned mode) override;
  /// inspect(name).present / .running; engines with a cheaper check override them.
  bool is_present(const std::string& name) override;
  bool is_running(const std::string& name) override;

 protected:
  /// The cgroup parents (relative to the hierarchy roots) whose cpuset must accept any CPU of the
  /// node; prepare_node() prepares them.
  virtual std::vector<std::string> cpuset_parents() const = 0;

  /// Runs `command` and returns its outcome whatever the exit status. Throws when the program
  /// could not be started (a missing program names its Debian package).
  process::Outcome run(process::Command command, const std::string& container = {});
  /// Runs `command`; throws an Error saying `what` failed unless it exited with 0.
  process::Outcome run_checked(process::Command command, const std::string& what,
                               const std::string& container = {});
  /// An Error located at this engine, its node and (when given) the container.
  Error error(const std::string& what, const std::string& container = {}) const;
  /// The error for a failed command (status, stderr tail), located like error().
  Error command_error(const std::string& what, const std::string& container,
                      const process::Command& command, const process::Outcome& outcome) const;
  /// Throws the "missing program" error when `outcome` says the program does not exist.
  void check_program_exists(const process::Command& command, const process::Outcome& outcome,
                            const std::string& container) const;

  /// Node facts, read on first use.
  const NodeFacts& facts();

  // File operations on the node: system calls when the node is this machine (a LocalRunner;
  // process/local_files.h), else argv commands through the runner.
  void make_dirs(const std::vector<std::string>& paths, const std::string& container = {});
  void write_file(const std::string& path, const std::string& bytes,
                  const std::string& container = {});
  /// The file's bytes, or nullopt when it cannot be read.
  std::optional<std::string> read_file(const std::string& path);
  /// One-line files (cgroup settings) by path, trailing newline dropped; files that cannot be
  /// read are left out. One `grep -H` on another node; direct reads on this machine.
  std::map<std::string, std::string> read_small_files(const std::vector<std::string>& paths);
  /// True when `path` exists on the node.
  bool exists(const std::string& path);
  /// rm -rf --one-file-system (refuses to cross into mounts still present).
  void remove_tree(const std::string& path, const std::string& container = {});
  /// `rm -f PATH...` (missing files are fine).
  void remove_files(const std::vector<std::string>& paths, const std::string& container = {});
  /// `rmdir -p --ignore-fail-on-non-empty DIR`: DIR and its parents while they are empty; never
  /// fails.
  void remove_empty_parents(const std::string& dir);
  /// `mount -t TYPE SOURCE TARGET -o OPTIONS`; throws an Error saying `what` failed.
  void mount(const std::string& type, const std::string& source, const std::string& target,
             const std::string& options, const std::string& what,
             const std::string& container = {});
  /// Mount points at `path` or below it, deepest first.
  std::vector<std::string> mounts_under(const std::string& path);
  /// Unmounts everything at or below `path` (deepest first).
  void unmount_all_under(const std::string& path, const std::string& container = {});
  /// Removes the given cgroup directories (relative to every hierarchy root), deepest first;
  /// missing ones are fine. A busy one (processes still exiting, or a half-made container's
  /// `runc init`) has its processes killed and is tried again for up to 10 s; with `kill_busy`
  /// off (a dir shared with other containers) it stays. Returns false when some dir is left.
  bool remove_cgroup_dirs(const std::vector<std::string>& relative_dirs, bool kill_busy = true);

  /// The part of acquire() that deals with an existing container `name` (or, when given, a
  /// leftover `state_path` of it): returns true when it exists and `force` is off (acquire keeps
  /// it and returns); destroys it when `force` is on and returns false; false when there is none.
  bool keep_existing(const std::string& name, bool force, const std::string& state_path = {});
  /// Creates the host directories of the spec's mounts that ask for it (create_host_dir).
  void make_mount_dirs(const ContainerSpec& spec);

  /// The deadline of an exec: the request's timeout, or a year when it has none (0).
  static std::chrono::milliseconds exec_deadline(const ExecRequest& request);
  /// `grace` as whole seconds for `--time`/`-t` options: rounded up, at least 1.
  static long long grace_seconds(std::chrono::milliseconds grace);

  /// Polls `done` with a backoff from 5 ms to 100 ms until it returns true (true) or `deadline`
  /// has passed (false).
  static bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds deadline);

  /// Calls options_.notice once per `key` for this engine object.
  void notice_once(const std::string& key, const std::string& text);

  /// The per-container state directory: <state_root>/<name>.
  std::string state_dir(const std::string& name) const { return state_root_ + "/" + name; }

  std::string kind_;
  process::Runner& runner_;
  bool local_ = false;  // runner_ runs on this machine: file operations are system calls
  EngineOptions options_;
  std::string state_root_;

 private:
  std::mutex mutex_;
  std::optional<NodeFacts> facts_;
  std::optional<NodePreparation> preparation_;
  std::set<std::string> notices_;
};

}  // namespace cnfctl::engine
