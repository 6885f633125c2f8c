// Traffic through a running topology (SPEC §6, issue 4 item 6): for memif chains, per-hop packet
// rates from every NF's port counters read twice WHILE traffic flows (the generator sends from
// its start: testpmd txonly --auto-start; counters reset when a link reconnects, so they are never
// read after a stop); for nginx NFs, requests/s and latency measured by `wrk` run on the node.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nf/driver.h"
#include "plan/plan.h"

namespace cnfctl::traffic {

/// One port of one NF over the measurement window.
struct HopRate {
  std::string container;  // the container's name in the topology
  int port = 0;
  std::string peer;              // the container at the other end of the port's link
  std::uint64_t rx_packets = 0;  // received during the window
  std::uint64_t tx_packets = 0;
  std::uint64_t drops = 0;     // rx + tx drops during the window
  std::uint64_t rx_drops = 0;  // frames this port received or should have and dropped
  std::uint64_t tx_drops = 0;  // frames counted as sent on this port that never left it (VPP:
                               // its memif ring was full, "<interface>-tx/no_free_slots")
  /// The port at the other end of this port's link (the peer's port number), when the peer is
  /// in the plan: a link's frames are peer's rx on peer_port = this tx - tx_drops.
  std::optional<int> peer_port;
  /// This container's own window: its two counter readings were this far apart.
  std::chrono::nanoseconds window{0};
  double rx_mpps = 0;
  double tx_mpps = 0;
  bool counters_reset = false;  // a counter went backwards (the link reconnected meanwhile)
  /// VPP's error counters that grew during the window ("<node>/<reason>": why frames were
  /// dropped): those of this port's interface nodes on this port, NF-wide ones on the first
  /// port; empty for testpmd.
  std::map<std::string, std::uint64_t> reasons;
};

/// What wrk measured against one nginx NF.
struct HttpLoad {
  std::string container;
  std::string url;
  unsigned connections = 0;
  double requests_per_s = 0;
  std::uint64_t requests = 0;
  double seconds = 0;  // wrk's own measurement window
  double latency_avg_ms = 0;
  double latency_p50_ms = 0;
  double latency_p90_ms = 0;
  double latency_p99_ms = 0;
  std::uint64_t socket_errors = 0;  // connect + read + write + timeout
  std::uint64_t non_2xx = 0;        // "Non-2xx or 3xx responses"
  /// "rps" (keep-alive connections) or "cps" (a new connection per request: `Connection: close`,
  /// as CSIT's cps suites; each request is one connection, so connections/s = requests/s).
  std::string mode = "rps";
  /// Responses whose status was not 200 or whose body was not the expected one (wrk's Lua
  /// check); nullopt when not checked.
  std::optional<std::uint64_t> bad_responses;
};

/// One direction of one memif link whose both ends were measured: what the sending port sent,
/// what the receiving port received, what the sender counted as not sent (tx drops), each as a
/// rate over its own container's window.
struct LinkAccount {
  std::string from;
  int from_port = 0;
  std::string to;
  int to_port = 0;
  double sent_mpps = 0;
  double received_mpps = 0;
  double tx_dropped_mpps = 0;
  /// sent - received - tx dropped: frames no counter holds (negative: more received than sent,
  /// the two windows did not see quite the same traffic).
  double unaccounted_mpps = 0;
};

/// Every link direction that carried frames (sender tx > 0) between two measured ports
/// (HopRate::peer_port set, the peer's hop present), in hop order. Pure.
std::vector<LinkAccount> link_accounts(const std::vector<HopRate>& hops);

/// The share of a link's sent frames no counter holds above which the report says so. The two
/// ends' rates are over windows a few milliseconds apart while frames flow; on a loaded 2-core
/// machine that alone made up to 2% either way.
inline constexpr double kUnaccountedNote = 0.03;

/// The result of measure_traffic().
struct TrafficReport {
  std::string run;
  std::chrono::milliseconds duration{0};  // the requested window
  std::vector<HopRate> hops;              // memif NFs, in plan order, port by port
  std::optional<std::string> sink;        // the sink container, when the chain has one
  std::optional<double> end_to_end_mpps;  // the sinks' rx rate (summed over every DUT's sink)
  /// Each sink's rx rate (one per DUT), in plan order; `sink` is the last of them.
  std::vector<std::pair<std::string, double>> sinks;
  std::vector<HttpLoad> http;
  std::vector<LinkAccount> links;  // link_accounts(hops)
  std::vector<std::string> notes;  // what was skipped and why
};

struct TrafficOptions {
  std::string wrk = "wrk";        // the wrk program on the node
  unsigned wrk_threads = 1;       // -t
  unsigned wrk_connections = 10;  // -c
};

/// Per-port rates of one container from two counter readings `elapsed` apart (matched by port
/// id; ports only in `t1` count from zero). A counter that went backwards counts from zero too
/// and marks counters_reset. Pure; never throws. Rates are 0 when `elapsed` is not positive.
std::vector<HopRate> hop_rates(const std::string& container,
                               const std::vector<nf::PortCounters>& t0,
                               const std::vector<nf::PortCounters>& t1,
                               std::chrono::nanoseconds elapsed);

/// Parses wrk's output (run with --latency) into `load` (requests, window, requests/s, latency
/// average and percentiles, socket errors, non-2xx responses). Throws cnfctl::Error quoting the
/// output when it has no "Requests/sec:" line.
void parse_wrk_output(std::string_view output, HttpLoad& load);

/// The wrk command line for one endpoint: wrk -t<T> -c<C> -d<S>s --latency <url>, with the
/// duration rounded up to whole seconds (at least 1). Pure.
std::vector<std::string> wrk_argv(const TrafficOptions& options, const std::string& url,
                                  std::chrono::milliseconds duration);

/// wrk_argv() for an nginx endpoint: `-H "Connection: close"` when it does not keep connections
/// alive (cps), and `-s <body_script>` (the check of body_check_script()) when that is not
/// empty. Pure.
std::vector<std::string> nginx_wrk_argv(const TrafficOptions& options,
                                        const plan::HttpEndpoint& endpoint, const std::string& url,
                                        std::chrono::milliseconds duration,
                                        const std::string& body_script);

/// A wrk Lua script that counts responses that are not status 200 with exactly `body` and
/// prints "cnfctl-bad-responses: <n>" when wrk is done (summed over its threads). Pure.
std::string body_check_script(const std::string& body);

/// The count printed by body_check_script(), or nullopt when `output` has none. Pure.
std::optional<std::uint64_t> parse_bad_responses(std::string_view output);

/// The port of `container`'s port `port` at the other end of its memif link (the peer's link
/// with the same socket file and memif id), or nullopt when the peer is not in the plan. Pure.
std::optional<int> peer_port(const plan::Plan& plan, const std::string& container, int port);

/// Measures `duration` of traffic on the running plan. `context_of` gives each container's
/// NfContext (its engine and node runner). testpmd and VPP containers with memif links are
/// read through their NF driver's counters(), every container at once (one thread each) at the
/// start and at the end of the window, so that the two ends of a link are read over the same
/// window; nginx containers with an HTTP endpoint get one
/// wrk each, all at once, through their node's runner. Containers of other NF kinds are noted
/// and skipped. Throws cnfctl::Error (located at the container) when counters cannot be read,
/// wrk fails or cannot be parsed; bad_input when the plan has nothing to measure.
TrafficReport measure_traffic(
    const plan::Plan& plan,
    const std::function<nf::NfContext(const plan::PlannedContainer&)>& context_of,
    std::chrono::milliseconds duration, const TrafficOptions& options = {});

/// The report as text: a per-hop table (container, port, peer, rx Mpps, tx Mpps, drops) with the
/// end-to-end line, the reasons VPP gives for its drops (error counters that grew), and an HTTP
/// table (container, url, conns, requests/s, latency avg/p50/p99 ms, errors). Never fails.
std::string render_traffic_table(const TrafficReport& report);

/// The report as JSON (rates as numbers, in Mpps and requests/s). Never fails.
nlohmann::json traffic_json(const TrafficReport& report);

}  // namespace cnfctl::traffic
