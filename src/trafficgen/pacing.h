// The arithmetic of a TSC-paced sender and of a rate limiter, kept apart from DPDK so it can be
// tested. The generator never accumulates error: frame k of a stream is due at
// start + k * hz / rate, computed from the start time with 128-bit integers, so the offered rate
// over any trial is exact to one frame whatever the bursts were. Bursts shrink at low rates by
// themselves: only the frames already due are sent.
#pragma once

#include <algorithm>
#include <cstdint>

namespace cnfctl::trafficgen {

// 128-bit products keep k * hz exact for any trial length (GCC's extension, hence the marker).
__extension__ using Uint128 = unsigned __int128;

/// How many frames of a stream at `rate_pps` are due `elapsed` cycles after its start (frame 0
/// is due at once): floor(elapsed * rate / hz) + 1, capped at `total`.
inline std::uint64_t frames_due(std::uint64_t elapsed, std::uint64_t rate_pps, std::uint64_t hz,
                                std::uint64_t total) {
  const Uint128 due = static_cast<Uint128>(elapsed) * rate_pps / hz + 1;
  return due >= total ? total : static_cast<std::uint64_t>(due);
}

/// The TSC offset (from the start) at which frame `k` of a stream at `rate_pps` is due: the
/// first cycle at which frames_due() counts it, ceil(k * hz / rate).
inline std::uint64_t deadline_of(std::uint64_t k, std::uint64_t rate_pps, std::uint64_t hz) {
  return static_cast<std::uint64_t>((static_cast<Uint128>(k) * hz + rate_pps - 1) / rate_pps);
}

/// How late a frame sent at `tx` was for its deadline `due`, in cycles, saturated to 32 bits (a
/// frame sent early, at the start of its burst, is 0 late).
inline std::uint32_t lateness(std::uint64_t tx, std::uint64_t due) {
  if (tx <= due) return 0;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(tx - due, UINT32_MAX));
}

/// Converts TSC cycles to nanoseconds with one multiply and one shift.
class CyclesToNs {
 public:
  explicit CyclesToNs(std::uint64_t hz)
      : mult_(static_cast<std::uint64_t>((static_cast<Uint128>(1'000'000'000) << 32) / hz)) {}
  std::uint64_t operator()(std::uint64_t cycles) const {
    return static_cast<std::uint64_t>((static_cast<Uint128>(cycles) * mult_) >> 32);
  }

 private:
  std::uint64_t mult_;
};

/// A token bucket in TSC units: `rate_pps` frames per second, at most `depth` frames at once.
/// take(now) says whether one more frame may pass at `now` (and spends its token).
class TokenBucket {
 public:
  TokenBucket(std::uint64_t rate_pps, std::uint64_t depth, std::uint64_t hz)
      : rate_(rate_pps), hz_(hz), capacity_(depth * hz), tokens_(depth * hz) {}

  /// Adds the tokens earned since the last call. A `now` before the last one adds nothing (the
  /// due times of two interleaved streams arrive slightly out of order).
  void refill(std::uint64_t now) {
    if (last_ == 0) last_ = now;
    if (now <= last_) return;
    // At most one second of refill at once keeps the product below 2^64 for any real rate.
    const std::uint64_t elapsed = std::min(now - last_, hz_);
    last_ = now;
    tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
  }
  /// Spends one frame's token when there is one.
  bool take() {
    if (tokens_ < hz_) return false;
    tokens_ -= hz_;
    return true;
  }
  /// How many whole frames may pass now.
  std::uint64_t available() const { return tokens_ / hz_; }

 private:
  std::uint64_t rate_;
  std::uint64_t hz_;
  std::uint64_t capacity_;
  std::uint64_t tokens_;
  std::uint64_t last_ = 0;
};

}  // namespace cnfctl::trafficgen
