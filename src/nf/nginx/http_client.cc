#include "nf/nginx/http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <functional>
#include <optional>

#include "common/error.h"
#include "process/unique_fd.h"

namespace cnfctl::nginx {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxResponse = 64 * 1024 * 1024;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

namespace {

using Fail = std::function<Error(const std::string&)>;

// Waits for a non-blocking connect() that returned EINPROGRESS / EAGAIN to finish.
void finish_connect(int fd, Clock::time_point deadline, const Fail& fail) {
  pollfd p{fd, POLLOUT, 0};
  int n = 0;
  do {
    n = ::poll(&p, 1, remaining_ms(deadline));
  } while (n < 0 && errno == EINTR);
  if (n == 0) throw fail("connect: no answer in time");
  int error = 0;
  socklen_t size = sizeof(error);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
  if (n < 0 || error != 0) {
    throw fail(fmt::format("connect: {}", std::strerror(n < 0 ? errno : error)));
  }
}

// Sends the GET on the connected non-blocking `fd` and reads the whole response.
HttpResponse exchange(int fd, const std::string& host, int port, const std::string& path,
                      Clock::time_point deadline, const Fail& fail) {
  const std::string request = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: cnfctl\r\nAccept: */*\r\n"
      "Connection: close\r\n\r\n",
      path, host, port);
  std::size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      throw fail(fmt::format("send: {}", std::strerror(errno)));
    }
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) == 0) throw fail("send: no progress in time");
  }

  std::string raw;
  for (;;) {
    try {
      if (auto done = process::complete_http_response(raw, false)) return *done;
    } catch (const Error& e) {
      throw fail(e.message());
    }
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, remaining_ms(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw fail(fmt::format("poll: {}", std::strerror(errno)));
    if (n == 0) throw fail(fmt::format("no complete response in time ({} bytes)", raw.size()));
    char buffer[16384];
    ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (got < 0) throw fail(fmt::format("recv: {}", std::strerror(errno)));
    if (got == 0) {
      try {
        return process::parse_http_response(raw);
      } catch (const Error& e) {
        throw fail(e.message());
      }
    }
    raw.append(buffer, static_cast<std::size_t>(got));
    if (raw.size() > kMaxResponse) throw fail("the response is larger than 64 MiB");
  }
}

}  // namespace

HttpResponse http_get(const std::string& ipv4, int port, const std::string& path,
                      std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string url = fmt::format("http://{}:{}{}", ipv4, port, path);
  const Fail fail = [&](const std::string& why) -> Error {
    return Error("HTTP GET " + url + ": " + why);
  };

  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (port <= 0 || port > 65535 || ::inet_pton(AF_INET, ipv4.c_str(), &address.sin_addr) != 1) {
    throw fail("not an IPv4 address and port");
  }
  process::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw fail(fmt::format("socket: {}", std::strerror(errno)));
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno != EINPROGRESS) throw fail(fmt::format("connect: {}", std::strerror(errno)));
    finish_connect(fd.get(), deadline, fail);
  }
  return exchange(fd.get(), ipv4, port, path, deadline, fail);
}

HttpResponse http_get_via_unix_socket(const std::string& socket_path, const std::string& ipv4,
                                      int port, const std::string& path,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string url = fmt::format("http://{}:{}{} (via {})", ipv4, port, path, socket_path);
  const Fail fail = [&](const std::string& why) -> Error {
    return Error("HTTP GET " + url + ": " + why);
  };
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(address.sun_path)) {
    throw fail(fmt::format("the socket path is empty or longer than {} bytes",
                           sizeof(address.sun_path) - 1));
  }
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  process::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw fail(fmt::format("socket: {}", std::strerror(errno)));
  // A unix socket connect never completes later: EAGAIN (the listener's backlog is full) means
  // trying again.
  while (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno == EINTR) continue;
    if (errno != EAGAIN) throw fail(fmt::format("connect: {}", std::strerror(errno)));
    if (remaining_ms(deadline) == 0) throw fail("connect: the listener's backlog stayed full");
    ::usleep(5000);
  }
  return exchange(fd.get(), ipv4, port, path, deadline, fail);
}

}  // namespace cnfctl::nginx
