// A client of cnfctl-gen's control socket (src/trafficgen/README.md), for cnfctl's own layers
// (src/nf/trafficgen probes it; `cnfctl measure` drives trials through it). One connection,
// one request at a time; every call is bounded by a deadline.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "trafficgen/protocol.h"

namespace cnfctl::trafficgen {

class GenClient {
 public:
  /// Connects to the control socket at `path`, retrying until `timeout` (the program may still
  /// be starting). Throws cnfctl::Error naming the path and the last errno when it cannot.
  GenClient(std::string path, std::chrono::milliseconds timeout);
  ~GenClient();
  GenClient(const GenClient&) = delete;
  GenClient& operator=(const GenClient&) = delete;

  /// Sends one request, returns its parsed response. Throws cnfctl::Error on a timeout, a
  /// closed connection or an answer that is not JSON.
  nlohmann::json request(const nlohmann::json& request, std::chrono::milliseconds timeout);

  /// {"cmd":"ping"}: the mode, the ports and their link state.
  nlohmann::json ping(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  /// {"cmd":"stats"}: port counters (and the forwarder's counters).
  nlohmann::json stats(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  /// Runs one trial and waits for it (warm-up + duration + tail + 30 s of slack). Throws
  /// cnfctl::Error with the program's reason when it refuses the request.
  TrialResult trial(const TrialRequest& request);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::string buffer_;
};

/// Whether every port of a ping answer has its link up.
bool all_links_up(const nlohmann::json& ping);

}  // namespace cnfctl::trafficgen
