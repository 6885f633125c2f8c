// Test support: a DPDK telemetry v2 server on a SOCK_SEQPACKET socket in a directory of the
// test's choosing, answering /ethdev/list, /ethdev/link_status,N, /ethdev/info,N (its dev_started)
// and /ethdev/stats,N from state
// the test sets (and null to anything else), as DPDK 22.11 does.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nf/testpmd/telemetry_client.h"

namespace cnfctl::testpmd::testing {

class FakeTelemetryServer {
 public:
  /// Listens on <dir>/dpdk_telemetry.v2 (dir must exist). Throws std::runtime_error on failure.
  explicit FakeTelemetryServer(const std::string& dir);
  ~FakeTelemetryServer();
  FakeTelemetryServer(const FakeTelemetryServer&) = delete;
  FakeTelemetryServer& operator=(const FakeTelemetryServer&) = delete;

  const std::string& socket_path() const { return path_; }

  /// Sets port `port` (added when new) with its link state and counters; started.
  void set_port(int port, bool up, const EthdevStats& stats = {});
  /// Whether port `port` (set before) says it is started; set_port() starts it.
  void set_started(int port, bool started);
  /// Removes every port.
  void clear_ports();
  /// When true, connections are accepted but never answered.
  void set_silent(bool silent) { silent_ = silent; }
  /// How many requests were answered so far.
  int requests() const { return requests_; }

 private:
  void serve();
  std::string answer(const std::string& command);

  std::string path_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> silent_{false};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  struct Port {
    bool up = false;
    EthdevStats stats;
    bool started = true;
  };
  std::map<int, Port> ports_;
  std::thread thread_;
};

}  // namespace cnfctl::testpmd::testing
