// Waiting for a condition that nothing announces: look, sleep, look again, the sleeps growing.
// One definition for every such wait (engines, the NF launcher, readiness, the generator).
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

namespace cnfctl {

/// The sleeps between two looks: `first`, then doubled after each look up to `max`.
class Backoff {
 public:
  Backoff(std::chrono::microseconds first, std::chrono::microseconds max)
      : next_(first), max_(max) {}
  /// The sleep to take now; the one after it is twice as long (at most `max`).
  std::chrono::microseconds next() {
    const auto now = next_;
    next_ = std::min(next_ * 2, max_);
    return now;
  }

 private:
  std::chrono::microseconds next_;
  std::chrono::microseconds max_;
};

/// Calls `done` until it returns true (then true) or `deadline` has passed (then false, after
/// one last call), sleeping `backoff.next()` between two calls; no sleep before the first.
template <class F>
bool poll_until(F&& done, std::chrono::steady_clock::time_point deadline, Backoff backoff) {
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(backoff.next());
  }
}

}  // namespace cnfctl
