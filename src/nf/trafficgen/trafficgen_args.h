// cnfctl-gen command lines: the wiring of one container rendered as cnfctl-gen's argv, the same
// EAL arguments and memif port order as testpmd (nf/testpmd/testpmd_args.h): link k is port k,
// vdev net_memif<k>.
//
// The generator owns both ends of the traffic: in mode gen its ports are its own link (port 0,
// into the chain) and, when the plan has a sink container on the same DUT whose NF is
// trafficgen mode sink, the sink's link (port 1, out of the chain). Both are in the run's socket
// dir, mounted in every container, so one process sends and receives and measures latency
// against one TSC. The sink container then runs nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wiring/wiring_plan.h"

namespace cnfctl::trafficgen {

enum class GenMode { kGen, kForward };

struct GenArgsOptions {
  std::string binary;  // required; see default_gen_binary()
  GenMode mode = GenMode::kForward;
  std::vector<int> cpus;    // main lcore on the first, the data lcore on the second (or first)
  std::string file_prefix;  // EAL --file-prefix, a safe name, unique per node
  int memory_mb = 512;
  unsigned mbufs = 32768;
  int ring_size_log2 = 0;  // 0: automatic (14 when cores are shared)
  bool cores_shared = false;
  bool host_paths = false;              // use the links' host socket paths (run bare on the node)
  std::uint64_t limit_pps = 0;          // forward --limit
  std::uint32_t delay_us = 0;           // forward --delay-us
  std::string control_socket;           // --control, as the program sees it; required
  std::vector<std::string> extra_args;  // appended to the application arguments
};

/// The argv of cnfctl-gen for container `c` (and, for mode gen, the sink's wiring `far_end`,
/// or nullptr):
///   <binary> --no-huge -m <MB> --no-pci --file-prefix=<prefix> --lcores 0@<cpu>,1@<cpu>
///     --vdev=net_memif<k>,role=server|client,socket=<path>,id=<id>,socket-abstract=no[,rsize=<n>]
///     -- gen|forward --control <path> [--mbufs N] [--limit PPS] [--delay-us N] <extra>
/// Throws cnfctl::Error (bad input at "container <name>") when the ports do not fit the mode
/// (gen: 1 or 2 ports in all; forward: exactly 2 links), or an option is invalid.
std::vector<std::string> trafficgen_argv(const wiring::ContainerWiring& c,
                                         const wiring::ContainerWiring* far_end,
                                         const GenArgsOptions& options);

/// The file name of a container's control socket in the run's socket dir: "<name>.gen.sock".
std::string control_socket_file(std::string_view container_name);

/// cnfctl-gen beside the running program (/proc/self/exe's directory), or $CNFCTL_GEN_BINARY
/// when set. The path is used inside containers too: `host` images see the host's files.
std::string default_gen_binary();

}  // namespace cnfctl::trafficgen
