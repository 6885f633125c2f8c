#include "process/unix_stream.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

#include "common/error.h"

namespace cnfctl::process {
namespace {

// How long to wait before retrying a connect refused because the listener's backlog is full.
constexpr std::chrono::milliseconds kBacklogRetryPause{5};

std::string errno_text(int error) {
  return fmt::format("{} (errno {})", std::strerror(error), error);
}

}  // namespace

Deadline Deadline::after(std::chrono::milliseconds budget) {
  return Deadline{std::chrono::steady_clock::now() + budget, budget};
}

int Deadline::remaining_ms() const {
  auto left = at - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(ms);
}

UnixStream::UnixStream(int fd, std::string path, std::string what)
    : fd_(fd), path_(std::move(path)), what_(std::move(what)) {}

UnixStream::UnixStream(UnixStream&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      path_(std::move(other.path_)),
      what_(std::move(other.what_)) {}

UnixStream& UnixStream::operator=(UnixStream&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    what_ = std::move(other.what_);
  }
  return *this;
}

UnixStream::~UnixStream() {
  close();
}

void UnixStream::close() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void UnixStream::fail(const std::string& message) const {
  throw Error(fmt::format("{} {}: {}", what_, path_, message));
}

UnixStream UnixStream::connect(const std::string& path, std::string what, Deadline deadline) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    throw Error::bad_input(path, fmt::format("{} path must be 1 to {} bytes long", what,
                                             sizeof(address.sun_path) - 1));
  }
  std::memcpy(address.sun_path, path.data(), path.size());

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw Error(fmt::format("{} {}: cannot create a socket: {}", what, path, errno_text(errno)));
  }
  UnixStream stream(fd, path, std::move(what));
  while (true) {
    // A non-blocking connect on a Unix socket completes at once or fails with EAGAIN when the
    // listener's backlog is full; then it is retried until the deadline.
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) break;
    int error = errno;
    if (error == EINTR) continue;
    if (error == EAGAIN && !deadline.passed()) {
      std::this_thread::sleep_for(kBacklogRetryPause);
      continue;
    }
    stream.fail(fmt::format("cannot connect: {}", errno_text(error)));
  }
  return stream;
}

void UnixStream::send_all(std::span<const std::uint8_t> data, std::string_view sending,
                          Deadline deadline) {
  if (fd_ < 0) fail(fmt::format("cannot send {}: the connection is closed", sending));
  std::size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    int error = errno;
    if (error == EINTR) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) {
      fail(fmt::format("cannot send {}: {}", sending, errno_text(error)));
    }
    pollfd p{fd_, POLLOUT, 0};
    int ready = ::poll(&p, 1, deadline.remaining_ms());
    if (ready < 0 && errno != EINTR) fail(fmt::format("poll failed: {}", errno_text(errno)));
    if (ready == 0) {
      fail(fmt::format("could not send {} within {} ms", sending, deadline.budget.count()));
    }
  }
}

void UnixStream::send_all(std::string_view data, std::string_view sending, Deadline deadline) {
  send_all(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), sending,
           deadline);
}

bool UnixStream::wait_readable(Deadline deadline) {
  if (fd_ < 0) return true;  // the next read reports the closed connection
  while (true) {
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, deadline.remaining_ms());
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) fail(fmt::format("poll failed: {}", errno_text(errno)));
  }
}

std::size_t UnixStream::receive_some(std::span<std::uint8_t> buffer, std::string_view waiting_for,
                                     Deadline deadline) {
  if (fd_ < 0) fail(fmt::format("cannot read {}: the connection is closed", waiting_for));
  while (true) {
    ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    int error = errno;
    if (error == EINTR) continue;
    if (error != EAGAIN && error != EWOULDBLOCK) {
      fail(fmt::format("cannot read {}: {}", waiting_for, errno_text(error)));
    }
    if (!wait_readable(deadline)) {
      fail(fmt::format("no answer within {} ms waiting for {}", deadline.budget.count(),
                       waiting_for));
    }
  }
}

void UnixStream::receive_exact(std::span<std::uint8_t> buffer, std::string_view waiting_for,
                               Deadline deadline) {
  std::size_t received = 0;
  while (received < buffer.size()) {
    std::size_t n = receive_some(buffer.subspan(received), waiting_for, deadline);
    if (n == 0) {
      fail(fmt::format("the connection was closed while waiting for {} ({} of {} bytes read)",
                       waiting_for, received, buffer.size()));
    }
    received += n;
  }
}

}  // namespace cnfctl::process
