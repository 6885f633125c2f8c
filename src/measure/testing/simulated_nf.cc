#include "measure/testing/simulated_nf.h"

#include <algorithm>
#include <cmath>

namespace cnfctl::measure::testing {

namespace {
std::uint64_t frames(double rate, double duration_s) {
  return static_cast<std::uint64_t>(std::llround(std::max(0.0, rate * duration_s)));
}
}  // namespace

TrialCounts DeterministicNf::operator()(double rate, double duration_s) const {
  TrialCounts c;
  c.intended = frames(rate, duration_s);
  const double offered = generator_limit > 0 ? std::min(rate, generator_limit) : rate;
  c.sent = frames(offered, duration_s);
  c.received = std::min(c.sent, frames(capacity, duration_s));
  return c;
}

NoisyNf::NoisyNf(double capacity, double jitter, double hiccup_probability,
                 std::uint64_t hiccup_frames, std::uint32_t seed)
    : capacity_(capacity),
      jitter_(jitter),
      hiccup_probability_(hiccup_probability),
      hiccup_frames_(hiccup_frames),
      random_(seed) {}

TrialCounts NoisyNf::operator()(double rate, double duration_s) {
  std::normal_distribution<double> factor(1.0, jitter_);
  std::bernoulli_distribution hiccup(hiccup_probability_);
  TrialCounts c;
  c.sent = c.intended = frames(rate, duration_s);
  c.received = std::min(c.sent, frames(capacity_ * std::max(0.0, factor(random_)), duration_s));
  if (hiccup(random_)) c.received -= std::min(c.received, hiccup_frames_);
  return c;
}

}  // namespace cnfctl::measure::testing
