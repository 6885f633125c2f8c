// Bring-up and tear-down of N containers whose NF becomes ready a while after it starts: the
// seed's strategy (ContainerManager: acquire all, create all, then for each container probe
// readiness and sleep 1 s after a failed probe; stop all, destroy all — every step serial)
// against cnfctl's (`up`: each container's acquire → create → ready pipeline in parallel, at most
// `jobs` in flight, probes backing off from 5 ms to 200 ms; `down` likewise). Both drive cnfctl's
// Engine, so the ratio is the strategy's alone.
#pragma once

#include <chrono>
#include <cstddef>

#include "bench_target.h"

namespace cnfctl::bench {

struct BringUpSettings {
  std::size_t containers = 1;
  std::size_t jobs = 8;                        // cnfctl's `up --jobs` default
  std::chrono::milliseconds ready_after{300};  // the NF's start-up time inside the container
  int repeats = 3;                             // each strategy's times are medians of these
};

struct BringUpTimes {
  double up_ms = 0;    // from the first acquire until every container answered its probe
  double down_ms = 0;  // stop and destroy of all
};

struct BringUpComparison {
  BringUpTimes seed;    // medians
  BringUpTimes cnfctl;  // medians
};

/// Runs both strategies `settings.repeats` times, alternating which goes first. Throws
/// Interrupted, cnfctl::Error; every container made is removed whatever happens.
BringUpComparison compare_bring_up(BenchTarget& target, const BringUpSettings& settings);

}  // namespace cnfctl::bench
