#include "support/fake_telemetry_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace cnfctl::testpmd::testing {

FakeTelemetryServer::FakeTelemetryServer(const std::string& dir)
    : path_(dir + "/dpdk_telemetry.v2") {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path_.size() >= sizeof(address.sun_path)) throw std::runtime_error("path too long");
  std::memcpy(address.sun_path, path_.c_str(), path_.size());
  ::unlink(path_.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 8) != 0 || ::pipe(wake_) != 0) {
    throw std::runtime_error("fake telemetry server: " + std::string(std::strerror(errno)));
  }
  thread_ = std::thread([this] { serve(); });
}

FakeTelemetryServer::~FakeTelemetryServer() {
  char byte = 0;
  if (::write(wake_[1], &byte, 1) < 0) {
    // The thread then only stops at the next connection; nothing better to do in a destructor.
  }
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
  ::unlink(path_.c_str());
}

void FakeTelemetryServer::set_port(int port, bool up, const EthdevStats& stats) {
  std::lock_guard lock(mutex_);
  ports_[port] = Port{up, stats, true};
}

void FakeTelemetryServer::set_started(int port, bool started) {
  std::lock_guard lock(mutex_);
  ports_.at(port).started = started;
}

void FakeTelemetryServer::clear_ports() {
  std::lock_guard lock(mutex_);
  ports_.clear();
}

std::string FakeTelemetryServer::answer(const std::string& command) {
  std::lock_guard lock(mutex_);
  const auto comma = command.find(',');
  const std::string key = command.substr(0, comma);
  nlohmann::json value;  // null
  int port = -1;
  if (comma != std::string::npos) {
    try {
      port = std::stoi(command.substr(comma + 1));
    } catch (const std::exception&) {
      port = -1;
    }
  }
  auto it = ports_.find(port);
  if (key == "/ethdev/list") {
    value = nlohmann::json::array();
    for (const auto& entry : ports_) value.push_back(entry.first);
  } else if (key == "/ethdev/link_status" && it != ports_.end()) {
    if (it->second.up) {
      value = {{"status", "UP"}, {"speed", 100000}, {"duplex", "full-duplex"}};
    } else {
      value = {{"status", "DOWN"}};
    }
  } else if (key == "/ethdev/info" && it != ports_.end()) {
    value = {{"name", "net_memif" + std::to_string(port)},
             {"port_id", port},
             {"dev_started", it->second.started ? 1 : 0},
             {"dev_configured", 1}};
  } else if (key == "/ethdev/stats" && it != ports_.end()) {
    const auto& s = it->second.stats;
    value = {{"ipackets", s.ipackets}, {"opackets", s.opackets},  {"ibytes", s.ibytes},
             {"obytes", s.obytes},     {"imissed", s.imissed},    {"ierrors", s.ierrors},
             {"oerrors", s.oerrors},   {"rx_nombuf", s.rx_nombuf}};
  }
  return nlohmann::json{{key, value}}.dump();
}

void FakeTelemetryServer::serve() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) continue;
    if (p[1].revents != 0) return;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const std::string hello = R"({"version":"DPDK 22.11.11","pid":4242,"max_output_len":16384})";
    if (!silent_ && ::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL) < 0) {
      ::close(fd);
      continue;
    }
    for (;;) {
      pollfd q[2] = {{fd, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      if (::poll(q, 2, -1) < 0) continue;
      if (q[1].revents != 0) {
        ::close(fd);
        return;
      }
      char buffer[1024];
      ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
      if (got <= 0) break;
      if (silent_) continue;
      const std::string reply = answer(std::string(buffer, static_cast<std::size_t>(got)));
      ++requests_;
      if (::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) break;
    }
    ::close(fd);
  }
}

}  // namespace cnfctl::testpmd::testing
