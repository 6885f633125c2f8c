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
/// (/err/<node>/<reason>, named "<node>/<reason>") added by add_error_counters(). Never throws.
std::vector<nf::PortCounters> memif_port_counters(const std::vector<wiring::MemifLink>& links,
                                                  const StatsSnapshot& stats);

/// VPP's `show errors` (non-verbose: "<count> <node> <reason words> <severity>", one line per
/// thread) as "<node>/<reason description>" -> count summed over threads; zero counts, the
/// header and lines it does not understand are skipped. Never throws.
std::map<std::string, std::uint64_t> parse_show_errors(std::string_view text);

/// Puts VPP's error counters ("<node>/<reason>" -> count) on the ports they belong to. The
/// memif device's tx node "<interface>-tx" (reasons no_free_slots "no free tx slots": the ring
/// was full, and rollback) frees frames that VPP already counted in /if/tx and in no interface
/// counter: they are added to that port's tx drops and reasons. "<interface>-output" errors
/// (interface down, no tx queue) go through error-drop, which counts them in /if/drops of the
/// interface they came in on: that port gets the reason only. Every other error is NF-wide: a
/// reason of the first port. Never throws.
void add_error_counters(const std::vector<wiring::MemifLink>& links,
                        const std::map<std::string, std::uint64_t>& errors,
                        std::vector<nf::PortCounters>& ports);

struct VppDriverOptions {
  std::string api_client_name = "cnfctl";  // how the probe registers with VPP's binary API
};

/// The driver of VPP containers. One object may serve many containers, from several threads at
/// once. VPP's CLI and API sockets are reached on the node's filesystem, or, on an SSH node,
/// through unix-socket forwards over the node's master connection (nf::node_socket).
std::unique_ptr<nf::NfDriver> make_vpp_driver(const VppDriverOptions& options = {});

}  // namespace cnfctl::vpp
