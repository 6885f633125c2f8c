// A client of DPDK's telemetry socket (v2): /var/run/dpdk/<prefix>/dpdk_telemetry.v2, a Unix
// SOCK_SEQPACKET socket on which every message is one JSON document. On connect DPDK sends
// {"version":"DPDK 22.11.x","pid":N,"max_output_len":16384}; each request is a command text
// ("/ethdev/stats,0") and each reply is {"<command without parameters>": <value>}, the value null
// for an unknown command or invalid parameters. testpmd's readiness and counters are read this
// way from outside its container (the runtime dir is bind-mounted at the same path on the host).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "process/unique_fd.h"

namespace cnfctl::testpmd {

/// Why DPDK telemetry could not be read.
enum class TelemetryFailure {
  kMissing,  // no socket at the path (yet): DPDK has not started its telemetry
  kRefused,  // the socket exists but nobody listens: a stale socket of a dead process
  kTimeout,  // no greeting or reply in time
  kOther,    // anything else: a bad reply, DPDK closed the socket, no python3 on the node, ...
};

/// A cnfctl::Error (kind kFailure) that also says why telemetry could not be read.
class TelemetryError : public Error {
 public:
  TelemetryError(TelemetryFailure failure, std::string what)
      : Error(std::move(what)), failure_(failure) {}
  TelemetryFailure failure() const { return failure_; }

 private:
  TelemetryFailure failure_;
};

/// /ethdev/stats,<port>: the port's basic counters (rte_eth_stats).
struct EthdevStats {
  std::uint64_t ipackets = 0;
  std::uint64_t opackets = 0;
  std::uint64_t ibytes = 0;
  std::uint64_t obytes = 0;
  std::uint64_t imissed = 0;
  std::uint64_t ierrors = 0;
  std::uint64_t oerrors = 0;
  std::uint64_t rx_nombuf = 0;
};

/// /ethdev/link_status,<port>.
struct LinkStatus {
  bool up = false;
  std::uint64_t speed_mbps = 0;  // 0 when down or unknown
  std::string duplex;            // "full-duplex", "half-duplex"; empty when down
};

/// The value of a reply `reply` to `command` ("/ethdev/stats,0"): the member named by the
/// command's path ("/ethdev/stats"). Throws cnfctl::Error naming the command when the reply is
/// not an object with that member or its value is null (DPDK's answer to an unknown command or
/// invalid parameters).
nlohmann::json reply_value(const nlohmann::json& reply, std::string_view command);

/// Port ids of /ethdev/list's value. Throws cnfctl::Error when it is not an array of ints.
std::vector<int> parse_ethdev_list(const nlohmann::json& value);
/// /ethdev/stats's value. Throws cnfctl::Error when it is not an object; missing counters are 0.
EthdevStats parse_ethdev_stats(const nlohmann::json& value);
/// /ethdev/link_status's value ({"status":"UP","speed":..,"duplex":..} or {"status":"DOWN"}).
/// Throws cnfctl::Error when it has no status text.
LinkStatus parse_link_status(const nlohmann::json& value);
/// Whether /ethdev/info's value says the port is started ("dev_started": 1). A memif server's
/// port turns clients away until it is (its client never retries). Throws cnfctl::Error when the
/// value has no dev_started number.
bool parse_dev_started(const nlohmann::json& value);

class TelemetryClient {
 public:
  /// Connects to the telemetry socket at `socket_path` and reads DPDK's greeting, all within
  /// `timeout`. Throws TelemetryError "DPDK telemetry <path>: ..." when the path is too long, the
  /// socket is missing (ENOENT: kMissing), refused (ECONNREFUSED: kRefused, a stale socket of a
  /// dead process), the greeting does not arrive in time (kTimeout) or is not JSON.
  /// Error::message() starts with "cannot connect" for the connect failures.
  static TelemetryClient connect(const std::string& socket_path, std::chrono::milliseconds timeout);

  /// DPDK's greeting: {"version":...,"pid":...,"max_output_len":...}.
  const nlohmann::json& greeting() const { return greeting_; }

  /// Sends `command` and returns the value of its reply (see reply_value). Throws TelemetryError
  /// naming the command on timeout (kTimeout), when DPDK closes the socket (kOther), and
  /// cnfctl::Error on a bad reply.
  nlohmann::json query(std::string_view command, std::chrono::milliseconds timeout);

  /// /ethdev/list. Throws like query().
  std::vector<int> ethdev_list(std::chrono::milliseconds timeout);
  /// /ethdev/link_status,<port>. Throws like query() (also for a port that does not exist).
  LinkStatus link_status(int port, std::chrono::milliseconds timeout);
  /// /ethdev/stats,<port>. Throws like query().
  EthdevStats stats(int port, std::chrono::milliseconds timeout);

 private:
  TelemetryClient(process::UniqueFd fd, std::string path);
  /// One whole message, waiting until `deadline`.
  std::string receive(std::string_view waiting_for, std::chrono::steady_clock::time_point deadline);
  [[noreturn]] void fail(const std::string& message,
                         TelemetryFailure failure = TelemetryFailure::kOther) const;

  process::UniqueFd fd_;
  std::string path_;
  nlohmann::json greeting_;
};

}  // namespace cnfctl::testpmd
