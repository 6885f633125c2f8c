#include "trafficgen/forwarder.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <algorithm>

#include "trafficgen/frame.h"

namespace cnfctl::trafficgen {

namespace {
enum Counter { kReceived, kForwarded, kDroppedLimit, kDroppedQueue, kDroppedTx };
}

Forwarder::Forwarder(std::uint16_t port0, std::uint16_t port1, const AppOptions& options)
    : limited_(options.limit_pps != 0),
      bucket_(std::max<std::uint64_t>(options.limit_pps, 1), options.bucket_depth(),
              rte_get_tsc_hz()),
      foreign_bucket_(std::max<std::uint64_t>(options.limit_pps, 1), options.bucket_depth(),
                      rte_get_tsc_hz()),
      delay_cycles_(static_cast<std::uint64_t>(options.delay_us) * rte_get_tsc_hz() / 1'000'000) {
  dirs_[0].in = port0;
  dirs_[0].out = port1;
  dirs_[1].in = port1;
  dirs_[1].out = port0;
  if (delay_cycles_ != 0) {
    for (Direction& d : dirs_) d.fifo.resize(options.delay_queue);
  }
}

Forwarder::~Forwarder() {
  for (Direction& d : dirs_) {
    for (std::size_t i = 0; i < d.count; ++i) {
      rte_pktmbuf_free(d.fifo[(d.head + i) % d.fifo.size()].mbuf);
    }
    d.count = 0;
  }
}

void Forwarder::run(const std::atomic<bool>& quit) {
  while (!quit.load(std::memory_order_relaxed)) {
    const std::uint64_t now = rte_rdtsc();
    for (Direction& d : dirs_) {
      poll(d, now);
      if (delay_cycles_ != 0) release(d, now);
    }
  }
}

void Forwarder::poll(Direction& d, std::uint64_t now) {
  rte_mbuf* burst[kBurst];
  const std::uint16_t n = rte_eth_rx_burst(d.in, 0, burst, kBurst);
  if (n == 0) return;
  add(d.counters[kReceived], n);
  const unsigned pass = limited_ ? police(d, burst, n, now) : n;
  if (pass == 0) return;
  if (delay_cycles_ == 0) {
    send(d, burst, pass);
    return;
  }
  const std::uint64_t release_at = rte_rdtsc() + delay_cycles_;
  unsigned k = 0;
  for (; k < pass && d.count < d.fifo.size(); ++k) {
    d.fifo[(d.head + d.count) % d.fifo.size()] = Held{burst[k], release_at};
    ++d.count;
  }
  if (k < pass) {
    rte_pktmbuf_free_bulk(burst + k, pass - k);
    add(d.counters[kDroppedQueue], pass - k);
  }
}

unsigned Forwarder::police(Direction& d, rte_mbuf** burst, unsigned n, std::uint64_t now) {
  rte_mbuf* dropped[kBurst];
  unsigned pass = 0;
  unsigned drop = 0;
  for (unsigned k = 0; k < n; ++k) {
    Stamp stamp;
    bool ok = false;
    if (read_stamp(rte_pktmbuf_mtod(burst[k], const std::uint8_t*), burst[k]->data_len, &stamp)) {
      bucket_.refill(stamp.due());
      ok = bucket_.take();
    } else {
      foreign_bucket_.refill(now);
      ok = foreign_bucket_.take();
    }
    if (ok) {
      burst[pass++] = burst[k];
    } else {
      dropped[drop++] = burst[k];
    }
  }
  if (drop != 0) {
    rte_pktmbuf_free_bulk(dropped, drop);
    add(d.counters[kDroppedLimit], drop);
  }
  return pass;
}

void Forwarder::release(Direction& d, std::uint64_t now) {
  rte_mbuf* burst[kBurst];
  while (d.count != 0) {
    unsigned n = 0;
    while (n < kBurst && n < d.count && d.fifo[(d.head + n) % d.fifo.size()].release <= now) {
      burst[n] = d.fifo[(d.head + n) % d.fifo.size()].mbuf;
      ++n;
    }
    if (n == 0) return;
    d.head = (d.head + n) % d.fifo.size();
    d.count -= n;
    send(d, burst, n);
  }
}

void Forwarder::send(Direction& d, rte_mbuf** burst, unsigned n) {
  const std::uint16_t ok = rte_eth_tx_burst(d.out, 0, burst, static_cast<std::uint16_t>(n));
  add(d.counters[kForwarded], ok);
  if (ok < n) {
    rte_pktmbuf_free_bulk(burst + ok, n - ok);
    add(d.counters[kDroppedTx], n - ok);
  }
}

ForwardCounters Forwarder::counters(int direction) const {
  const Direction& d = dirs_[static_cast<std::size_t>(direction)];
  ForwardCounters c;
  c.received = d.counters[kReceived].load(std::memory_order_relaxed);
  c.forwarded = d.counters[kForwarded].load(std::memory_order_relaxed);
  c.dropped_limit = d.counters[kDroppedLimit].load(std::memory_order_relaxed);
  c.dropped_queue = d.counters[kDroppedQueue].load(std::memory_order_relaxed);
  c.dropped_tx = d.counters[kDroppedTx].load(std::memory_order_relaxed);
  return c;
}

}  // namespace cnfctl::trafficgen
