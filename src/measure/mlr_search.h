// NDR and PDR in one search, the way FD.io CSIT's MLRsearch finds them (its published
// methodology and the IETF draft draft-ietf-bmwg-mlrsearch): one search narrows an interval for
// every goal loss ratio at once (0 for NDR, e.g. 0.5% for PDR), reusing every trial result for
// every goal; short trials while the intervals are wide, full-length trials only at the end.
//
// The search runs in phases. An initial phase measures at the max rate, then at the rate the
// NF forwarded (its receive rate), then one goal width further, all at the initial trial
// duration. Then each phase doubles the trial duration and halves the goal width (in
// logarithmic terms) until the final phase runs at the final trial duration and the final goal
// width. A phase first re-measures the bounds the previous phase found (one trial each, usually)
// and then, per goal, extends the interval up or down (external search, widening by a factor 2
// each time) until it has a lower and an upper bound, and bisects it (internal search) until
// it is narrower than the phase's width goal.
//
// Loss inversion (a lower rate losing more than a higher one, at the same trial duration) is
// handled as CSIT does: a trial's effective loss ratio is the largest loss ratio seen at any
// rate up to its own, so the lower bound is always below every rate with too much loss.
//
// Pure: trials run through the Measurer callback; no clock, no I/O. Rates are in frames per
// second of the offered load (aggregate over both directions when the generator sends both).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cnfctl::measure {

/// What a trial counted: frames sent by the generator and received back by it.
struct TrialCounts {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  /// Frames the trial should have sent (rate x duration); 0: unknown (then `sent` is taken as
  /// what was offered). A generator that sent less than 99% of this could not offer the rate:
  /// the shortfall counts as loss, so a rate the generator cannot reach is never a lower bound.
  std::uint64_t intended = 0;
};

/// Runs one trial: offer `rate` frames/s for `duration_s` seconds and count. Throws to abort
/// the search (the exception passes through search()).
using Measurer = std::function<TrialCounts(double rate, double duration_s)>;

struct SearchConfig {
  /// The goal loss ratios, sorted, unique, each in [0, 1): {0, 0.005} is NDR and PDR at 0.5%.
  std::vector<double> loss_ratios = {0.0, 0.005};
  double min_rate = 10'000;     // frames/s; the search never offers less
  double max_rate = 0;          // frames/s; required, > min_rate
  double final_duration = 30;   // s: the full-length trial duration of the final phase
  double initial_duration = 1;  // s: the shortest trials (initial phase), <= final_duration
  /// The final relative width: upper bound minus lower bound, divided by the upper bound.
  double goal_width = 0.005;
  double expansion = 2;  // how much an external search step widens the interval
  /// Stop (throw) after this many trials or this many seconds of trial durations (0: no limit).
  std::size_t max_trials = 500;
  double max_trial_seconds = 0;
};

/// Throws Error::bad_input naming the setting when `config` cannot work (no max rate, min >=
/// max, ratios unsorted or out of range, durations not positive, width not in (0, 1)).
void validate(const SearchConfig& config);

/// One trial as the search saw it.
struct SearchTrial {
  std::size_t index = 0;  // in the order the trials ran, from 0
  int phase = 0;          // -1: the initial phase; 0..phases-1, the last one final
  double rate = 0;        // offered, frames/s
  double duration = 0;    // s, requested
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t intended = 0;
  /// (sent - received) / sent, or the shortfall against `intended` when the generator fell
  /// short (see TrialCounts). 1 when nothing was sent.
  double loss_ratio = 0;
  /// The largest loss ratio among the trials of the same duration at rates up to this one,
  /// when the search last looked (CSIT's loss-inversion rule).
  double effective_loss_ratio = 0;
  /// rate x received / sent: the forwarding rate this trial saw.
  double forwarding_rate = 0;
};

/// The loss ratio of one trial's counts (see SearchTrial::loss_ratio). Pure.
double loss_ratio_of(const TrialCounts& counts);

/// The result for one goal loss ratio.
struct GoalResult {
  double loss_ratio = 0;
  /// The relevant lower bound: the highest rate of the final duration whose effective loss
  /// ratio is within the goal, below every rate with more loss. nullopt when even min_rate lost
  /// too much.
  std::optional<double> lower_bound;
  /// The relevant upper bound: the lowest final-duration rate with too much loss; nullopt when
  /// max_rate itself is within the goal.
  std::optional<double> upper_bound;
  std::optional<std::size_t> lower_trial;  // index into SearchResult::trials
  std::optional<std::size_t> upper_trial;
  /// (upper - lower) / upper; 0 when a bound is missing.
  double relative_width = 0;
  /// The forwarding rate at the lower bound (CSIT's conditional throughput); 0 without one.
  double conditional_throughput = 0;

  /// "regular", "max rate is a lower bound", "min rate is an upper bound".
  std::string status() const;
};

struct SearchResult {
  SearchConfig config;
  int phases = 0;                       // non-initial phases, the last of them final
  std::vector<double> phase_durations;  // s, by phase
  std::vector<double> phase_widths;     // relative width goals, by phase
  std::vector<SearchTrial> trials;
  std::vector<GoalResult> goals;  // one per config.loss_ratios, same order
  double trial_seconds = 0;       // the sum of the trials' requested durations
};

/// Runs the search. Validates `config` first (Error::bad_input). Throws cnfctl::Error when the
/// trial budget (max_trials / max_trial_seconds) runs out before the final phase is done, and
/// whatever `measure` throws.
SearchResult search(const SearchConfig& config, const Measurer& measure);

/// The classic alternative the benchmark compares against: one RFC 2544 binary search for one
/// loss ratio, every trial at `duration`: max_rate first, then bisection of [min_rate,
/// max_rate] (in logarithmic terms, like the search) until the relative width is at most
/// `goal_width`. Returns the trials and the one goal result. Throws like search().
SearchResult binary_search(double loss_ratio, double min_rate, double max_rate, double duration,
                           double goal_width, const Measurer& measure);

/// Relative-width arithmetic in logarithmic terms (what CSIT's WidthArithmetics does), exposed
/// for tests.
namespace width {
/// The relative width whose logarithmic size is `coefficient` times that of `relative_width`
/// (always < 1). Slightly less, so rounding never asks for one more bisection.
double multiply(double relative_width, double coefficient);
/// The relative width of the interval [lo, hi]: (hi - lo) / hi.
double of(double lo, double hi);
/// The rate `relative_width` below / above `rate`.
double step_down(double rate, double relative_width);
double step_up(double rate, double relative_width);
/// Where to bisect [lo, lo / (1 - relative_width)] for `goal_width`: the middle in logarithmic
/// terms, or an uneven split that lands on a whole number of goal widths when that saves a
/// later bisection.
double bisect(double lo, double relative_width, double goal_width);
}  // namespace width

}  // namespace cnfctl::measure
