// A connected Unix stream socket with deadline-bounded I/O: what the VPP CLI and binary-API
// clients talk through. Every wait is bounded by a Deadline; nothing blocks forever.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cnfctl::process {

/// A point in time after which waiting fails, with the budget it was made from (for messages).
struct Deadline {
  std::chrono::steady_clock::time_point at;
  std::chrono::milliseconds budget{0};

  /// The deadline `budget` from now.
  static Deadline after(std::chrono::milliseconds budget);
  /// Milliseconds left, rounded up, 0 once passed. Never fails.
  int remaining_ms() const;
  bool passed() const { return std::chrono::steady_clock::now() >= at; }
};

class UnixStream {
 public:
  /// Connects to the Unix stream socket at `path`; `what` names it in errors ("VPP API socket").
  /// Throws Error::bad_input(path, ...) when the path does not fit in sun_path (107 bytes), and
  /// Error "<what> <path>: cannot connect: <strerror>" when it does not exist, is refused, or the
  /// listener's backlog stays full until the deadline.
  static UnixStream connect(const std::string& path, std::string what, Deadline deadline);

  UnixStream(UnixStream&& other) noexcept;
  UnixStream& operator=(UnixStream&& other) noexcept;
  UnixStream(const UnixStream&) = delete;
  UnixStream& operator=(const UnixStream&) = delete;
  ~UnixStream();

  /// Sends all of `data`. Throws Error naming `what` and the socket when the peer has closed,
  /// on any other error, or when the deadline passes first. Never raises SIGPIPE.
  void send_all(std::span<const std::uint8_t> data, std::string_view sending, Deadline deadline);
  void send_all(std::string_view data, std::string_view sending, Deadline deadline);

  /// Waits until there is something to read (data or the peer's close); false when the deadline
  /// passed first. Throws Error on a poll failure.
  bool wait_readable(Deadline deadline);

  /// Reads what is available into `buffer`, waiting until the deadline; 0 means the peer closed.
  /// Throws Error "... no answer within N ms waiting for <waiting_for>" on timeout, and Error on
  /// a read failure.
  std::size_t receive_some(std::span<std::uint8_t> buffer, std::string_view waiting_for,
                           Deadline deadline);

  /// Fills all of `buffer`. Throws Error when the peer closes first (saying how many bytes were
  /// missing), on timeout, or on a read failure.
  void receive_exact(std::span<std::uint8_t> buffer, std::string_view waiting_for,
                     Deadline deadline);

  /// Closes the socket (idempotent). Never fails.
  void close() noexcept;
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

 private:
  UnixStream(int fd, std::string path, std::string what);
  /// "<what> <path>: <message>" as a failure.
  [[noreturn]] void fail(const std::string& message) const;

  int fd_ = -1;
  std::string path_;
  std::string what_;
};

}  // namespace cnfctl::process
