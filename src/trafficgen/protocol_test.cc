#include "trafficgen/protocol.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace cnfctl::trafficgen {
namespace {

TEST(Protocol, ParsesAFullTrialRequest) {
  const auto r = parse_request(
      R"({"cmd":"trial","rate_pps":100000,"duration_s":2,"warmup_s":0.5,"frame_size":"imix",)"
      R"("flows":64,"direction":"0to1","tail_ms":50})");
  EXPECT_EQ(r.cmd, "trial");
  EXPECT_DOUBLE_EQ(r.trial.rate_pps, 100000);
  EXPECT_DOUBLE_EQ(r.trial.duration_s, 2);
  EXPECT_DOUBLE_EQ(r.trial.warmup_s, 0.5);
  EXPECT_EQ(r.trial.frame_size, 0U);
  EXPECT_EQ(r.trial.sizes().size(), 12U);
  EXPECT_EQ(r.trial.flows, 64U);
  EXPECT_EQ(r.trial.direction, Direction::k0to1);
  EXPECT_EQ(r.trial.tail_ms, 50U);
}

TEST(Protocol, DefaultsAndSimpleCommands) {
  const auto r = parse_request(R"({"cmd":"trial","rate_pps":0})");
  EXPECT_EQ(r.trial.frame_size, 64U);
  EXPECT_EQ(r.trial.direction, Direction::kBoth);
  EXPECT_EQ(parse_request(R"({"cmd":"ping"})").cmd, "ping");
  EXPECT_EQ(parse_request(R"({"cmd":"stats"})").cmd, "stats");
}

void expect_bad(const std::string& line, const std::string& needle) {
  try {
    parse_request(line);
    ADD_FAILURE() << "accepted: " << line;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(e.describe().find(needle), std::string::npos) << e.describe();
  }
}

TEST(Protocol, RejectsBadRequestsNamingTheField) {
  expect_bad("{", "not JSON");
  expect_bad("[]", "JSON object");
  expect_bad(R"({"cmd":"fly"})", "unknown command");
  expect_bad(R"({"cmd":"trial"})", "rate_pps");
  expect_bad(R"({"cmd":"trial","rate_pps":-1})", "rate_pps");
  expect_bad(R"({"cmd":"trial","rate_pps":"fast"})", "rate_pps");
  expect_bad(R"({"cmd":"trial","rate_pps":1,"frame_size":63})", "frame_size");
  expect_bad(R"({"cmd":"trial","rate_pps":1,"frame_size":9001})", "frame_size");
  expect_bad(R"({"cmd":"trial","rate_pps":1,"direction":"up"})", "direction");
  expect_bad(R"({"cmd":"trial","rate_pps":1,"flow":3})", "unknown field \"flow\"");
  expect_bad(R"({"cmd":"trial","rate_pps":1e8,"duration_s":100})", "4e9");
}

TEST(Protocol, TrialRequestRoundTrip) {
  TrialRequest r;
  r.rate_pps = 12345;
  r.frame_size = 0;
  r.direction = Direction::k1to0;
  const auto back = parse_request(to_json(r).dump()).trial;
  EXPECT_DOUBLE_EQ(back.rate_pps, 12345);
  EXPECT_EQ(back.frame_size, 0U);
  EXPECT_EQ(back.direction, Direction::k1to0);
}

TEST(Protocol, TrialResultRoundTrip) {
  TrialResult r;
  r.rate_pps = 1e6;
  r.duration_s = 1;
  r.frame_size = 64;
  StreamResult d;
  d.name = "0to1";
  d.sent = 1000;
  d.received = 990;
  d.lost = 10;
  d.latency.count = 990;
  d.latency.p99 = 1234;
  finish(&d);
  EXPECT_DOUBLE_EQ(d.loss_ratio, 0.01);
  r.directions = {d};
  Histogram h;
  h.record(1234);
  r.total = sum_results(r.directions, h);
  const auto back = trial_result_from_json(to_json(r));
  EXPECT_EQ(back.total.sent, 1000U);
  EXPECT_EQ(back.total.lost, 10U);
  EXPECT_DOUBLE_EQ(back.total.loss_ratio, 0.01);
  ASSERT_EQ(back.directions.size(), 1U);
  EXPECT_EQ(back.directions[0].name, "0to1");
  EXPECT_EQ(back.directions[0].latency.p99, 1234U);
}

TEST(Protocol, RefusalBecomesAnError) {
  EXPECT_THROW(trial_result_from_json({{"ok", false}, {"error", "busy"}}), Error);
}

}  // namespace
}  // namespace cnfctl::trafficgen
