// The VPP NF driver: VPP started detached in its container (`vpp -c /etc/vpp/startup.conf`, with
// `unix { nodaemon }`), recognised as ready when BOTH its CLI socket answers `show version` and
// its binary API answers show_version (CSIT's verify_vppctl + verify_vpp_papi), measured through
// `show interface` on the CLI socket. The sockets are in the container's VPP socket dir, which is
// bind-mounted from the node (PlannedContainer::vpp_sockets).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nf/driver.h"
#include "nf/vpp/stats_segment.h"
#include "wiring/wiring_plan.h"

namespace cnfctl::vpp {

/// One interface of `show interface`: name, index, admin state and its non-zero counters
/// ("rx packets", "tx packets", "drops", "rx-miss", "tx-error", ...; VPP omits zero counters).
struct InterfaceCounters {
  std::string name;  // "memif1/1", "local0"
  int index = 0;
  bool up = false;
  std::map<std::string, std::uint64_t> counters;

  /// The counter `name`, 0 when VPP did not print it. Never fails.
  std::uint64_t get(std::string_view counter) const;
};

/// Parses VPP's `show interface` table (header line, one line per interface with its first
/// counter, one continuation line per further counter; lines may end in "\r\n"). Lines it does
/// not understand are skipped; never throws.
std::vector<InterfaceCounters> parse_show_interface(std::string_view text);

/// The name VPP gives the memif interface of `link`: "memif<socket_id>/<interface_id>".
std::string memif_interface_name(const wiring::MemifLink& link);

/// Port counters of a container's memif links from `show interface` (link k is port k):
/// rx/tx packets, rx drops = drops + rx-miss + rx-no-buf + rx-error, tx drops = tx-error.
/// Links whose interface is missing are reported with zero counters. Never throws.
std::vector<nf::PortCounters> memif_port_counters(const std::vector<wiring::MemifLink>& links,
                                                  const std::vector<InterfaceCounters>& table);

/// The same from the stats segment (/if/rx, /if/tx packets; rx drops = /if/drops + rx-miss +
/// rx-no-buf + rx-error; tx drops = /if/tx-error), with VPP's non-zero error counters
/// (/err/<node>/<reason>, named "<node>/<reason>") on the first port. Never throws.
std::vector<nf::PortCounters> memif_port_counters(const std::vector<wiring::MemifLink>& links,
                                                  const StatsSnapshot& stats);

struct VppDriverOptions {
  std::string api_client_name = "cnfctl";  // how the probe registers with VPP's binary API
};

/// The driver of VPP containers. One object may serve many containers, from several threads at
/// once. VPP's CLI and API sockets are reached on the node's filesystem, or, on an SSH node,
/// through unix-socket forwards over the node's master connection (nf::node_socket).
std::unique_ptr<nf::NfDriver> make_vpp_driver(const VppDriverOptions& options = {});

}  // namespace cnfctl::vpp
