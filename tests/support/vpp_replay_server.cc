#include "support/vpp_replay_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace cnfctl::vpp::testing {
namespace {

// How long the server waits for the client at each step; tests finish well within it.
constexpr int kStepTimeoutMs = 5000;
// How often a waiting server thread looks at its stop flag.
constexpr int kPollSliceMs = 20;

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  std::string hex;
  char digits[3];
  for (std::size_t i = 0; i < size; ++i) {
    std::snprintf(digits, sizeof digits, "%02x", data[i]);
    hex += digits;
  }
  return hex;
}

}  // namespace

std::vector<RecordedFrame> load_recording(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  auto json = nlohmann::json::parse(in);
  std::vector<RecordedFrame> frames;
  for (const auto& frame : json.at("frames")) {
    frames.push_back(RecordedFrame{frame.at("dir").get<std::string>() == "client_to_vpp",
                                   from_hex(frame.at("hex").get<std::string>())});
  }
  return frames;
}

std::vector<RecordedFrame> split_vpp_frames(const std::vector<RecordedFrame>& frames,
                                            std::size_t size) {
  std::vector<RecordedFrame> split;
  for (const auto& frame : frames) {
    if (frame.from_client) {
      split.push_back(frame);
      continue;
    }
    for (std::size_t offset = 0; offset < frame.bytes.size(); offset += size) {
      auto begin = frame.bytes.begin() + static_cast<std::ptrdiff_t>(offset);
      auto end = frame.bytes.begin() +
                 static_cast<std::ptrdiff_t>(std::min(offset + size, frame.bytes.size()));
      split.push_back(RecordedFrame{false, std::vector<std::uint8_t>(begin, end)});
    }
  }
  return split;
}

std::vector<std::uint8_t> recorded_bytes(const std::vector<RecordedFrame>& frames,
                                         bool from_client) {
  std::vector<std::uint8_t> bytes;
  for (const auto& frame : frames) {
    if (frame.from_client == from_client) {
      bytes.insert(bytes.end(), frame.bytes.begin(), frame.bytes.end());
    }
  }
  return bytes;
}

ReplayServer::ReplayServer(std::vector<RecordedFrame> frames, Behaviour behaviour)
    : frames_(std::move(frames)), behaviour_(behaviour) {
  char dir_template[] = "/tmp/cnfctl-vpp-replay-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = dir_template;
  socket_path_ = dir_ + "/vpp.sock";

  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket_path_.c_str(), socket_path_.size());
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 4) != 0) {
    throw std::runtime_error("cannot listen on " + socket_path_ + ": " + std::strerror(errno));
  }
  thread_ = std::thread([this] { serve(); });
}

ReplayServer::~ReplayServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::unlink(socket_path_.c_str());
  ::rmdir(dir_.c_str());
}

std::string ReplayServer::finish() {
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  return problems_;
}

void ReplayServer::note(const std::string& problem) {
  std::lock_guard lock(mutex_);
  if (!problems_.empty()) problems_ += "\n";
  problems_ += problem;
}

void ReplayServer::serve() {
  // Waits for `events` on `fd` in short slices so that stop_ ends the wait; false on timeout.
  auto wait_for = [this](int fd, short events, int timeout_ms) {
    for (int waited = 0; waited < timeout_ms && !stop_; waited += kPollSliceMs) {
      pollfd p{fd, events, 0};
      if (::poll(&p, 1, kPollSliceMs) > 0) return true;
    }
    return false;
  };

  if (!wait_for(listen_fd_, POLLIN, kStepTimeoutMs)) {
    if (!stop_) note("no client connected");
    return;
  }
  int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) {
    note(std::string("accept failed: ") + std::strerror(errno));
    return;
  }
  struct CloseAtExit {
    int fd;
    ~CloseAtExit() { ::close(fd); }
  } close_at_exit{fd};

  if (behaviour_ == Behaviour::kHangUp) return;
  if (behaviour_ == Behaviour::kSilent) {
    std::uint8_t ignored[256];
    while (!stop_) {
      if (wait_for(fd, POLLIN, kStepTimeoutMs) && ::recv(fd, ignored, sizeof ignored, 0) <= 0) {
        return;  // the client gave up
      }
    }
    return;
  }

  for (std::size_t step = 0; step < frames_.size(); ++step) {
    const auto& frame = frames_[step];
    if (!frame.from_client) {
      // One send per recorded recv(), as VPP's bytes arrived at the proxy.
      if (::send(fd, frame.bytes.data(), frame.bytes.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(frame.bytes.size())) {
        note("frame " + std::to_string(step) + ": send failed: " + std::strerror(errno));
        return;
      }
      continue;
    }
    // The client's bytes may arrive split or joined differently: read exactly as many.
    std::vector<std::uint8_t> got(frame.bytes.size());
    std::size_t have = 0;
    while (have < got.size()) {
      if (!wait_for(fd, POLLIN, kStepTimeoutMs)) {
        note("frame " + std::to_string(step) + ": the client sent " + std::to_string(have) +
             " of " + std::to_string(got.size()) + " bytes");
        return;
      }
      ssize_t n = ::recv(fd, got.data() + have, got.size() - have, 0);
      if (n <= 0) {
        note("frame " + std::to_string(step) + ": the client closed after " + std::to_string(have) +
             " of " + std::to_string(got.size()) + " bytes");
        return;
      }
      have += static_cast<std::size_t>(n);
    }
    if (got != frame.bytes) {
      note("frame " + std::to_string(step) + ": the client sent\n  " +
           to_hex(got.data(), got.size()) + "\nexpected\n  " +
           to_hex(frame.bytes.data(), frame.bytes.size()));
      return;
    }
  }

  // The recording is played: close our side and expect nothing more from the client.
  ::shutdown(fd, SHUT_WR);
  std::uint8_t extra[256];
  while (wait_for(fd, POLLIN, kStepTimeoutMs)) {
    ssize_t n = ::recv(fd, extra, sizeof extra, 0);
    if (n <= 0) return;
    note("the client sent bytes after the recording: " +
         to_hex(extra, static_cast<std::size_t>(n)));
  }
  if (!stop_) note("the client did not close the connection");
}

}  // namespace cnfctl::vpp::testing
