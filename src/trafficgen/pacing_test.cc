#include "trafficgen/pacing.h"

#include <gtest/gtest.h>

namespace cnfctl::trafficgen {
namespace {

constexpr std::uint64_t kHz = 2'100'000'000;  // a typical TSC

TEST(Pacing, FirstFrameIsDueAtOnce) {
  EXPECT_EQ(frames_due(0, 1000, kHz, 100), 1U);
}

TEST(Pacing, DueCountFollowsTheRateExactly) {
  // 10 kpps: a frame every 210000 cycles.
  EXPECT_EQ(frames_due(209'999, 10'000, kHz, ~0ULL), 1U);
  EXPECT_EQ(frames_due(210'000, 10'000, kHz, ~0ULL), 2U);
  // After one second exactly rate + 1 frames are due (frame 0 at t=0 ... frame rate at t=1 s).
  EXPECT_EQ(frames_due(kHz, 10'000, kHz, ~0ULL), 10'001U);
  EXPECT_EQ(frames_due(kHz - 1, 10'000, kHz, ~0ULL), 10'000U);
}

TEST(Pacing, CappedAtTotal) {
  EXPECT_EQ(frames_due(10 * kHz, 1'000'000, kHz, 500), 500U);
}

TEST(Pacing, NoAccumulatedErrorOverLongTrials) {
  // A rate whose period is not a whole number of cycles: 3 Mpps at 2.1 GHz is 700 cycles, 7 Mpps
  // is 300, 6.9 Mpps is 304.35 cycles. After an hour the count is still exact.
  const std::uint64_t hour = 3600 * kHz;
  EXPECT_EQ(frames_due(hour - 1, 6'900'000, kHz, ~0ULL), 3600ULL * 6'900'000);
  EXPECT_EQ(deadline_of(3600ULL * 6'900'000, 6'900'000, kHz), hour);
}

TEST(Pacing, DeadlinesAreTheInverseOfDue) {
  for (std::uint64_t rate : {10'000ULL, 999'983ULL, 14'880'952ULL}) {
    for (std::uint64_t k : {0ULL, 1ULL, 17ULL, 123'456ULL}) {
      const std::uint64_t t = deadline_of(k, rate, kHz);
      EXPECT_EQ(frames_due(t, rate, kHz, ~0ULL), k + 1) << rate << " " << k;
      if (t > 0) {
        EXPECT_EQ(frames_due(t - 1, rate, kHz, ~0ULL), k) << rate << " " << k;
      }
    }
  }
}

TEST(Pacing, CyclesToNs) {
  const CyclesToNs ns(kHz);
  EXPECT_NEAR(static_cast<double>(ns(kHz)), 1e9, 1);
  EXPECT_NEAR(static_cast<double>(ns(2100)), 1000, 1);
  EXPECT_EQ(ns(0), 0U);
}

TEST(TokenBucket, PassesTheRateAndNoMore) {
  TokenBucket bucket(200'000, 32, kHz);
  // Offer 400 kpps for one second in bursts of 4 frames every 10 us.
  std::uint64_t passed = 0;
  const std::uint64_t step = kHz / 100'000;
  for (std::uint64_t t = 1; t <= kHz; t += step) {
    bucket.refill(t);
    for (int k = 0; k < 4; ++k) passed += bucket.take() ? 1 : 0;
  }
  // The initial full bucket (32) plus one second at 200 kpps.
  EXPECT_NEAR(static_cast<double>(passed), 200'000 + 32, 2);
}

TEST(TokenBucket, ATimeBeforeTheLastAddsNothing) {
  TokenBucket bucket(1'000'000, 64, kHz);
  bucket.refill(kHz);
  while (bucket.take()) {
  }
  bucket.refill(kHz / 2);  // an earlier due time: no refill, no wrap-around
  EXPECT_EQ(bucket.available(), 0U);
  bucket.refill(kHz + kHz / 100'000);  // 10 us later: 10 frames at 1 Mpps
  EXPECT_EQ(bucket.available(), 10U);
}

TEST(Pacing, LatenessIsTheDelayAfterTheDeadlineSaturated) {
  EXPECT_EQ(lateness(100, 200), 0U);
  EXPECT_EQ(lateness(250, 200), 50U);
  EXPECT_EQ(lateness(std::uint64_t{1} << 40, 0), UINT32_MAX);
}

// Offered below the limit, in clumps (the forwarder descheduled 20 ms, then reading everything
// queued at once): metering on the frames' due times passes all of them.
TEST(TokenBucket, DueTimesPassAClumpedRateBelowTheLimit) {
  TokenBucket bucket(50'000, 64, kHz);
  const std::uint64_t rate = 49'000;
  std::uint64_t passed = 0;
  const std::uint64_t frames = rate * 2;
  for (std::uint64_t i = 0; i < frames; ++i) {
    bucket.refill(1 + deadline_of(i, rate, kHz));
    passed += bucket.take() ? 1 : 0;
  }
  EXPECT_EQ(passed, frames);
}

TEST(TokenBucket, NeverHoldsMoreThanItsDepth) {
  TokenBucket bucket(1'000'000, 8, kHz);
  bucket.refill(1);
  bucket.refill(10 * kHz);
  EXPECT_EQ(bucket.available(), 8U);
}

}  // namespace
}  // namespace cnfctl::trafficgen
