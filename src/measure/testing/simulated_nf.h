// Simulated NFs for the search's unit tests and the simulated half of the search benchmark:
// loss models with a known capacity, standing in for a chain only where the algorithm itself is
// under test (the end-to-end tests run the real generator).
#pragma once

#include <cstdint>
#include <random>

#include "measure/mlr_search.h"

namespace cnfctl::measure::testing {

/// Forwards up to `capacity` frames/s and drops the rest, exactly: a trial at rate r for d
/// seconds sends round(r d) frames and receives min(sent, capacity d).
struct DeterministicNf {
  double capacity = 0;
  /// The generator's own limit (frames/s; 0: none): above it, it sends only this many.
  double generator_limit = 0;
  TrialCounts operator()(double rate, double duration_s) const;
};

/// A deterministic NF plus noise, reproducible from `seed`: each trial's capacity varies by a
/// normal factor (relative standard deviation `jitter`), and with probability
/// `hiccup_probability` a trial also loses `hiccup_frames` frames whatever its rate (a
/// descheduled NF on a shared core).
class NoisyNf {
 public:
  NoisyNf(double capacity, double jitter, double hiccup_probability, std::uint64_t hiccup_frames,
          std::uint32_t seed);
  TrialCounts operator()(double rate, double duration_s);

 private:
  double capacity_;
  double jitter_;
  double hiccup_probability_;
  std::uint64_t hiccup_frames_;
  std::mt19937 random_;
};

}  // namespace cnfctl::measure::testing
