// cnfctl-gen's control protocol (src/trafficgen/README.md): line-delimited JSON over a unix
// SOCK_STREAM socket, one request line → one response line. This file is the protocol's data
// model and its JSON forms, shared by the program (server side) and the client library.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "trafficgen/histogram.h"

namespace cnfctl::trafficgen {

/// Which way frames go in a two-port trial.
enum class Direction { kBoth, k0to1, k1to0 };
std::string to_string(Direction d);

/// {"cmd":"trial", ...}: send at rate_pps (per direction) for duration_s after warmup_s, wait
/// for the tail, count.
struct TrialRequest {
  double rate_pps = 0;            // per direction; 0: as fast as the CPU allows (no pacing)
  double duration_s = 1;          // the counted part
  double warmup_s = 0;            // sent before, at the same rate, never counted
  std::uint32_t frame_size = 64;  // 0: IMIX
  std::uint32_t flows = 1;
  Direction direction = Direction::kBoth;
  std::uint32_t tail_ms = 100;  // longest wait for frames still in flight after the last TX

  std::vector<std::uint16_t> sizes() const;  // {frame_size} or CSIT's IMIX pattern
};

/// The accounting of one direction (or of all together).
struct StreamResult {
  std::string name;  // "0to1", "1to0", "total"
  std::uint64_t sent = 0;
  std::uint64_t received = 0;  // unique frames
  std::uint64_t lost = 0;      // sent - received
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t tx_dropped = 0;  // of the lost: frames the first hop's ring refused (backpressure)
  double loss_ratio = 0;         // lost / sent
  double tx_rate_pps = 0;        // sent / the time sending took: the rate really offered
  /// The furthest the sender fell behind its schedule (descheduled, or the CPU cannot keep
  /// up): frames that were due meanwhile went out in a burst. Large values (ms) mean the
  /// offered traffic was bursty although its average rate was right.
  double tx_max_late_us = 0;
  LatencySummary latency;  // ns, one-way (same host TSC)
};

struct TrialResult {
  double rate_pps = 0;
  double duration_s = 0;
  std::uint32_t frame_size = 0;  // 0: IMIX
  StreamResult total;
  std::vector<StreamResult> directions;
};

/// One request as read from a line. Unknown commands and bad fields are errors naming the field.
struct Request {
  std::string cmd;  // "ping", "stats", "trial", "quit"
  TrialRequest trial;
};

/// Parses one request line. Throws cnfctl::Error (bad input at "request") on malformed JSON,
/// an unknown command, a field of the wrong type or out of range.
Request parse_request(const std::string& line);

nlohmann::json to_json(const TrialRequest& r);
nlohmann::json to_json(const StreamResult& r);
nlohmann::json to_json(const TrialResult& r);
nlohmann::json to_json(const LatencySummary& s);
/// The inverses, for the client. Throw cnfctl::Error on a missing field.
StreamResult stream_result_from_json(const nlohmann::json& j);
TrialResult trial_result_from_json(const nlohmann::json& j);

/// Fills loss_ratio from sent and lost.
void finish(StreamResult* r);
/// Sums directions into a total (latency: merged histograms are the caller's; here the worst
/// max, best min and the count-weighted mean; percentiles from the histogram given).
StreamResult sum_results(const std::vector<StreamResult>& parts, const Histogram& merged);

}  // namespace cnfctl::trafficgen
