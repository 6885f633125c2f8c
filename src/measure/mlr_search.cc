#include "measure/mlr_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "common/error.h"

namespace cnfctl::measure {

namespace width {

namespace {
// Slightly less than 1: keeps rounding errors from asking for one more bisection (CSIT's
// ROUNDING_CONSTANT).
constexpr double kRounding = 0.999999;
}  // namespace

double multiply(double relative_width, double coefficient) {
  const double log_width = std::log(1.0 - relative_width);
  return 1.0 - std::exp(log_width * coefficient * kRounding);
}

double of(double lo, double hi) {
  return hi > 0 ? (hi - lo) / hi : 0.0;
}

double step_down(double rate, double relative_width) {
  return rate * (1.0 - relative_width);
}

double step_up(double rate, double relative_width) {
  return rate / (1.0 - relative_width);
}

double bisect(double lo, double relative_width, double goal_width) {
  // The even split in logarithmic terms, unless the width is a whole (even) number of goal
  // widths away from being one: then split so that the upper part is exactly half of them.
  const double even = 1.0 - std::sqrt(1.0 - relative_width);
  const double in_goals = std::log(1.0 - relative_width) / std::log(1.0 - goal_width);
  const double ceiled = 2.0 * std::ceil(in_goals / 2.0);
  const double floored = 2.0 * std::ceil(in_goals * kRounding / 2.0);
  if (in_goals <= 2.0 || ceiled != floored) return step_up(lo, even);
  return step_up(lo, multiply(goal_width, ceiled / 2.0));
}

}  // namespace width

namespace {

// A generator that sent less than this share of what it should have could not offer the rate.
constexpr double kShortfallTolerance = 0.99;
constexpr int kMaxPhases = 12;

// Trials of one duration, keyed by the duration in microseconds (durations are computed, so
// equal ones are equal to the microsecond).
using DurationKey = std::int64_t;
DurationKey key_of(double duration_s) {
  return std::llround(duration_s * 1e6);
}

struct Bounds {
  const SearchTrial* lo1 = nullptr;  // tightest lower bound
  const SearchTrial* hi1 = nullptr;  // tightest upper bound
  const SearchTrial* lo2 = nullptr;  // second tightest
  const SearchTrial* hi2 = nullptr;
};

class Search {
 public:
  Search(const SearchConfig& config, const Measurer& measure) : measure_(measure) {
    result_.config = config;
  }

  SearchResult run() {
    const auto& c = result_.config;
    // Phases from the initial duration to the final one: the final duration halved until it
    // reaches the initial one (the first phase runs at the initial duration itself).
    const double ratio = c.final_duration / c.initial_duration;
    const int intermediate =
        ratio <= 1.0 ? 0 : std::min(kMaxPhases - 1, static_cast<int>(std::ceil(std::log2(ratio))));
    result_.phases = intermediate + 1;
    for (int k = 0; k <= intermediate; ++k) {
      // Halving from the final duration is exact in binary floating point.
      const double duration =
          std::max(c.initial_duration, std::ldexp(c.final_duration, k - intermediate));
      result_.phase_durations.push_back(duration);
      result_.phase_widths.push_back(
          width::multiply(c.goal_width, std::ldexp(1.0, intermediate - k)));
    }
    initial_phase();
    for (int k = 0; k < result_.phases; ++k) {
      phase_ = k;
      run_phase(result_.phase_durations[k], result_.phase_widths[k]);
    }
    finish();
    return std::move(result_);
  }

 private:
  const SearchTrial& measure(double rate, double duration, bool into_database = true) {
    const auto& c = result_.config;
    rate = std::clamp(rate, c.min_rate, c.max_rate);
    if (result_.trials.size() >= c.max_trials) {
      throw Error(
          fmt::format("the search used its budget of {} trials before its final phase "
                      "was done (phase {} of {})",
                      c.max_trials, phase_ + 1, result_.phases));
    }
    if (c.max_trial_seconds > 0 && result_.trial_seconds + duration > c.max_trial_seconds) {
      throw Error(
          fmt::format("the search used its budget of {:g} s of trials before its final "
                      "phase was done (phase {} of {})",
                      c.max_trial_seconds, phase_ + 1, result_.phases));
    }
    const TrialCounts counts = measure_(rate, duration);
    SearchTrial t;
    t.index = result_.trials.size();
    t.phase = phase_;
    t.rate = rate;
    t.duration = duration;
    t.sent = counts.sent;
    t.received = counts.received;
    t.intended = counts.intended;
    t.loss_ratio = loss_ratio_of(counts);
    t.effective_loss_ratio = t.loss_ratio;
    t.forwarding_rate = counts.sent > 0
                            ? rate * static_cast<double>(std::min(counts.received, counts.sent)) /
                                  static_cast<double>(counts.sent)
                            : 0.0;
    result_.trials.push_back(t);
    result_.trial_seconds += duration;
    if (into_database) by_duration_[key_of(duration)].push_back(t.index);
    return result_.trials.back();
  }

  // CSIT's initial phase: max rate, then the rate the NF forwarded, then one step further.
  void initial_phase() {
    const auto& c = result_.config;
    phase_ = -1;
    const double d = c.initial_duration;
    const double initial_width = result_.phase_widths.front();
    current_ = key_of(d);
    const double at_max = measure(c.max_rate, d).forwarding_rate;
    const double below_max = width::step_down(c.max_rate, initial_width);
    const double mrr = std::max(c.min_rate, std::min(below_max, at_max));
    const SearchTrial second = measure(mrr, d);
    double mrr2 = 0;
    if (second.loss_ratio > c.loss_ratios.front()) {
      mrr2 = std::min(width::step_down(mrr, initial_width), second.forwarding_rate);
    } else {
      mrr2 = width::step_up(mrr, initial_width);
    }
    if (c.min_rate < mrr2 && mrr2 < c.max_rate) {
      measure(mrr2, d);
      // With a trial near the receive rate, the one at max rate only gets in the way (it would
      // be bisected towards instead of extending up from mrr2).
      auto& list = by_duration_[current_];
      list.erase(list.begin());
    }
  }

  // Sorted by rate; effective loss ratios set (the running maximum, equal rates alike).
  std::vector<SearchTrial*> sorted(DurationKey key) {
    std::vector<SearchTrial*> list;
    auto it = by_duration_.find(key);
    if (it == by_duration_.end()) return list;
    for (auto i : it->second) list.push_back(&result_.trials[i]);
    std::stable_sort(list.begin(), list.end(),
                     [](const SearchTrial* a, const SearchTrial* b) { return a->rate < b->rate; });
    double running = 0;
    for (std::size_t i = 0; i < list.size();) {
      std::size_t j = i;
      double group = running;
      while (j < list.size() && list[j]->rate == list[i]->rate)
        group = std::max(group, list[j++]->loss_ratio);
      for (std::size_t k = i; k < j; ++k) list[k]->effective_loss_ratio = group;
      running = group;
      i = j;
    }
    return list;
  }

  Bounds bounds(DurationKey key, double ratio) {
    Bounds b;
    for (const auto* t : sorted(key)) {
      if (t->effective_loss_ratio > ratio) {
        if (!b.hi1) {
          b.hi1 = t;
          continue;
        }
        b.hi2 = t;
        break;
      }
      b.lo2 = b.lo1;
      b.lo1 = t;
    }
    return b;
  }

  static bool improves(const SearchTrial* candidate, const SearchTrial* lo, const SearchTrial* hi) {
    if (!candidate) return false;
    if (lo && candidate->rate <= lo->rate) return false;
    if (hi && candidate->rate >= hi->rate) return false;
    return true;
  }

  std::optional<double> bisect(const SearchTrial& lo, const SearchTrial& hi) const {
    const double w = width::of(lo.rate, hi.rate);
    if (w <= width_goal_) return std::nullopt;
    return width::bisect(lo.rate, w, width_goal_);
  }

  std::optional<double> extend_down(const SearchTrial& hi1, const SearchTrial* hi2,
                                    const SearchTrial* pre_hi, bool second_needed) const {
    const auto& c = result_.config;
    if (c.min_rate >= hi1.rate) return std::nullopt;
    const SearchTrial* next = hi2;
    if (improves(pre_hi, &hi1, hi2)) next = pre_hi;
    if (!next && second_needed) return std::nullopt;
    double old_width = width_goal_;
    if (next) old_width = std::max(width::of(hi1.rate, next->rate), width_goal_);
    const double rate = width::step_down(hi1.rate, width::multiply(old_width, c.expansion));
    return std::max(rate, c.min_rate);
  }

  std::optional<double> extend_up(const SearchTrial& lo1, const SearchTrial* lo2,
                                  const SearchTrial* pre_lo) const {
    const auto& c = result_.config;
    if (c.max_rate <= lo1.rate) return std::nullopt;
    const SearchTrial* next = lo2;
    if (improves(pre_lo, lo2, &lo1)) next = pre_lo;
    double old_width = width_goal_;
    if (next) old_width = std::max(width::of(next->rate, lo1.rate), width_goal_);
    const double rate = width::step_up(lo1.rate, width::multiply(old_width, c.expansion));
    return std::min(rate, c.max_rate);
  }

  // The next rate to measure for `ratio` at the current duration, or nullopt when its interval
  // is narrow enough (or the min rate already loses too much).
  std::optional<double> select(double ratio) {
    const Bounds cur = bounds(current_, ratio);
    Bounds pre;
    if (previous_) pre = bounds(*previous_, ratio);
    const bool pre_lo_improves = improves(pre.lo1, cur.lo1, cur.hi1);
    const bool pre_hi_improves = improves(pre.hi1, cur.lo1, cur.hi1);
    if (pre_lo_improves && pre_hi_improves) {
      // The previous phase's interval, bisected once at this duration's narrower goal.
      if (auto rate = bisect(*pre.lo1, *pre.hi1)) return rate;
    }
    if (pre_lo_improves) return pre.lo1->rate;  // re-measure the previous lower bound
    if (pre_hi_improves) return pre.hi1->rate;
    if (!cur.lo1 && !cur.hi1) {
      throw Error("internal error: the search has no trial at the current duration");
    }
    if (!cur.lo1) return extend_down(*cur.hi1, cur.hi2, pre.hi1, false);
    if (!cur.hi1) return extend_up(*cur.lo1, cur.lo2, pre.lo1);
    const auto bisected = bisect(*cur.lo1, *cur.hi1);
    const auto extended = extend_down(*cur.hi1, cur.hi2, pre.hi1, true);
    if (bisected && extended && *extended > *bisected) return extended;
    return bisected;
  }

  void run_phase(double duration, double width_goal) {
    const auto key = key_of(duration);
    if (key > current_) {
      previous_ = current_;
      current_ = key;
    }
    width_goal_ = width_goal;
    const auto& ratios = result_.config.loss_ratios;
    for (;;) {
      std::optional<double> next;
      for (std::size_t i = 0; i < ratios.size() && !next; ++i) {
        next = select(ratios[i]);
        if (!next && i == 0 && !bounds(current_, ratios[0]).lo1) return;  // min rate fails
      }
      if (!next) return;  // every goal is narrow enough
      measure(*next, duration);
    }
  }

  void finish() {
    sorted(current_);  // the effective loss ratios of the final trials, as reported
    for (double ratio : result_.config.loss_ratios) {
      const Bounds b = bounds(current_, ratio);
      GoalResult g;
      g.loss_ratio = ratio;
      if (b.lo1) {
        g.lower_bound = b.lo1->rate;
        g.lower_trial = b.lo1->index;
        g.conditional_throughput = b.lo1->forwarding_rate;
      }
      if (b.hi1) {
        g.upper_bound = b.hi1->rate;
        g.upper_trial = b.hi1->index;
      }
      if (b.lo1 && b.hi1) g.relative_width = width::of(b.lo1->rate, b.hi1->rate);
      result_.goals.push_back(g);
    }
  }

  const Measurer& measure_;
  SearchResult result_;
  std::map<DurationKey, std::vector<std::size_t>> by_duration_;
  DurationKey current_ = 0;
  std::optional<DurationKey> previous_;
  double width_goal_ = 0;
  int phase_ = -1;
};

}  // namespace

double loss_ratio_of(const TrialCounts& counts) {
  double ratio = 1.0;
  if (counts.sent > 0) {
    const auto received = std::min(counts.received, counts.sent);
    ratio = static_cast<double>(counts.sent - received) / static_cast<double>(counts.sent);
  }
  if (counts.intended > 0 && static_cast<double>(counts.sent) <
                                 kShortfallTolerance * static_cast<double>(counts.intended)) {
    const auto received = std::min(counts.received, counts.intended);
    ratio = std::max(ratio, static_cast<double>(counts.intended - received) /
                                static_cast<double>(counts.intended));
  }
  return ratio;
}

std::string GoalResult::status() const {
  if (!lower_bound) return "min rate is an upper bound";
  if (!upper_bound) return "max rate is a lower bound";
  return "regular";
}

void validate(const SearchConfig& c) {
  require_input(c.max_rate > 0, "--max-rate", "the search needs a max rate above 0");
  require_input(c.min_rate > 0, "--min-rate", "the min rate must be above 0");
  require_input(c.min_rate < c.max_rate, "--min-rate",
                fmt::format("the min rate ({:g}/s) must be below the max rate ({:g}/s)", c.min_rate,
                            c.max_rate));
  require_input(!c.loss_ratios.empty(), "--pdr-loss", "the search needs at least one loss ratio");
  for (std::size_t i = 0; i < c.loss_ratios.size(); ++i) {
    const double r = c.loss_ratios[i];
    require_input(r >= 0 && r < 1, "--pdr-loss",
                  fmt::format("a loss ratio must be in [0, 1), not {:g}", r));
    require_input(i == 0 || c.loss_ratios[i - 1] < r, "--pdr-loss",
                  "the loss ratios must be sorted and unique (e.g. 0 for NDR, 0.005 for PDR)");
  }
  require_input(c.final_duration > 0, "--final-duration", "the final duration must be positive");
  require_input(c.initial_duration > 0 && c.initial_duration <= c.final_duration,
                "--initial-duration",
                fmt::format("the initial duration must be positive and at most the final "
                            "duration ({:g} s)",
                            c.final_duration));
  require_input(c.goal_width > 0 && c.goal_width < 1, "--goal-width",
                fmt::format("the goal width must be in (0, 1), not {:g}", c.goal_width));
  require_input(c.expansion > 1, "expansion", "the expansion factor must be above 1");
  require_input(c.max_trials > 2, "max trials", "the search needs at least 3 trials");
}

SearchResult search(const SearchConfig& config, const Measurer& measure) {
  validate(config);
  return Search(config, measure).run();
}

SearchResult binary_search(double loss_ratio, double min_rate, double max_rate, double duration,
                           double goal_width, const Measurer& measure) {
  SearchConfig config;
  config.loss_ratios = {loss_ratio};
  config.min_rate = min_rate;
  config.max_rate = max_rate;
  config.final_duration = duration;
  config.initial_duration = duration;
  config.goal_width = goal_width;
  validate(config);
  SearchResult result;
  result.config = config;
  result.phases = 1;
  result.phase_durations = {duration};
  result.phase_widths = {goal_width};
  auto trial = [&](double rate) -> const SearchTrial& {
    if (result.trials.size() >= config.max_trials) {
      throw Error(fmt::format("the binary search used its budget of {} trials", config.max_trials));
    }
    const auto counts = measure(rate, duration);
    SearchTrial t;
    t.index = result.trials.size();
    t.rate = rate;
    t.duration = duration;
    t.sent = counts.sent;
    t.received = counts.received;
    t.intended = counts.intended;
    t.loss_ratio = t.effective_loss_ratio = loss_ratio_of(counts);
    t.forwarding_rate = counts.sent > 0
                            ? rate * static_cast<double>(std::min(counts.received, counts.sent)) /
                                  static_cast<double>(counts.sent)
                            : 0.0;
    result.trials.push_back(t);
    result.trial_seconds += duration;
    return result.trials.back();
  };
  GoalResult goal;
  goal.loss_ratio = loss_ratio;
  std::optional<std::size_t> lo;
  std::optional<std::size_t> hi;
  if (trial(max_rate).loss_ratio <= loss_ratio) {
    lo = 0;
  } else {
    hi = 0;
    double lo_rate = min_rate;
    while (width::of(lo_rate, result.trials[*hi].rate) > goal_width) {
      const auto& t = trial(std::sqrt(lo_rate * result.trials[*hi].rate));
      if (t.loss_ratio <= loss_ratio) {
        lo = t.index;
        lo_rate = t.rate;
      } else {
        hi = t.index;
      }
    }
    if (!lo) {
      const auto& t = trial(min_rate);  // never confirmed: measure the floor itself
      if (t.loss_ratio <= loss_ratio) lo = t.index;
    }
  }
  if (lo) {
    goal.lower_bound = result.trials[*lo].rate;
    goal.lower_trial = lo;
    goal.conditional_throughput = result.trials[*lo].forwarding_rate;
  }
  if (hi) {
    goal.upper_bound = result.trials[*hi].rate;
    goal.upper_trial = hi;
  }
  if (lo && hi) goal.relative_width = width::of(*goal.lower_bound, *goal.upper_bound);
  result.goals.push_back(goal);
  return result;
}

}  // namespace cnfctl::measure
