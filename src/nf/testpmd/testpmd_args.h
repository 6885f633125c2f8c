// dpdk-testpmd command lines: the wiring of one container rendered as testpmd's argv.
//
// Every memif link of the container becomes one port, in link order (link k is port k, vdev
// net_memif<k>), with the link's socket, interface id and role. Forwarding uses one lcore pinned
// beside the main lcore on the container's CPUs. Facts measured with Debian's dpdk 22.11
// (SPEC §6):
//  - Without -i testpmd starts forwarding, then blocks reading one byte of stdin and exits at
//    EOF: with stdin = /dev/null it stops at once. Either keep its stdin open (a pipe whose write
//    end the runner holds; closing it is then a clean stop), or set stats_period_s, which makes
//    it loop until SIGINT/SIGTERM whatever stdin is (and print statistics every period).
//  - On Linux testpmd mlockall()s by default: with --no-huge -m 512 that is ~640 MB resident and
//    locked per process instead of ~160 MB, so --no-mlockall is passed unless lock_memory is set.
//  - Telemetry (/var/run/dpdk/<prefix>/dpdk_telemetry.v2) is on by default in 22.11; readiness
//    and counters depend on it, so --no-telemetry is refused.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nf/dpdk_eal_args.h"
#include "wiring/wiring_plan.h"

namespace cnfctl::testpmd {

/// testpmd's --forward-mode values cnfctl uses.
enum class ForwardMode { kIo, kMac, kMacSwap, kTxOnly, kRxOnly };

/// "io", "mac", "macswap", "txonly", "rxonly".
std::string_view to_string(ForwardMode mode);
/// The mode named `name`, or nullopt.
std::optional<ForwardMode> parse_forward_mode(std::string_view name);
/// The mode of a role: NF and vswitch io, generator txonly, sink rxonly.
ForwardMode default_forward_mode(wiring::ContainerRole role);

using nf::kMaxMemifRingSizeLog2;
using nf::kSharedCoreRingSizeLog2;
/// The port limit of Debian's DPDK build (RTE_MAX_ETHPORTS).
inline constexpr int kMaxPorts = 32;

/// How to run testpmd for one container; the wiring says what to connect.
struct TestpmdOptions {
  std::string binary = "/usr/bin/dpdk-testpmd";
  /// The container's CPUs: the main lcore runs on the first, the forwarding lcore on the second
  /// (on the first too when there is only one). Required.
  std::vector<int> cpus;
  /// EAL --file-prefix: unique per testpmd on a node (its runtime dir /var/run/dpdk/<prefix>
  /// holds the telemetry socket). A safe name; required.
  std::string file_prefix;
  int memory_mb = 512;                      // EAL -m, without hugepages
  int mbufs = 32768;                        // --total-num-mbufs
  std::optional<ForwardMode> forward_mode;  // default: default_forward_mode(role)
  /// memif rsize (log2 of the ring size); 0: automatic (kSharedCoreRingSizeLog2 when
  /// cores_shared, else the PMD's default).
  int ring_size_log2 = 0;
  bool cores_shared = false;  // this container's CPUs are shared with other busy pollers
  /// Use the links' host socket paths (testpmd run bare on the node) instead of the guest ones.
  bool host_paths = false;
  bool lock_memory = false;  // let testpmd mlockall() (its default); off: --no-mlockall
  int stats_period_s = 0;    // --stats-period; 0: off
  std::vector<std::string> extra_eal_args;  // appended to the EAL arguments (before "--")
  std::vector<std::string> extra_args;      // appended to the application arguments
};

/// The argv (argv[0] = binary) of testpmd for container `c`:
///   <binary> --no-huge -m <MB> --no-pci --file-prefix=<prefix> --lcores 0@<cpu>,1@<cpu>
///     --vdev=net_memif<k>,role=server|client,socket=<path>,id=<id>,socket-abstract=no
///            [,rsize=<n>][,mac=<mac>] ...  <extra EAL args>
///     -- --forward-mode=<mode> --total-num-mbufs=<n> --nb-cores=1 --auto-start --no-mlockall
///        [--port-topology=paired] [--eth-peer=<port>,<mac> ...] [--tx-ip=<src>,<dst>]
///        [--stats-period=<s>] <extra>
/// --port-topology=paired is passed for the vswitch (ports 2k and 2k+1 forward to each other:
/// the snake); --eth-peer for each link with a neighbour MAC in mac and txonly mode (the
/// destination MAC of the frames); --tx-ip in txonly mode when the wiring gives the container a
/// flow (ContainerWiring::flow_src_ip4 / flow_dst_ip4: the generator of an ip4 kind). Throws
/// cnfctl::Error (bad input, located at "container <name>") when the container has no memif link,
/// owns physical interfaces, has more than kMaxPorts links, or the options are invalid (no CPU,
/// unsafe or empty file prefix, sizes out of range, --no-telemetry in the extra arguments).
std::vector<std::string> testpmd_argv(const wiring::ContainerWiring& c,
                                      const TestpmdOptions& options);

/// DPDK's runtime directory of a file prefix: /var/run/dpdk/<prefix> (removed after a stop).
std::string testpmd_runtime_dir(std::string_view file_prefix);
/// The telemetry socket in it: /var/run/dpdk/<prefix>/dpdk_telemetry.v2 (SOCK_SEQPACKET, JSON).
std::string testpmd_telemetry_socket(std::string_view file_prefix);

}  // namespace cnfctl::testpmd
