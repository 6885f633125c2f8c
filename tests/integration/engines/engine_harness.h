// What the engine integration tests need around the engines: unique names and state roots, a
// busybox root filesystem made locally, a private dockerd, and leftover checks (mounts, cgroup
// directories, state directories).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/registry.h"
#include "process/local_runner.h"

namespace cnfctl::engine::testing {

/// A per-test-process root under /run/cnfctl-test (removed, mounts included, by the destructor).
class TestRoot {
 public:
  explicit TestRoot(const std::string& engine);
  ~TestRoot();
  TestRoot(const TestRoot&) = delete;
  TestRoot& operator=(const TestRoot&) = delete;
  const std::string& path() const { return path_; }
  /// A container name unique to this process: "<engine>-<pid>-<suffix>".
  std::string name(const std::string& suffix) const;

 private:
  std::string engine_;
  std::string path_;
};

/// Makes a busybox-static root filesystem in `dir` (applet symlinks in /bin); ~60 ms.
void make_busybox_rootfs(const std::string& dir);

/// Mount points at or below `prefix` in /proc/self/mountinfo.
std::vector<std::string> mounts_under(const std::string& prefix);
/// Cgroup directories (any hierarchy) whose base name contains one of `needles`.
std::vector<std::string> cgroup_dirs_matching(const std::vector<std::string>& needles);
/// Unmounts everything under `path` and removes it.
void remove_tree_with_mounts(const std::string& path);

/// Random bytes (deterministic seed), every byte value included.
std::string random_bytes(std::size_t size);
std::string read_host_file(const std::string& path);

/// A private dockerd with SPEC §5's flags; started by the constructor (waits until it answers),
/// stopped by the destructor (SIGTERM, then SIGKILL), its directories removed.
class PrivateDockerd {
 public:
  explicit PrivateDockerd(const std::string& root);
  ~PrivateDockerd();
  PrivateDockerd(const PrivateDockerd&) = delete;
  PrivateDockerd& operator=(const PrivateDockerd&) = delete;
  /// "unix://<root>/docker.sock"
  std::string host() const { return "unix://" + root_ + "/docker.sock"; }
  std::string log() const;

 private:
  bool start(const std::string& storage_driver);
  void stop();
  std::string root_;
  pid_t pid_ = -1;
};

}  // namespace cnfctl::engine::testing
