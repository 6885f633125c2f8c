#include "nf/testpmd/telemetry_client.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace cnfctl::testpmd {

namespace {

using Clock = std::chrono::steady_clock;

// DPDK's default max_output_len is 16384; a reply is never longer than what the greeting says,
// but the greeting itself has to be read before we know it.
constexpr std::size_t kMaxMessage = 64 * 1024;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

std::uint64_t counter(const nlohmann::json& value, const char* name) {
  auto it = value.find(name);
  if (it == value.end() || !it->is_number_unsigned()) return 0;
  return it->get<std::uint64_t>();
}

}  // namespace

nlohmann::json reply_value(const nlohmann::json& reply, std::string_view command) {
  const std::string key(command.substr(0, command.find(',')));
  if (!reply.is_object() || !reply.contains(key)) {
    throw Error(fmt::format("DPDK telemetry: the reply to {} has no \"{}\": {}", command, key,
                            reply.dump()));
  }
  const auto& value = reply.at(key);
  if (value.is_null()) {
    throw Error(fmt::format(
        "DPDK telemetry: {} answered null (unknown command or invalid parameters)", command));
  }
  return value;
}

std::vector<int> parse_ethdev_list(const nlohmann::json& value) {
  if (!value.is_array()) throw Error("DPDK telemetry: /ethdev/list is not a list: " + value.dump());
  std::vector<int> ports;
  for (const auto& id : value) {
    if (!id.is_number_integer()) {
      throw Error("DPDK telemetry: /ethdev/list holds a non-integer: " + value.dump());
    }
    ports.push_back(id.get<int>());
  }
  return ports;
}

EthdevStats parse_ethdev_stats(const nlohmann::json& value) {
  if (!value.is_object()) {
    throw Error("DPDK telemetry: /ethdev/stats is not an object: " + value.dump());
  }
  EthdevStats s;
  s.ipackets = counter(value, "ipackets");
  s.opackets = counter(value, "opackets");
  s.ibytes = counter(value, "ibytes");
  s.obytes = counter(value, "obytes");
  s.imissed = counter(value, "imissed");
  s.ierrors = counter(value, "ierrors");
  s.oerrors = counter(value, "oerrors");
  s.rx_nombuf = counter(value, "rx_nombuf");
  return s;
}

LinkStatus parse_link_status(const nlohmann::json& value) {
  if (!value.is_object() || !value.contains("status") || !value.at("status").is_string()) {
    throw Error("DPDK telemetry: /ethdev/link_status has no status: " + value.dump());
  }
  LinkStatus link;
  link.up = value.at("status").get<std::string>() == "UP";
  link.speed_mbps = counter(value, "speed");
  if (auto it = value.find("duplex"); it != value.end() && it->is_string()) {
    link.duplex = it->get<std::string>();
  }
  return link;
}

bool parse_dev_started(const nlohmann::json& value) {
  if (!value.is_object() || !value.contains("dev_started") ||
      !value.at("dev_started").is_number_integer()) {
    throw Error("DPDK telemetry: /ethdev/info has no dev_started: " + value.dump());
  }
  return value.at("dev_started").get<long long>() != 0;
}

TelemetryClient::TelemetryClient(process::UniqueFd fd, std::string path)
    : fd_(std::move(fd)), path_(std::move(path)) {}

void TelemetryClient::fail(const std::string& message, TelemetryFailure failure) const {
  TelemetryError error(failure, message);
  error.at("DPDK telemetry " + path_);
  throw error;
}

TelemetryClient TelemetryClient::connect(const std::string& socket_path,
                                         std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(address.sun_path)) {
    throw Error(fmt::format("the socket path is empty or longer than {} bytes",
                            sizeof(address.sun_path) - 1))
        .at("DPDK telemetry " + socket_path);
  }
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  process::UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  TelemetryClient client(process::UniqueFd(), socket_path);
  if (!fd) client.fail(fmt::format("cannot create a socket: {}", std::strerror(errno)));
  // A Unix socket connect does not block on a live listener with room in its backlog; DPDK's
  // listener accepts at once, so a plain blocking connect is bounded in practice.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    const int error = errno;
    client.fail(fmt::format("cannot connect: {}", std::strerror(error)),
                error == ENOENT         ? TelemetryFailure::kMissing
                : error == ECONNREFUSED ? TelemetryFailure::kRefused
                                        : TelemetryFailure::kOther);
  }
  client.fd_ = std::move(fd);
  const std::string hello = client.receive("DPDK's greeting", deadline);
  try {
    client.greeting_ = nlohmann::json::parse(hello);
  } catch (const nlohmann::json::exception&) {
    client.fail("the greeting is not JSON: " + hello.substr(0, 200));
  }
  if (!client.greeting_.is_object()) client.fail("the greeting is not an object: " + hello);
  return client;
}

std::string TelemetryClient::receive(std::string_view waiting_for, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(fmt::format("poll: {}", std::strerror(errno)));
    if (n == 0) {
      fail(fmt::format("no answer in time waiting for {}", waiting_for),
           TelemetryFailure::kTimeout);
    }
    std::string buffer(kMaxMessage, '\0');
    ssize_t got = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail(fmt::format("receiving {}: {}", waiting_for, std::strerror(errno)));
    if (got == 0) fail(fmt::format("DPDK closed the socket before {}", waiting_for));
    buffer.resize(static_cast<std::size_t>(got));
    return buffer;
  }
}

nlohmann::json TelemetryClient::query(std::string_view command, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (!fd_) fail("not connected");
  ssize_t sent = ::send(fd_.get(), command.data(), command.size(), MSG_NOSIGNAL);
  if (sent != static_cast<ssize_t>(command.size())) {
    fail(fmt::format("sending {}: {}", command, std::strerror(errno)));
  }
  const std::string text = receive(fmt::format("the reply to {}", command), deadline);
  nlohmann::json reply;
  try {
    reply = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    fail(fmt::format("the reply to {} is not JSON: {}", command, text.substr(0, 200)));
  }
  try {
    return reply_value(reply, command);
  } catch (Error& e) {
    throw e.at("DPDK telemetry " + path_);
  }
}

std::vector<int> TelemetryClient::ethdev_list(std::chrono::milliseconds timeout) {
  return parse_ethdev_list(query("/ethdev/list", timeout));
}

LinkStatus TelemetryClient::link_status(int port, std::chrono::milliseconds timeout) {
  return parse_link_status(query(fmt::format("/ethdev/link_status,{}", port), timeout));
}

EthdevStats TelemetryClient::stats(int port, std::chrono::milliseconds timeout) {
  return parse_ethdev_stats(query(fmt::format("/ethdev/stats,{}", port), timeout));
}

}  // namespace cnfctl::testpmd
