#include "trafficgen/options.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace cnfctl::trafficgen {
namespace {

TEST(Options, Pps) {
  EXPECT_EQ(parse_pps("200000"), 200000U);
  EXPECT_EQ(parse_pps("200k"), 200000U);
  EXPECT_EQ(parse_pps("1Mpps"), 1000000U);
  EXPECT_EQ(parse_pps("1.5M"), 1500000U);
  EXPECT_EQ(parse_pps("fast"), std::nullopt);
  EXPECT_EQ(parse_pps(""), std::nullopt);
  EXPECT_EQ(parse_pps("-5"), std::nullopt);
}

TEST(Options, ForwardWithLimitAndDelay) {
  const auto o = parse_app_options(
      {"forward", "--limit", "200k", "--delay-us", "50", "--control", "/run/x.sock"});
  EXPECT_EQ(o.mode, Mode::kForward);
  EXPECT_EQ(o.limit_pps, 200000U);
  EXPECT_EQ(o.delay_us, 50U);
  EXPECT_EQ(o.control, "/run/x.sock");
  EXPECT_EQ(o.bucket_depth(), 64U);  // two bursts, whatever the limit
  EXPECT_EQ(parse_app_options({"forward", "--limit", "1k"}).bucket_depth(), 64U);
  EXPECT_EQ(parse_app_options({"forward", "--limit", "1M", "--limit-burst", "8"}).bucket_depth(),
            8U);
}

TEST(Options, Gen) {
  const auto o = parse_app_options({"gen", "--trial", "{}", "--mbufs", "8192"});
  EXPECT_EQ(o.mode, Mode::kGen);
  EXPECT_EQ(o.trial, "{}");
  EXPECT_EQ(o.mbufs, 8192U);
}

TEST(Options, Errors) {
  EXPECT_THROW(parse_app_options({}), Error);
  EXPECT_THROW(parse_app_options({"send"}), Error);
  EXPECT_THROW(parse_app_options({"gen", "--limit", "1M"}), Error);  // forward only
  EXPECT_THROW(parse_app_options({"forward", "--limit"}), Error);
  EXPECT_THROW(parse_app_options({"forward", "--limit", "0"}), Error);
  EXPECT_THROW(parse_app_options({"forward", "--delay-us", "x"}), Error);
  EXPECT_THROW(parse_app_options({"gen", "--bogus"}), Error);
}

}  // namespace
}  // namespace cnfctl::trafficgen
