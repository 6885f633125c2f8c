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

#include "host_fixtures.h"

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

// Shared with the integration tests: tests/support/host_fixtures.h. The benchmark's dockerd
// stops waiting when SignalWatch::interrupted() (pass it as `cancelled`).
using host_fixtures::make_busybox_rootfs;
using host_fixtures::PrivateDockerd;
using host_fixtures::remove_tree_with_mounts;

/// Removes empty cgroup directories (every hierarchy) below `relative_parent` whose path below it
/// contains `needle` (so a match's subdirectories too), children first; busy ones stay.
void remove_cgroup_dirs(const std::string& relative_parent, const std::string& needle);

/// True when `program` is found in PATH.
bool have_program(const std::string& program);

/// Why crun cannot start containers on this host, or empty: crun refuses hybrid cgroups, where a
/// controller (hugetlb here) sits on the cgroup2 mount beside the v1 ones (SPEC §5 has the fix).
std::string crun_blocker();

/// SPEC §5's machine-level fix for crun, for the life of the object only: when hugetlb is the
/// only controller on the cgroup2 mount, it mounts a cgroup v1 hugetlb hierarchy at
/// /sys/fs/cgroup/hugetlb (the kernel moves the controller there); the destructor unmounts it
/// and removes the directory, and once its last (dying) cgroup is gone the kernel moves hugetlb
/// back to cgroup2. Does nothing when crun_blocker() is empty or the mount point exists.
class CrunHugetlbFix {
 public:
  CrunHugetlbFix();
  ~CrunHugetlbFix();
  CrunHugetlbFix(const CrunHugetlbFix&) = delete;
  CrunHugetlbFix& operator=(const CrunHugetlbFix&) = delete;
  /// What was done ("" when nothing): for the benchmark's notes.
  const std::string& note() const { return note_; }

 private:
  bool mounted_ = false;
  std::string note_;
};

}  // namespace cnfctl::bench
