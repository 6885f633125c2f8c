#include "trafficgen/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace cnfctl::trafficgen {
namespace {

TEST(Histogram, EmptyIsAllZero) {
  Histogram h;
  EXPECT_EQ(h.summary(), LatencySummary{});
  EXPECT_EQ(h.percentile(99), 0U);
}

TEST(Histogram, BucketsAreContiguousAndCoverEveryValue) {
  for (int i = 0; i + 1 < Histogram::kBuckets; ++i) {
    ASSERT_EQ(Histogram::highest_of(i) + 1, Histogram::lowest_of(i + 1)) << i;
  }
  for (std::uint64_t v : {0ULL, 1ULL, 255ULL, 256ULL, 257ULL, 1000ULL, 123456ULL, 1ULL << 40}) {
    const int i = Histogram::index_of(v);
    EXPECT_LE(Histogram::lowest_of(i), v);
    EXPECT_GE(Histogram::highest_of(i), v);
  }
  EXPECT_EQ(Histogram::index_of(~0ULL), Histogram::kBuckets - 1);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  const auto s = h.summary();
  EXPECT_EQ(s.count, 100U);
  EXPECT_EQ(s.min, 1U);
  EXPECT_EQ(s.max, 100U);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_EQ(s.p50, 50U);
  EXPECT_EQ(s.p90, 90U);
  EXPECT_EQ(s.p99, 99U);
  EXPECT_EQ(s.p999, 100U);
}

TEST(Histogram, LargeValuesWithinOnePercent) {
  Histogram h;
  std::mt19937_64 rng(7);
  std::vector<std::uint64_t> values;
  for (int i = 0; i < 100000; ++i) {
    values.push_back(1000 + rng() % 10'000'000);
    h.record(values.back());
  }
  std::sort(values.begin(), values.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    const auto exact = static_cast<double>(
        values[static_cast<std::size_t>(std::ceil(p / 100 * values.size())) - 1]);
    EXPECT_NEAR(static_cast<double>(h.percentile(p)), exact, exact * 0.01) << p;
  }
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
}

TEST(Histogram, MergeAddsCountsAndExtremes) {
  Histogram a, b;
  a.record(10);
  a.record(20);
  b.record(5);
  b.record(50000);
  a.merge(b);
  EXPECT_EQ(a.count(), 4U);
  EXPECT_EQ(a.min(), 5U);
  EXPECT_EQ(a.max(), 50000U);
  EXPECT_DOUBLE_EQ(a.mean(), (10 + 20 + 5 + 50000) / 4.0);
  a.reset();
  EXPECT_EQ(a.count(), 0U);
}

TEST(Histogram, ConstantValueReportsItselfAtEveryPercentile) {
  Histogram h;
  for (int i = 0; i < 1000; ++i) h.record(50'000);
  const auto s = h.summary();
  EXPECT_EQ(s.p50, 50'000U);
  EXPECT_EQ(s.p999, 50'000U);
}

}  // namespace
}  // namespace cnfctl::trafficgen
