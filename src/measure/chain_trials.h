// Trials through a running chain: cnfctl-gen (the `trafficgen` NF of the run's generator
// containers) offers a rate for a duration and counts what came back, over its control socket
// (locally its host path, on an SSH node a unix socket forwarded over the node's master); the
// NFs' port counters are read before and after a trial when asked, so the drop point is named.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "measure/result_file.h"
#include "plan/plan.h"
#include "run/run_environment.h"
#include "trafficgen/client.h"
#include "trafficgen/protocol.h"

namespace cnfctl::measure {

/// What every trial sends, besides its rate and duration.
struct TrialShape {
  std::uint32_t frame_size = 64;  // 0: IMIX
  std::uint32_t flows = 1;
  double warmup_s = 0;
  trafficgen::Direction direction = trafficgen::Direction::kBoth;
  std::uint32_t tail_ms = 100;
};

/// Whether the run's traffic generator is cnfctl-gen (the `trafficgen` NF, or a `command` NF
/// running it with a control socket): what `measure`, and `traffic` on such a run, drive.
bool has_cnfctl_gen(const plan::Plan& plan);

class ChainTrials {
 public:
  /// Connects to the control socket of every generator of `plan` (containers of NF kind
  /// trafficgen in the generator role). Throws Error::bad_input when the plan has none (naming
  /// the run), cnfctl::Error when a socket cannot be reached.
  ChainTrials(const plan::Plan& plan, run::RunEnvironment& env, TrialShape shape);
  ~ChainTrials();

  /// Runs one trial at `rate_pps` (offered, summed over every generator and direction) for
  /// `duration_s`; with `read_hops`, reads every NF's counters around it. The rate is split
  /// evenly over the generators and their directions; several generators run at once and their
  /// counts are summed. Throws cnfctl::Error (located at the generator) when a trial fails.
  TrialRecord run(double rate_pps, double duration_s, bool read_hops);

  /// How many directions each trial sends (2 for both, else 1), times the generators.
  int streams() const;
  const std::vector<std::string>& generators() const { return generator_names_; }

 private:
  std::vector<traffic::HopRate> counters_between(
      const std::vector<std::vector<nf::PortCounters>>& before,
      std::chrono::steady_clock::time_point t0, std::vector<std::string>& notes);
  std::vector<std::vector<nf::PortCounters>> read_counters(std::vector<std::string>& notes);

  const plan::Plan& plan_;
  run::RunEnvironment& env_;
  TrialShape shape_;
  std::vector<std::string> generator_names_;
  std::vector<std::unique_ptr<trafficgen::GenClient>> clients_;
  std::vector<const plan::PlannedContainer*> counted_;  // containers whose counters are read
};

/// Sums the results of generators that ran one trial at once: counts add up, rates add up,
/// latency takes the lowest min, the highest max and percentile values weighted by count (an
/// approximation; exact for one generator). Pure.
trafficgen::TrialResult sum_generators(const std::vector<trafficgen::TrialResult>& parts);

}  // namespace cnfctl::measure
