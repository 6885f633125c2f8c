// The CPU for a starting or stopping NF first. Under `cpu: policy: shared` an NF starts on cpus
// that the NFs started before it already busy-poll, and every container is a cpu cgroup of its
// own, so the kernel gives the starting one an equal share at best: beside three pollers a
// testpmd's start took 750-1450 ms (issue 12), and its exit (closing its memif ports, unmapping
// its memory) waited the same way. While an NF starts or stops, its container's cgroup gets
// kRaiseFactor times its CPU weight; once it is ready or gone, the weight it had. Not the
// maximum: the NF polls as soon as its ports start, and its peers' control threads still need
// their share to answer its memif handshakes (with the maximum weight, or 32 times, the
// vswitch's links to its servers did not come up in 30 s). Traffic runs only after `up`, with
// every weight back as the engine set it.
#pragma once

#include <optional>
#include <string>

#include "nf/driver.h"

namespace cnfctl::nf {

/// The CPU weight file of a process's own cpu cgroup: `/proc/PID/cgroup`'s line of the v1 `cpu`
/// controller (its cpu.shares) or, with no such line, its cgroup2 line (cpu.weight), under the
/// mount point that `mountinfo` (a /proc/self/mountinfo text) gives that hierarchy. nullopt when
/// the process shares that cgroup with `own_cgroup` (cnfctl's /proc/self/cgroup) or sits in the
/// root, or no mount matches.
std::optional<std::string> cpu_weight_file(const std::string& proc_cgroup,
                                           const std::string& own_cgroup,
                                           const std::string& mountinfo);

/// How much more CPU weight a starting or stopping NF's cgroup gets than it had.
inline constexpr int kRaiseFactor = 8;

/// `now` (the text of `weight_file`) times `factor`, at most the file's maximum (cpu.shares
/// 262144, cpu.weight 10000); nullopt when `now` is no positive number.
std::optional<std::string> raised_weight(const std::string& weight_file, const std::string& now,
                                         int factor);

/// Whether an NF of `kind` is worth raising: a start (and an exit) that takes a lot of CPU
/// (DPDK's EAL, VPP's plugins) from an NF that busy-polls once it runs, so the next ones start
/// beside pollers.
bool starts_beside_pollers(topology::NfKind kind);

/// Raises the CPU weight of a container's cgroup for the start or stop of its NF, and puts it
/// back.
class CpuPriority {
 public:
  /// The container's cgroup raised when its NF's kind starts_beside_pollers(), its node is this
  /// machine and the container has a cpu cgroup of its own; otherwise nothing is changed. Never
  /// throws: the start goes on without.
  static CpuPriority raise(const NfContext& ctx);

  CpuPriority() = default;
  CpuPriority(CpuPriority&& other) noexcept;
  CpuPriority& operator=(CpuPriority&& other) noexcept;
  CpuPriority(const CpuPriority&) = delete;
  CpuPriority& operator=(const CpuPriority&) = delete;
  ~CpuPriority() { restore(); }

  /// The weight the cgroup had; idempotent. A cgroup gone with its container is no error.
  void restore();

  /// The file raised, empty when nothing was.
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::string before_;
};

}  // namespace cnfctl::nf
