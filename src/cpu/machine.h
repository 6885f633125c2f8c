// The CPU topology of a machine: its logical cpus and, for each, the physical core, socket, NUMA
// node and SMT siblings. Placement (nf_affinity.h, shared_placement.h) reads only this model, so
// it can plan for any machine: the running host (sysfs) or another one (`lscpu -p` text).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cnfctl::cpu {

/// One logical cpu (a hardware thread) as Linux numbers it.
struct LogicalCpu {
  int id = 0;      ///< the Linux cpu number
  int core = 0;    ///< the physical core id (as reported; unique within its socket)
  int socket = 0;  ///< the physical package
  int node = 0;    ///< the NUMA node
  /// All threads of the same physical core, ascending, including `id`. Left empty when building a
  /// Machine, it is derived from (socket, core).
  std::vector<int> siblings;
};

/// A machine's logical cpus, ordered by id, with SMT detected from the real core structure (cpus
/// that share a physical core), never from how the cpu numbers are laid out.
class Machine {
 public:
  /// Builds a machine. Cpus with an empty `siblings` list get the cpus sharing their (socket,
  /// core); given sibling lists are trimmed to the cpus present.
  /// Throws Error::bad_input("machine", ...) when there is no cpu, a cpu id is negative or
  /// repeated, two sibling lists disagree (cpu a lists b but b's list differs), or two siblings
  /// are on different NUMA nodes.
  explicit Machine(std::vector<LogicalCpu> cpus);

  /// Parses `lscpu -p` output. Lines starting with '#' are comments, except that a header comment
  /// ("# CPU,Core,Socket,Node,...") fixes the column order; without one, lscpu's default order
  /// CPU,Core,Socket,Node is assumed. Empty Socket/Node fields mean 0 (lscpu leaves Node empty on
  /// machines without NUMA); without a Core column every cpu is its own core.
  /// Throws Error::bad_input("<source>:<line>", ...) for a malformed line (too few fields, a
  /// field that is not a number, a repeated cpu) and Error::bad_input(source, ...) when the text
  /// holds no cpu line.
  static Machine from_lscpu(std::string_view text, const std::string& source = "lscpu -p");

  /// Reads and parses a file holding `lscpu -p` output.
  /// Throws Error::bad_input(file, ...) when the file cannot be read, else as from_lscpu.
  static Machine from_lscpu_file(const std::filesystem::path& file);

  /// Loads the running host's topology from sysfs mounted at `root` (a fake tree in tests):
  /// online cpus from devices/system/cpu/online (else every cpuN with a topology folder), core
  /// and socket from cpuN/topology/{core_id,physical_package_id}, SMT siblings from
  /// thread_siblings_list, NUMA nodes from devices/system/node/nodeN/cpulist (else a nodeN entry
  /// in the cpu folder, else node 0).
  /// Throws Error (a failure, exit 1) naming the path when the cpu folder cannot be listed, no
  /// cpu is found, or a file holds something other than a number / cpu list.
  static Machine from_sysfs(const std::filesystem::path& root = "/sys");

  /// All logical cpus, ascending by id.
  const std::vector<LogicalCpu>& cpus() const { return cpus_; }
  /// The cpu with this id, or nullptr.
  const LogicalCpu* find(int id) const;
  /// True when some physical core runs more than one thread.
  bool smt_enabled() const { return smt_; }
  /// The NUMA nodes that have cpus, ascending.
  std::vector<int> numa_nodes() const;
  /// The cpus of a NUMA node, ascending (empty for an unknown node).
  std::vector<int> cpus_on_node(int node) const;
  /// The physical cores of a NUMA node, each as its threads ascending, cores ordered by their
  /// first thread (empty for an unknown node).
  std::vector<std::vector<int>> cores_on_node(int node) const;
  /// The cpus of a NUMA node in thread-rank order: the first thread of every core, then the
  /// second thread of every core, and so on. This is the order CSIT's CpuUtils assumes of
  /// `lscpu -p` (siblings half a list apart), built here from the real sibling sets.
  std::vector<int> cpus_by_thread_rank(int node) const;
  /// The number of physical cores on the whole machine.
  std::size_t core_count() const;
  /// One line for people: "112 cpus, 56 cores, 2 sockets, 2 NUMA nodes, SMT on".
  std::string summary() const;

 private:
  std::vector<LogicalCpu> cpus_;
  bool smt_ = false;
};

}  // namespace cnfctl::cpu
