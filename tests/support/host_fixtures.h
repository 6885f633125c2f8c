// Host fixtures shared by the integration tests and the benchmarks: a busybox root filesystem
// made locally, mount-aware removal of scratch trees, and a private dockerd (SPEC §5 flags).
// Plain C++ (no GoogleTest), so programs under bench/ use the same code as the tests.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace cnfctl::host_fixtures {

/// The whole content of a file on this host; empty when it cannot be read.
std::string read_host_file(const std::string& path);

/// Makes a busybox-static root filesystem in `dir` (applet symlinks in /bin); ~60 ms.
/// Throws std::runtime_error when busybox cannot list its applets.
void make_busybox_rootfs(const std::string& dir);

/// Mount points at or below `prefix` in /proc/self/mountinfo, in mount order.
std::vector<std::string> mounts_under(const std::string& prefix);

/// Unmounts everything at or below `path` (deepest first, lazily) and removes it. Never throws.
void remove_tree_with_mounts(const std::string& path);

/// A private dockerd with SPEC §5's flags (overlay2, else vfs) under `root`: started by the
/// constructor, which waits until it answers; stopped by the destructor (SIGTERM, then SIGKILL
/// of its session), its directories removed. Throws std::runtime_error (with the end of its log)
/// when it does not start, or when `cancelled` returns true while waiting.
class PrivateDockerd {
 public:
  explicit PrivateDockerd(std::string root, std::function<bool()> cancelled = {});
  ~PrivateDockerd();
  PrivateDockerd(const PrivateDockerd&) = delete;
  PrivateDockerd& operator=(const PrivateDockerd&) = delete;
  /// "unix://<root>/docker.sock"
  std::string host() const { return "unix://" + root_ + "/docker.sock"; }
  /// Everything dockerd wrote so far.
  std::string log() const;
  /// Its --exec-root (its managed containerd's socket and state live below).
  std::string exec_root() const { return root_ + "/exec"; }

  /// Kills dockerd alone with SIGKILL, as a crash would: its containerd, shims and containers
  /// stay. Reaps it.
  void kill_daemon();
  /// Starts dockerd again on the same roots and storage driver (after kill_daemon) and waits
  /// until it answers. Throws std::runtime_error when it does not.
  void restart();

 private:
  bool start(const std::string& storage_driver);
  void stop();
  std::string root_;
  std::function<bool()> cancelled_;
  pid_t pid_ = -1;
  std::string storage_driver_;
  std::vector<pid_t> old_sessions_;  // sessions of killed daemons (their containerd)
};

}  // namespace cnfctl::host_fixtures
