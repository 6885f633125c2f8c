#include "trafficgen/client.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/error.h"

namespace cnfctl::trafficgen {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

}  // namespace

GenClient::GenClient(std::string path, std::chrono::milliseconds timeout) : path_(std::move(path)) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path_.size() >= sizeof addr.sun_path) {
    throw Error(fmt::format("control socket path too long: {}", path_));
  }
  std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
  const auto deadline = Clock::now() + timeout;
  int last_errno = 0;
  while (true) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw Error(fmt::format("socket(): {}", std::strerror(errno)));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return;
    last_errno = errno;
    ::close(fd_);
    fd_ = -1;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw Error(fmt::format("cannot connect to cnfctl-gen's control socket {}: {}", path_,
                          std::strerror(last_errno)));
}

GenClient::~GenClient() {
  if (fd_ >= 0) ::close(fd_);
}

nlohmann::json GenClient::request(const nlohmann::json& request,
                                  std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string line = request.dump() + "\n";
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::send(fd_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(fmt::format("{}: send: {}", path_, std::strerror(errno)));
    done += static_cast<std::size_t>(n);
  }
  std::size_t newline = 0;
  while ((newline = buffer_.find('\n')) == std::string::npos) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      throw Error(fmt::format("{}: no answer to {} within {} ms", path_, request.value("cmd", "?"),
                              timeout.count()));
    }
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(fmt::format("{}: cnfctl-gen closed the connection", path_));
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  const std::string answer = buffer_.substr(0, newline);
  buffer_.erase(0, newline + 1);
  try {
    return nlohmann::json::parse(answer);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: cnfctl-gen's answer is not JSON: {}", path_, e.what()));
  }
}

nlohmann::json GenClient::ping(std::chrono::milliseconds timeout) {
  return request({{"cmd", "ping"}}, timeout);
}

nlohmann::json GenClient::stats(std::chrono::milliseconds timeout) {
  return request({{"cmd", "stats"}}, timeout);
}

TrialResult GenClient::trial(const TrialRequest& r) {
  const auto budget = std::chrono::milliseconds(
      static_cast<long long>((r.warmup_s + r.duration_s) * 1000 * 1.1) + r.tail_ms + 30'000);
  return trial_result_from_json(request(to_json(r), budget));
}

bool all_links_up(const nlohmann::json& ping) {
  if (!ping.value("ok", false) || !ping.contains("ports") || ping["ports"].empty()) return false;
  for (const auto& p : ping["ports"]) {
    if (!p.value("link_up", false)) return false;
  }
  return true;
}

}  // namespace cnfctl::trafficgen
