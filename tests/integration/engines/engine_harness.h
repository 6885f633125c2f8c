// What the engine integration tests need around the engines: unique names and state roots, a
// busybox root filesystem made locally, a private dockerd, and leftover checks (mounts, cgroup
// directories, state directories: tests/support/leftovers.h).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/registry.h"
#include "host_fixtures.h"
#include "leftovers.h"
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

// Shared with the benchmarks: tests/support/host_fixtures.h.
using host_fixtures::make_busybox_rootfs;
using host_fixtures::mounts_under;
using host_fixtures::PrivateDockerd;
using host_fixtures::read_host_file;
using host_fixtures::remove_tree_with_mounts;

using host_fixtures::cgroup_dirs_matching;

/// Random bytes (deterministic seed), every byte value included.
std::string random_bytes(std::size_t size);

}  // namespace cnfctl::engine::testing
