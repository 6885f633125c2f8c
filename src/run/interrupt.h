// Ctrl-C and SIGTERM during `up`: a flag instead of death, so the run can be rolled back.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace cnfctl::run {

/// While it exists, SIGINT and SIGTERM are blocked in every thread created after it and taken by
/// a thread reading them from a signalfd, which sets interrupted() and calls `on_signal` (from that
/// thread). Construct it before starting any other thread. The destructor wakes that thread (an
/// eventfd), joins it and restores the signal mask; a signal that arrived is not re-raised.
class InterruptWatch {
 public:
  explicit InterruptWatch(std::function<void()> on_signal);
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;

  bool interrupted() const { return signal_.load() != 0; }
  /// The signal that arrived (SIGINT, SIGTERM), 0 if none.
  int signal() const { return signal_.load(); }

 private:
  std::function<void()> on_signal_;
  std::atomic<int> signal_{0};
  int signal_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
};

}  // namespace cnfctl::run
