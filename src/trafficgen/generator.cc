#include "trafficgen/generator.h"

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "common/error.h"
#include "trafficgen/dpdk_ports.h"

namespace cnfctl::trafficgen {

namespace {

// A paced stream sends all its frames, catching up in bursts when it was descheduled, unless it
// falls this far behind (the CPU cannot give the rate at all): then it stops, the frames it
// could not send were not offered, and tx_rate_pps says so.
std::uint64_t grace_cycles(std::uint64_t phase_cycles, std::uint64_t hz) {
  return std::max(hz, phase_cycles);
}

}  // namespace

Generator::Generator(std::vector<std::uint16_t> ports, rte_mempool* small_pool,
                     rte_mempool* jumbo_pool, std::uint16_t small_room)
    : ports_(std::move(ports)),
      small_pool_(small_pool),
      jumbo_pool_(jumbo_pool),
      small_room_(small_room),
      hz_(rte_get_tsc_hz()),
      to_ns_(hz_) {}

void Generator::run(const std::atomic<bool>& quit) {
  while (!quit.load(std::memory_order_relaxed)) {
    const int state = state_.load(std::memory_order_acquire);
    if (state == kArmed) begin_trial(rte_rdtsc());
    for (std::uint16_t port : ports_) receive(port);
    if (state_.load(std::memory_order_relaxed) != kRunning) continue;
    const std::uint64_t now = rte_rdtsc();
    if (!tx_finished_) {
      bool all_done = true;
      for (TxStream& s : tx_) {
        if (s.enabled && !s.done) all_done = transmit(s, now) && all_done;
      }
      if (all_done) {
        tx_finished_ = true;
        tx_end_ = rte_rdtsc();
      }
    } else if (tail_done(now)) {
      rx_active_ = false;
      state_.store(kDone, std::memory_order_release);
    }
  }
}

void Generator::begin_trial(std::uint64_t now) {
  const TrialRequest& r = request_;
  const bool both = r.direction == Direction::kBoth;
  const std::vector<std::uint16_t> sizes = r.sizes();
  const std::uint16_t max_size = *std::max_element(sizes.begin(), sizes.end());
  for (int i = 0; i < kMaxStreams; ++i) {
    TxStream& s = tx_[static_cast<std::size_t>(i)];
    s = TxStream{};
    s.enabled = i < static_cast<int>(ports_.size()) &&
                (both || (i == 0 && r.direction == Direction::k0to1) ||
                 (i == 1 && r.direction == Direction::k1to0));
    if (!s.enabled) {
      s.done = true;
      continue;
    }
    s.tx_port = i;
    s.stream = static_cast<std::uint8_t>(i);
    StreamShape shape;
    shape.sizes = sizes;
    shape.flows = r.flows;
    shape.direction = i;
    shape.src_mac[5] = static_cast<std::uint8_t>(1 + i);
    shape.dst_mac[5] = static_cast<std::uint8_t>(2 - i);
    s.templates = std::make_unique<FrameTemplates>(shape);
    s.pool = max_size <= small_room_ - RTE_PKTMBUF_HEADROOM ? small_pool_ : jumbo_pool_;
    s.rate = static_cast<std::uint64_t>(std::llround(r.rate_pps));
    s.warm_cycles = static_cast<std::uint64_t>(r.warmup_s * static_cast<double>(hz_));
    s.measure_cycles = static_cast<std::uint64_t>(r.duration_s * static_cast<double>(hz_));
    s.warm_total = static_cast<std::uint64_t>(std::llround(r.rate_pps * r.warmup_s));
    s.measure_total = static_cast<std::uint64_t>(std::llround(r.rate_pps * r.duration_s));
    start_phase(s, s.warm_cycles > 0 && (s.rate == 0 || s.warm_total > 0), now);
  }
  for (RxStream& rx : rx_) {
    rx.window.reset();
    rx.latency.reset();
  }
  tail_cycles_ = static_cast<std::uint64_t>(r.tail_ms) * hz_ / 1000;
  tx_finished_ = false;
  rx_active_ = true;
  state_.store(kRunning, std::memory_order_release);
}

void Generator::start_phase(TxStream& s, bool warming, std::uint64_t now) {
  s.warming = warming;
  s.total = warming ? s.warm_total : s.measure_total;
  s.phase_cycles = warming ? s.warm_cycles : s.measure_cycles;
  s.start = now;
  s.sent = 0;
  s.dropped = 0;
  s.last_tx = now;
  s.max_late = 0;
  s.done = s.rate != 0 && s.total == 0;
}

bool Generator::transmit(TxStream& s, std::uint64_t now) {
  const std::uint64_t elapsed = now - s.start;
  std::uint64_t due = 0;
  bool last_chance = false;
  if (s.rate == 0) {
    if (elapsed >= s.phase_cycles) {
      due = s.sent;
      last_chance = true;
    } else {
      due = s.sent + kBurst;
    }
  } else {
    due = frames_due(elapsed, s.rate, hz_, s.total);
    last_chance = elapsed >= s.phase_cycles + grace_cycles(s.phase_cycles, hz_);
  }
  if (due > s.sent && !last_chance) {
    if (s.rate != 0) {
      const std::uint64_t deadline = deadline_of(s.sent, s.rate, hz_);
      if (elapsed > deadline && elapsed - deadline > s.max_late) s.max_late = elapsed - deadline;
    }
    const unsigned n = static_cast<unsigned>(std::min<std::uint64_t>(due - s.sent, kBurst));
    rte_mbuf* burst[kBurst];
    if (rte_pktmbuf_alloc_bulk(s.pool, burst, n) == 0) {
      Stamp stamp;
      stamp.trial = s.warming ? 0 : trial_id_;
      stamp.stream = s.stream;
      stamp.tsc = rte_rdtsc();
      for (unsigned k = 0; k < n; ++k) {
        const std::uint64_t i = s.sent + k;
        std::uint8_t* d = mbuf_data(burst[k]);
        std::memcpy(d, s.templates->headers_of(i), kHeadersLen);
        stamp.seq = static_cast<std::uint32_t>(i);
        stamp.late = s.rate == 0 ? 0 : lateness(stamp.tsc, s.start + deadline_of(i, s.rate, hz_));
        write_stamp(d, stamp);
        const std::uint16_t size = s.templates->size_of(i);
        burst[k]->data_len = size;
        burst[k]->pkt_len = size;
      }
      const std::uint16_t port = ports_[static_cast<std::size_t>(s.tx_port)];
      const std::uint16_t ok = rte_eth_tx_burst(port, 0, burst, static_cast<std::uint16_t>(n));
      if (ok < n) {
        // The next hop's ring is full: these frames were offered and refused (lost), exactly
        // as a NIC drops what the DUT does not take; their sequence numbers stay gaps.
        rte_pktmbuf_free_bulk(burst + ok, n - ok);
        s.dropped += n - ok;
      }
      s.sent += n;
      s.last_tx = stamp.tsc;
    }
  }
  const bool finished = last_chance || (s.rate != 0 && s.sent >= s.total);
  if (!finished) return false;
  if (s.warming) {
    start_phase(s, false, rte_rdtsc());
    return s.done;
  }
  s.done = true;
  return true;
}

void Generator::receive(std::uint16_t port) {
  rte_mbuf* burst[kBurst];
  const std::uint16_t n = rte_eth_rx_burst(port, 0, burst, kBurst);
  if (n == 0) return;
  const std::uint64_t now = rte_rdtsc();
  std::uint64_t foreign = 0;
  for (std::uint16_t k = 0; k < n; ++k) {
    Stamp stamp;
    const bool ours = read_stamp(mbuf_data(burst[k]), burst[k]->data_len, &stamp);
    if (ours && rx_active_ && stamp.trial == trial_id_ && stamp.stream < kMaxStreams) {
      RxStream& rx = rx_[stamp.stream];
      rx.window.add(stamp.seq);
      rx.latency.record(now > stamp.tsc ? to_ns_(now - stamp.tsc) : 0);
    } else if (!ours || stamp.trial != 0) {
      ++foreign;  // not ours, or a late frame of an earlier trial (warm-up frames are ignored)
    }
  }
  rte_pktmbuf_free_bulk(burst, n);
  if (foreign != 0)
    foreign_.store(foreign_.load(std::memory_order_relaxed) + foreign, std::memory_order_relaxed);
}

bool Generator::tail_done(std::uint64_t now) const {
  if (now - tx_end_ >= tail_cycles_) return true;
  for (int i = 0; i < kMaxStreams; ++i) {
    const TxStream& s = tx_[static_cast<std::size_t>(i)];
    if (s.enabled && rx_[static_cast<std::size_t>(i)].window.counts().unique() < s.sent) {
      return false;
    }
  }
  return true;  // every frame sent has arrived: no tail left to wait for
}

TrialResult Generator::trial(const TrialRequest& request, const std::atomic<bool>& quit) {
  if (request.direction != Direction::k0to1 && ports_.size() < 2) {
    throw Error::bad_input("request", fmt::format("direction \"{}\" needs two ports; this "
                                                  "generator has {}",
                                                  to_string(request.direction), ports_.size()));
  }
  request_ = request;
  trial_id_ = static_cast<std::uint8_t>(trial_id_ % 255 + 1);
  state_.store(kArmed, std::memory_order_release);
  while (state_.load(std::memory_order_acquire) != kDone) {
    if (quit.load()) throw Error("cnfctl-gen is stopping; the trial was abandoned");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  TrialResult result;
  result.rate_pps = request.rate_pps;
  result.duration_s = request.duration_s;
  result.frame_size = request.frame_size;
  Histogram merged;
  for (int i = 0; i < kMaxStreams; ++i) {
    const TxStream& s = tx_[static_cast<std::size_t>(i)];
    if (!s.enabled) continue;
    const RxStream& rx = rx_[static_cast<std::size_t>(i)];
    StreamResult d;
    d.name = i == 0 ? "0to1" : "1to0";
    if (ports_.size() == 1) d.name = "0to0";
    const SequenceCounts& c = rx.window.counts();
    d.sent = s.sent;
    d.received = std::min(c.unique(), s.sent);
    d.lost = c.lost(s.sent);
    d.duplicated = c.duplicated;
    d.reordered = c.reordered;
    d.tx_dropped = s.dropped;
    // Frames k = 0..n-1 go out at their deadlines k/rate: n frames span n/rate seconds.
    double seconds = static_cast<double>(s.last_tx - s.start) / static_cast<double>(hz_);
    if (s.rate != 0) seconds += 1.0 / static_cast<double>(s.rate);
    d.tx_rate_pps = seconds > 0 ? static_cast<double>(s.sent) / seconds : 0;
    d.tx_max_late_us = static_cast<double>(to_ns_(s.max_late)) / 1000.0;
    d.latency = rx.latency.summary();
    finish(&d);
    merged.merge(rx.latency);
    result.directions.push_back(d);
  }
  result.total = sum_results(result.directions, merged);
  state_.store(kIdle, std::memory_order_release);
  return result;
}

}  // namespace cnfctl::trafficgen
