// The `forward` mode: the reference NF of known capacity and latency. Two ports; frames
// received on one are sent on the other. --limit passes at most R frames per second (one token
// bucket for both directions: the NF's capacity is R in total) and drops the rest; --delay-us
// holds every frame N microseconds in a FIFO before sending it (the latency ground truth).
//
// The limit meters a frame of cnfctl-gen at the time it was due (its stamp's TX timestamp minus
// its lateness), not when the forwarder happens to read it: on shared cores the forwarder and the
// generator are descheduled for milliseconds, and metering on arrival would drop frames of an
// offered rate below the limit when they arrive in a clump. So the forwarder passes exactly
// min(offered, R) of what was offered, whoever was descheduled, as long as the rings hold. Frames
// without a stamp are metered on arrival through a second bucket.
#pragma once

#include <rte_mbuf.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "trafficgen/options.h"
#include "trafficgen/pacing.h"

namespace cnfctl::trafficgen {

/// Counters of one direction (frames received on `from`, sent on the other port).
struct ForwardCounters {
  std::uint64_t received = 0;
  std::uint64_t forwarded = 0;
  std::uint64_t dropped_limit = 0;  // over the rate limit
  std::uint64_t dropped_queue = 0;  // the delay FIFO was full
  std::uint64_t dropped_tx = 0;     // the next hop's ring was full
};

class Forwarder {
 public:
  static constexpr unsigned kBurst = 32;

  Forwarder(std::uint16_t port0, std::uint16_t port1, const AppOptions& options);
  ~Forwarder();
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  /// The data loop; returns when `quit` becomes true (held frames are freed).
  void run(const std::atomic<bool>& quit);

  /// Counters of direction 0 (port 0 → 1) or 1; safe from another thread.
  ForwardCounters counters(int direction) const;

 private:
  struct Held {
    rte_mbuf* mbuf;
    std::uint64_t release;
  };
  struct Direction {
    std::uint16_t in = 0;
    std::uint16_t out = 0;
    std::vector<Held> fifo;  // a ring: head_ .. tail_
    std::size_t head = 0;
    std::size_t count = 0;
    std::array<std::atomic<std::uint64_t>, 5> counters{};  // ForwardCounters' fields in order
  };

  void poll(Direction& d, std::uint64_t now);
  void send(Direction& d, rte_mbuf** burst, unsigned n);
  void release(Direction& d, std::uint64_t now);
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  std::array<Direction, 2> dirs_;
  // How many of the n frames of `burst` the limit passes; the passing ones are moved to the front
  // in order, the others freed and counted.
  unsigned police(Direction& d, rte_mbuf** burst, unsigned n, std::uint64_t now);

  bool limited_;
  TokenBucket bucket_;          // stamped frames, on their due time
  TokenBucket foreign_bucket_;  // frames without a stamp, on arrival
  std::uint64_t delay_cycles_;
};

}  // namespace cnfctl::trafficgen
