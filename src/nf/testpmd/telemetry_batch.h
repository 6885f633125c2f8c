// DPDK telemetry wherever the socket is: one connection per batch of commands, made directly
// when the node is this machine (TelemetryClient) and otherwise by a small python3 client run
// ON the node through its process::Runner. SOCK_SEQPACKET cannot be forwarded by ssh, so the
// node talks to the socket itself and sends back one JSON line per message.
//
// The node-side client: `python3 - <socket> <command>...` with kNodeTelemetryScript as stdin
// (never part of any argv or shell text) and its time budget in the environment
// (kTelemetryTimeoutEnv, in ms). It connects, reads DPDK's greeting, sends every command in
// order and prints the greeting and each reply as one compact JSON line on stdout. It exits 0
// when all went well, else one of the kExit* codes with one line on stderr saying what failed.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nf/testpmd/telemetry_client.h"
#include "process/runner.h"

namespace cnfctl::testpmd {

/// The script run by `python3 -` on the node (python ≥ 3.5, standard library only).
extern const char* const kNodeTelemetryScript;
/// The environment variable carrying the script's time budget in milliseconds.
inline constexpr const char* kTelemetryTimeoutEnv = "CNFCTL_TELEMETRY_TIMEOUT_MS";
/// The script's exit codes besides 0 (python itself uses 1 and 2; a missing python3 is 127).
inline constexpr int kExitSocketMissing = 20;  // ENOENT on connect
inline constexpr int kExitRefused = 21;        // ECONNREFUSED on connect
inline constexpr int kExitTimeout = 22;        // the budget passed
inline constexpr int kExitOther = 23;          // anything else (stderr says what)
/// How much longer than the script's budget the node command may take (starting python, the
/// SSH session) before the runner kills it.
inline constexpr std::chrono::milliseconds kNodeTelemetryAllowance{5000};

/// What one batch read: DPDK's greeting and the value of every command's reply, in order.
struct TelemetryBatch {
  nlohmann::json greeting;
  std::vector<nlohmann::json> values;  // reply_value() of each command
};

/// Runs `commands` ("/ethdev/list", "/ethdev/stats,0") over one connection to the telemetry
/// socket `socket` on this machine, all within `timeout`.
/// Throws TelemetryError (see TelemetryClient: kMissing, kRefused, kTimeout, kOther) when the
/// socket cannot be used, and cnfctl::Error naming the command for a null or malformed reply
/// (see reply_value()).
TelemetryBatch telemetry_batch_direct(const std::string& socket,
                                      const std::vector<std::string>& commands,
                                      std::chrono::milliseconds timeout);

/// The same through `node`: runs the node-side client (above) with the script's budget
/// `timeout` and a deadline of timeout + kNodeTelemetryAllowance, and parses its lines.
/// Throws TelemetryError "DPDK telemetry <socket> on <node name>: ..." with kMissing, kRefused,
/// kTimeout (also when the command's deadline passed) or kOther (python3 missing on the node,
/// any other exit, fewer lines than expected, a line that is not JSON); cnfctl::Error for a
/// null or malformed reply as above, Error::bad_input("DPDK telemetry", ...) for an empty
/// socket path or a command holding a NUL byte; whatever node.run() throws (SshError for a node
/// that cannot be reached) passes through.
TelemetryBatch telemetry_batch_via_runner(process::Runner& node, const std::string& socket,
                                          const std::vector<std::string>& commands,
                                          std::chrono::milliseconds timeout);

/// telemetry_batch_direct() when `node` runs on this machine (nf::is_local_node), else
/// telemetry_batch_via_runner(). Throws like those.
TelemetryBatch telemetry_batch(process::Runner& node, const std::string& socket,
                               const std::vector<std::string>& commands,
                               std::chrono::milliseconds timeout);

}  // namespace cnfctl::testpmd
