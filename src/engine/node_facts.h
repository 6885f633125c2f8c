// What engines need to know about a node before they act on it, read once with one command
// (`cat /proc/self/status /proc/self/limits /proc/self/mountinfo`) and parsed here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnfctl::engine {

struct CgroupMount {
  std::string path;                      // "/sys/fs/cgroup/cpuset"
  bool v2 = false;                       // cgroup2 (unified) rather than a v1 hierarchy
  std::vector<std::string> controllers;  // v1: from the super options ("cpuset", "name=systemd")
};

struct NodeFacts {
  std::uint64_t capability_bounding_set = ~std::uint64_t{0};  // CapBnd of a process on the node
  std::uint64_t nofile_hard_limit = 1048576;                  // RLIMIT_NOFILE hard limit
  std::vector<CgroupMount> cgroup_mounts;

  /// "v2" (cgroup2 on /sys/fs/cgroup), "hybrid" (v1 controllers plus a cgroup2 mount) or "v1".
  std::string cgroup_layout() const;
  /// The v1 cpuset hierarchy's mount point, or empty (v2 / no cpuset).
  std::string cpuset_v1_mount() const;
  /// The cgroup2 mount point when the layout is "v2", or empty.
  std::string unified_root() const;
  /// Every cgroup mount point (v1 hierarchies and the cgroup2 mount).
  std::vector<std::string> all_mount_points() const;
};

/// Parses the concatenated output of `cat /proc/self/status /proc/self/limits
/// /proc/self/mountinfo`. Missing parts keep their defaults; never fails.
NodeFacts parse_node_facts(const std::string& text);

/// Mount points listed in a /proc/<pid>/mountinfo text (octal escapes decoded).
std::vector<std::string> parse_mount_points(const std::string& mountinfo);

/// Linux capability names ("CAP_CHOWN"...) by bit number; index = bit.
const std::vector<std::string>& capability_names();
/// The names of the known capabilities whose bits are set in `mask`.
std::vector<std::string> capabilities_in(std::uint64_t mask);
/// The names of the known capabilities whose bits are NOT set in `mask`.
std::vector<std::string> capabilities_missing(std::uint64_t mask);

}  // namespace cnfctl::engine
