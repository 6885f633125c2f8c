#include "measure/mlr_search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <stdexcept>

#include "common/error.h"
#include "measure/testing/simulated_nf.h"

namespace cnfctl::measure {
namespace {

using testing::DeterministicNf;
using testing::NoisyNf;

SearchConfig config_for(double max_rate, double final_duration = 8, double initial = 1) {
  SearchConfig c;
  c.loss_ratios = {0.0, 0.005};
  c.min_rate = 10'000;
  c.max_rate = max_rate;
  c.final_duration = final_duration;
  c.initial_duration = initial;
  c.goal_width = 0.005;
  return c;
}

Measurer measurer_of(DeterministicNf nf) {
  return [nf](double rate, double d) { return nf(rate, d); };
}

// A goal's bounds bracket `truth` (the highest rate meeting its loss ratio) within its width.
void expect_brackets(const GoalResult& goal, double truth, double width) {
  ASSERT_TRUE(goal.lower_bound) << goal.status();
  ASSERT_TRUE(goal.upper_bound) << goal.status();
  EXPECT_LE(*goal.lower_bound, truth * (1 + 1e-9));
  EXPECT_GT(*goal.upper_bound, truth * (1 - 1e-9));
  EXPECT_LE(goal.relative_width, width + 1e-9);
  EXPECT_GE(*goal.lower_bound, truth * (1 - width) * (1 - 1e-9));
  EXPECT_EQ(goal.status(), "regular");
}

TEST(WidthArithmetic, MultipliesInLogarithmicTerms) {
  // Twice the logarithmic width of 0.5% is 1 - 0.995^2 (a hair less, against rounding).
  EXPECT_NEAR(width::multiply(0.005, 2), 1 - 0.995 * 0.995, 1e-6);
  EXPECT_LT(width::multiply(0.005, 2), 1 - 0.995 * 0.995);
  EXPECT_LT(width::multiply(0.5, 10), 1.0);  // never 1 or more
  EXPECT_DOUBLE_EQ(width::of(99, 100), 0.01);
  EXPECT_DOUBLE_EQ(width::step_down(100, 0.01), 99);
  EXPECT_DOUBLE_EQ(width::step_up(99, 0.01), 100);
}

TEST(WidthArithmetic, BisectsEvenlyOrOnWholeGoalWidths) {
  // 1.5 goal widths: the even split (the geometric middle).
  const double lo = 100;
  const double narrow = width::multiply(0.01, 1.5);
  const double hi = width::step_up(lo, narrow);
  EXPECT_NEAR(width::bisect(lo, narrow, 0.01), std::sqrt(lo * hi), 1e-9);
  // 6 goal widths: 3 of them above lo, so the two halves need no uneven re-split later.
  const double wide = width::multiply(0.01, 6 / 0.999999);
  const double mid = width::bisect(lo, wide, 0.01);
  EXPECT_NEAR(width::of(lo, mid), width::multiply(0.01, 3), 1e-6);
}

TEST(MlrSearch, FindsNdrAndPdrOfAKnownCapacityInOneSearch) {
  const double capacity = 200'000;
  auto result = search(config_for(1'000'000), measurer_of({.capacity = capacity}));
  ASSERT_EQ(result.goals.size(), 2u);
  // NDR: no loss up to the capacity; PDR: loss (r - C) / r <= 0.5% up to C / 0.995.
  expect_brackets(result.goals[0], capacity, 0.005);
  expect_brackets(result.goals[1], capacity / 0.995, 0.005);
  EXPECT_NEAR(result.goals[0].conditional_throughput, *result.goals[0].lower_bound, 1);
  EXPECT_NEAR(result.goals[1].conditional_throughput, capacity, capacity * 0.001);
}

TEST(MlrSearch, DoublesTheDurationAndHalvesTheWidthPhaseByPhase) {
  auto result = search(config_for(1'000'000, 8, 1), measurer_of({.capacity = 300'000}));
  ASSERT_EQ(result.phases, 4);
  EXPECT_EQ(result.phase_durations, (std::vector<double>{1, 2, 4, 8}));
  for (int k = 1; k < result.phases; ++k) {
    // Half the logarithmic width of the phase before.
    EXPECT_NEAR(std::log(1 - result.phase_widths[k - 1]) / std::log(1 - result.phase_widths[k]),
                2.0, 1e-3);
  }
  EXPECT_NEAR(result.phase_widths.back(), 0.005, 1e-6);
  // Trials never get shorter, phases never go back, and the initial phase runs at 1 s.
  for (std::size_t i = 1; i < result.trials.size(); ++i) {
    EXPECT_GE(result.trials[i].duration, result.trials[i - 1].duration);
    EXPECT_GE(result.trials[i].phase, result.trials[i - 1].phase);
    EXPECT_EQ(result.trials[i].index, i);
  }
  EXPECT_EQ(result.trials.front().phase, -1);
  EXPECT_EQ(result.trials.front().rate, 1'000'000);  // starts at max rate
  EXPECT_EQ(result.trials.front().duration, 1);
}

TEST(MlrSearch, ReportsBoundsFromFullLengthTrialsOnly) {
  auto result = search(config_for(2'000'000, 16, 0.5), measurer_of({.capacity = 750'000}));
  for (const auto& goal : result.goals) {
    ASSERT_TRUE(goal.lower_trial && goal.upper_trial);
    const auto& lo = result.trials[*goal.lower_trial];
    const auto& hi = result.trials[*goal.upper_trial];
    EXPECT_EQ(lo.duration, 16);
    EXPECT_EQ(hi.duration, 16);
    EXPECT_LE(lo.effective_loss_ratio, goal.loss_ratio);
    EXPECT_GT(hi.effective_loss_ratio, goal.loss_ratio);
    EXPECT_EQ(lo.rate, *goal.lower_bound);
  }
  // Few full-length trials: the short phases did the narrowing.
  int full_length = 0;
  for (const auto& t : result.trials) full_length += t.duration == 16 ? 1 : 0;
  EXPECT_LE(full_length, 6);
}

TEST(MlrSearch, CostsLessThanHalfOfTwoBinarySearches) {
  // The same final duration and width; the cost is the sum of requested trial durations.
  const DeterministicNf nf{.capacity = 200'000};
  for (double final_duration : {8.0, 30.0}) {
    auto mlr = search(config_for(1'000'000, final_duration, 1), measurer_of(nf));
    auto ndr = binary_search(0.0, 10'000, 1'000'000, final_duration, 0.005, measurer_of(nf));
    auto pdr = binary_search(0.005, 10'000, 1'000'000, final_duration, 0.005, measurer_of(nf));
    const double ratio = mlr.trial_seconds / (ndr.trial_seconds + pdr.trial_seconds);
    EXPECT_LE(ratio, 0.5) << "final " << final_duration << " s: MLR " << mlr.trial_seconds
                          << " s, binary " << ndr.trial_seconds << " + " << pdr.trial_seconds;
    // Both find the same answers.
    EXPECT_NEAR(*mlr.goals[0].lower_bound, *ndr.goals[0].lower_bound, 200'000 * 0.006);
    EXPECT_NEAR(*mlr.goals[1].lower_bound, *pdr.goals[0].lower_bound, 200'000 * 0.006);
  }
}

TEST(MlrSearch, MaxRateWithinTheGoalIsALowerBound) {
  auto result = search(config_for(500'000), measurer_of({.capacity = 2'000'000}));
  for (const auto& goal : result.goals) {
    ASSERT_TRUE(goal.lower_bound);
    EXPECT_EQ(*goal.lower_bound, 500'000);
    EXPECT_FALSE(goal.upper_bound);
    EXPECT_EQ(goal.status(), "max rate is a lower bound");
  }
}

TEST(MlrSearch, MinRateLosingTooMuchIsAnUpperBound) {
  auto result = search(config_for(1'000'000), measurer_of({.capacity = 5'000}));
  for (const auto& goal : result.goals) {
    EXPECT_FALSE(goal.lower_bound);
    ASSERT_TRUE(goal.upper_bound);
    EXPECT_EQ(*goal.upper_bound, 10'000);
    EXPECT_EQ(goal.status(), "min rate is an upper bound");
  }
  EXPECT_LT(result.trials.size(), 20u);  // fails fast instead of bisecting nothing
}

TEST(MlrSearch, AGeneratorShortOfTheRateNeverMakesALowerBound) {
  // The NF could do 1 Mpps, the generator only sends 400 kpps: the search must not report
  // rates the generator never offered as passing.
  auto result = search(config_for(1'000'000),
                       measurer_of({.capacity = 1'000'000, .generator_limit = 400'000}));
  ASSERT_TRUE(result.goals[0].lower_bound);
  EXPECT_LE(*result.goals[0].lower_bound, 400'000 / 0.99);
}

TEST(MlrSearch, LossInversionKeepsTheLowerBoundBelowEveryLossyRate) {
  // Capacity 300k, but one rate band well below it (150k..160k) loses frames at every duration:
  // zero loss above it must not count, NDR ends below the band. PDR (0.5%) tolerates it.
  DeterministicNf nf{.capacity = 300'000};
  Measurer lossy_band = [nf](double rate, double d) {
    auto c = nf(rate, d);
    if (rate >= 150'000 && rate <= 160'000) c.received = c.sent - c.sent / 1000;
    return c;
  };
  // A search that lands in the band: force it by starting the interval around it.
  auto config = config_for(1'000'000);
  std::map<double, double> losses;
  Measurer recording = [&](double rate, double d) {
    auto c = lossy_band(rate, d);
    losses[rate] = loss_ratio_of(c);
    return c;
  };
  auto result = search(config, recording);
  const auto& ndr = result.goals[0];
  ASSERT_TRUE(ndr.lower_bound);
  // Whatever it measured: every final trial above the NDR lower bound that lost nothing sits
  // above a lossy one (its effective loss ratio says so), and the NDR is not in or above a rate
  // that lost frames at the final duration.
  for (const auto& t : result.trials) {
    if (t.duration != config.final_duration) continue;
    if (t.loss_ratio > 0) {
      EXPECT_LT(*ndr.lower_bound, t.rate);
    }
    if (t.rate > *ndr.lower_bound) {
      EXPECT_GT(t.effective_loss_ratio, 0);
    }
  }
  expect_brackets(result.goals[1], 300'000 / 0.995, 0.005);
}

TEST(MlrSearch, InvertedLossAtTheFinalDurationPullsTheNdrDown) {
  // Scripted: the first full-length trial loses one frame (a hiccup), whatever its rate, though
  // the capacity is above it. Every later full-length trial above that rate is tainted by it
  // (effective loss), so the NDR ends below it; PDR tolerates one frame.
  auto config = config_for(1'000'000, 4, 1);
  DeterministicNf nf{.capacity = 200'000};
  std::optional<double> hiccup_rate;
  Measurer inverted = [&](double rate, double d) {
    auto c = nf(rate, d);
    if (d == 4 && !hiccup_rate) {
      hiccup_rate = rate;
      c.received -= 1;
    }
    return c;
  };
  auto result = search(config, inverted);
  ASSERT_TRUE(hiccup_rate);
  ASSERT_TRUE(result.goals[0].lower_bound);
  EXPECT_LT(*result.goals[0].lower_bound, *hiccup_rate);
  for (const auto& t : result.trials) {
    if (t.duration == 4 && t.rate >= *hiccup_rate) {
      EXPECT_GT(t.effective_loss_ratio, 0) << "trial " << t.index << " at " << t.rate;
    }
  }
  ASSERT_TRUE(result.goals[1].lower_bound);
  EXPECT_NEAR(*result.goals[1].lower_bound, 200'000 / 0.995, 200'000 * 0.006);
}

TEST(MlrSearch, NoisyNfEndsNearItsCapacityForEverySeed) {
  const double capacity = 400'000;
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    NoisyNf nf(capacity, 0.01, 0.05, 3, seed);
    Measurer m = [&nf](double rate, double d) { return nf(rate, d); };
    auto config = config_for(2'000'000, 8, 0.5);
    auto result = search(config, m);
    const auto& ndr = result.goals[0];
    const auto& pdr = result.goals[1];
    ASSERT_TRUE(ndr.lower_bound) << "seed " << seed;
    ASSERT_TRUE(pdr.lower_bound) << "seed " << seed;
    EXPECT_LE(*ndr.lower_bound, *pdr.lower_bound) << "seed " << seed;
    // The jitter is 1% (sd): within 5% below and 4% above the nominal capacity, unless a hiccup
    // made a rate look lossy, which pulls the NDR down but never above the truth.
    EXPECT_LT(*ndr.lower_bound, capacity * 1.04) << "seed " << seed;
    EXPECT_GT(*pdr.lower_bound, capacity * 0.95) << "seed " << seed;
    EXPECT_LT(*pdr.lower_bound, capacity / 0.995 * 1.04) << "seed " << seed;
    EXPECT_LE(pdr.relative_width, 0.005 + 1e-9) << "seed " << seed;
    EXPECT_LT(result.trials.size(), 60u) << "seed " << seed;
  }
}

TEST(MlrSearch, OneGoalOrThreeGoalsWork) {
  auto config = config_for(1'000'000);
  config.loss_ratios = {0.01};
  auto one = search(config, measurer_of({.capacity = 200'000}));
  ASSERT_EQ(one.goals.size(), 1u);
  expect_brackets(one.goals[0], 200'000 / 0.99, 0.005);
  config.loss_ratios = {0.0, 0.001, 0.02};
  auto three = search(config, measurer_of({.capacity = 200'000}));
  ASSERT_EQ(three.goals.size(), 3u);
  expect_brackets(three.goals[0], 200'000, 0.005);
  expect_brackets(three.goals[1], 200'000 / 0.999, 0.005);
  expect_brackets(three.goals[2], 200'000 / 0.98, 0.005);
}

TEST(MlrSearch, EqualInitialAndFinalDurationsMeanOnePhase) {
  auto result = search(config_for(1'000'000, 2, 2), measurer_of({.capacity = 200'000}));
  EXPECT_EQ(result.phases, 1);
  for (const auto& t : result.trials) EXPECT_EQ(t.duration, 2);
  expect_brackets(result.goals[0], 200'000, 0.005);
}

TEST(MlrSearch, RefusesConfigsThatCannotWork) {
  auto expect_bad = [](SearchConfig c, const std::string& where) {
    try {
      search(c, measurer_of({.capacity = 1}));
      ADD_FAILURE() << "accepted a bad config (" << where << ")";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2) << e.describe();
      EXPECT_NE(e.describe().find(where), std::string::npos) << e.describe();
    }
  };
  auto c = config_for(0);
  expect_bad(c, "--max-rate");
  c = config_for(1'000'000);
  c.min_rate = 2'000'000;
  expect_bad(c, "--min-rate");
  c = config_for(1'000'000);
  c.loss_ratios = {0.005, 0.0};
  expect_bad(c, "sorted");
  c.loss_ratios = {0.0, 1.0};
  expect_bad(c, "[0, 1)");
  c = config_for(1'000'000, 1, 2);
  expect_bad(c, "--initial-duration");
  c = config_for(1'000'000);
  c.goal_width = 0;
  expect_bad(c, "--goal-width");
}

TEST(MlrSearch, StopsWhenTheTrialBudgetRunsOut) {
  auto config = config_for(1'000'000);
  config.max_trials = 5;
  EXPECT_THROW(search(config, measurer_of({.capacity = 200'000})), Error);
  config = config_for(1'000'000);
  config.max_trial_seconds = 10;
  try {
    search(config, measurer_of({.capacity = 200'000}));
    ADD_FAILURE() << "no budget error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("budget of 10 s"), std::string::npos) << e.describe();
    EXPECT_EQ(e.exit_code(), 1);
  }
}

TEST(MlrSearch, AMeasurerFailureEndsTheSearch) {
  int calls = 0;
  Measurer failing = [&](double, double) -> TrialCounts {
    if (++calls == 3) throw std::runtime_error("generator gone");
    return {.sent = 1000, .received = 1000, .intended = 1000};
  };
  EXPECT_THROW(search(config_for(1'000'000), failing), std::runtime_error);
  EXPECT_EQ(calls, 3);
}

TEST(LossRatio, CountsLossAndShortfall) {
  EXPECT_DOUBLE_EQ(loss_ratio_of({.sent = 1000, .received = 995}), 0.005);
  EXPECT_DOUBLE_EQ(loss_ratio_of({.sent = 1000, .received = 1002}), 0.0);  // duplicates
  EXPECT_DOUBLE_EQ(loss_ratio_of({.sent = 0, .received = 0}), 1.0);
  // Within 1% of the intended count: the generator offered the rate.
  EXPECT_DOUBLE_EQ(loss_ratio_of({.sent = 995, .received = 995, .intended = 1000}), 0.0);
  // Short by 10%: the rate was not offered; the shortfall is loss.
  EXPECT_DOUBLE_EQ(loss_ratio_of({.sent = 900, .received = 900, .intended = 1000}), 0.1);
}

TEST(BinarySearch, BisectsOneGoalAtTheFullDuration) {
  auto result = binary_search(0.0, 10'000, 1'000'000, 5, 0.005, measurer_of({.capacity = 200'000}));
  expect_brackets(result.goals[0], 200'000, 0.005);
  for (const auto& t : result.trials) EXPECT_EQ(t.duration, 5);
  // log2(ln(100) / -ln(0.995)) = 9.85: the max-rate trial and 10 bisections.
  EXPECT_EQ(result.trials.size(), 11u);
  auto all_pass = binary_search(0.0, 10'000, 100'000, 5, 0.005, measurer_of({.capacity = 1e6}));
  EXPECT_EQ(all_pass.trials.size(), 1u);
  EXPECT_EQ(all_pass.goals[0].status(), "max rate is a lower bound");
}

}  // namespace
}  // namespace cnfctl::measure
