// The EAL half of a DPDK program's command line on memif ports, shared by testpmd and cnfctl-gen
// (both run from Debian's DPDK without hugepages or PCI): memory, file prefix, two lcores on the
// container's cpus, and one net_memif vdev per link in order (link k is port k).
#pragma once

#include <string>
#include <vector>

#include "wiring/wiring_plan.h"

namespace cnfctl::nf {

/// The largest memif ring size the DPDK memif PMD accepts (log2).
inline constexpr int kMaxMemifRingSizeLog2 = 14;
/// The ring size used when cores are shared: two busy-polling NFs on one core pass at most one
/// ring per scheduler tick, so rings must be large.
inline constexpr int kSharedCoreRingSizeLog2 = 14;

struct EalOptions {
  std::string binary;         // argv[0]
  std::vector<int> cpus;      // main lcore on the first, the data lcore on the second (or first)
  std::string file_prefix;    // --file-prefix
  int memory_mb = 512;        // -m
  int ring_size_log2 = 0;     // memif rsize; 0: automatic (kSharedCoreRingSizeLog2 if shared)
  bool cores_shared = false;  // the cpus are shared with other busy pollers
  bool host_paths = false;    // the links' host socket paths (run bare on the node)
};

/// <binary> --no-huge -m <MB> --no-pci --file-prefix=<prefix> --lcores 0@<cpu>,1@<cpu>
///   --vdev=net_memif<k>,role=server|client,socket=<path>,id=<id>,socket-abstract=no
///          [,rsize=<n>][,mac=<mac>] ...
/// The options must have been validated (at least one cpu).
std::vector<std::string> memif_eal_argv(const EalOptions& o,
                                        const std::vector<const wiring::MemifLink*>& links);

}  // namespace cnfctl::nf
