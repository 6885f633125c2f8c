// What the benchmark needs around the engines: a private state directory (removed with its
// mounts), a busybox root filesystem made locally, a private dockerd, and a flag set by Ctrl-C /
// SIGTERM so every measurement loop stops between operations and cleans up.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cnfctl::bench {

/// Thrown between operations once SIGINT/SIGTERM/SIGHUP arrived; unwinding cleans up.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

/// While it exists, SIGINT, SIGTERM and SIGHUP are blocked in every thread started after it and
/// taken by a sigwait thread that sets a flag (children get an empty mask from the runner).
/// Construct it before any other thread.
class SignalWatch {
 public:
  SignalWatch();
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  /// Throws Interrupted when a signal arrived.
  static void check();
  static bool interrupted();

 private:
  std::thread thread_;
};

/// /run/cnfctl-bench/<pid>: the benchmark's state (engine roots, rootfs, dockerd). The destructor
/// unmounts whatever is left below it and removes it.
class BenchRoot {
 public:
  BenchRoot();
  ~BenchRoot();
  BenchRoot(const BenchRoot&) = delete;
  BenchRoot& operator=(const BenchRoot&) = delete;
  const std::string& path() const { return path_; }
  /// "cb<pid>-<suffix>": unique to this process, recognisable in `ps`, `runc list`, `docker ps`.
  std::string name(const std::string& suffix) const;

 private:
  std::string path_;
};

/// Makes a busybox-static root filesystem in `dir` (applet symlinks in /bin). Throws on failure.
void make_busybox_rootfs(const std::string& dir);

/// Unmounts everything at or below `path` (deepest first, lazily) and removes it.
void remove_tree_with_mounts(const std::string& path);

/// Removes empty cgroup directories (every hierarchy) below `relative_parent` whose path below it
/// contains `needle` (so a match's subdirectories too), children first; busy ones stay.
void remove_cgroup_dirs(const std::string& relative_parent, const std::string& needle);

/// True when `program` is found in PATH.
bool have_program(const std::string& program);

/// A private dockerd with SPEC §5's flags (overlay2, else vfs) under `root`: started by the
/// constructor, which waits until it answers; stopped by the destructor (SIGTERM, then SIGKILL of
/// its session), its directories removed. Throws when it does not start.
class PrivateDockerd {
 public:
  explicit PrivateDockerd(std::string root);
  ~PrivateDockerd();
  PrivateDockerd(const PrivateDockerd&) = delete;
  PrivateDockerd& operator=(const PrivateDockerd&) = delete;
  /// "unix://<root>/docker.sock"
  std::string host() const { return "unix://" + root_ + "/docker.sock"; }

 private:
  bool start(const std::string& storage_driver);
  void stop();
  std::string root_;
  pid_t pid_ = -1;
};

}  // namespace cnfctl::bench
