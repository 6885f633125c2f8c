// The `gen` mode's data path: one busy-polling loop that sends TSC-paced streams on its ports
// and accounts every frame it receives (sequence window and latency histogram per stream).
//
// Threads: run() is the data lcore; trial() is called by the control thread and blocks until
// the trial is done. They share a state word (idle → armed → running → done): the control
// thread writes the plan before arming, the data thread owns the accounting until it sets done
// (release), after which the control thread reads it (acquire). No locks on the data path.
#pragma once

#include <rte_mempool.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "trafficgen/frame.h"
#include "trafficgen/histogram.h"
#include "trafficgen/pacing.h"
#include "trafficgen/protocol.h"
#include "trafficgen/sequence.h"

namespace cnfctl::trafficgen {

class Generator {
 public:
  static constexpr int kMaxStreams = 2;
  static constexpr unsigned kBurst = 32;

  /// `ports`: one or two started ports. `small_pool` holds frames up to its data room, `jumbo_pool`
  /// the larger ones.
  Generator(std::vector<std::uint16_t> ports, rte_mempool* small_pool, rte_mempool* jumbo_pool,
            std::uint16_t small_room);

  /// The data loop; returns when `quit` becomes true.
  void run(const std::atomic<bool>& quit);

  /// Runs one trial (control thread). Throws cnfctl::Error (bad input) when the request does not
  /// fit the ports (a two-port direction on one port), or when `quit` is raised meanwhile.
  TrialResult trial(const TrialRequest& request, const std::atomic<bool>& quit);

  std::size_t port_count() const { return ports_.size(); }
  /// Frames received that were not of the running trial (other trials, not ours at all).
  std::uint64_t foreign_frames() const { return foreign_.load(std::memory_order_relaxed); }

 private:
  enum State : int { kIdle, kArmed, kRunning, kDone };

  struct TxStream {
    bool enabled = false;
    int tx_port = 0;  // index into ports_
    std::uint8_t stream = 0;
    std::unique_ptr<FrameTemplates> templates;
    rte_mempool* pool = nullptr;
    // The phase being sent: warm-up (trial id 0) then measured.
    bool warming = false;
    std::uint64_t rate = 0;          // frames per second; 0: unpaced
    std::uint64_t total = 0;         // frames of the phase (paced)
    std::uint64_t phase_cycles = 0;  // length of the phase
    std::uint64_t warm_total = 0;
    std::uint64_t warm_cycles = 0;
    std::uint64_t measure_total = 0;
    std::uint64_t measure_cycles = 0;
    std::uint64_t start = 0;
    std::uint64_t sent = 0;
    std::uint64_t dropped = 0;  // refused by the TX ring
    std::uint64_t last_tx = 0;
    std::uint64_t max_late = 0;  // cycles: how far behind its schedule the stream got
    bool done = false;
  };

  struct RxStream {
    SequenceWindow window;
    Histogram latency;
  };

  void begin_trial(std::uint64_t now);
  void start_phase(TxStream& s, bool warming, std::uint64_t now);
  bool transmit(TxStream& s, std::uint64_t now);  // true when the stream is done
  void receive(std::uint16_t port);
  bool tail_done(std::uint64_t now) const;

  std::vector<std::uint16_t> ports_;
  rte_mempool* small_pool_;
  rte_mempool* jumbo_pool_;
  std::uint16_t small_room_;
  std::uint64_t hz_;
  CyclesToNs to_ns_;

  std::atomic<int> state_{kIdle};
  // Written by the control thread before arming.
  TrialRequest request_;
  std::uint8_t trial_id_ = 0;
  // Owned by the data thread while running.
  std::array<TxStream, kMaxStreams> tx_;
  std::array<RxStream, kMaxStreams> rx_;
  bool rx_active_ = false;
  bool tx_finished_ = false;
  std::uint64_t tx_end_ = 0;
  std::uint64_t tail_cycles_ = 0;
  std::atomic<std::uint64_t> foreign_{0};
};

}  // namespace cnfctl::trafficgen
