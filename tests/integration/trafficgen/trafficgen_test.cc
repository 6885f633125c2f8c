// cnfctl-gen for real: a generator owning both ends of a chain of one `forward` NF, over memif
// sockets, as two processes (no containers). Rates are printed as ratios; assertions on them are
// generous (2 shared cores, many busy neighbours). Accounting is asserted exactly.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "gen_process.h"
#include "trafficgen/client.h"

namespace cnfctl::trafficgen {
namespace {

namespace fs = std::filesystem;
using testing::GenProcess;
using testing::Port;

class TrafficgenChain : public ::testing::Test {
 protected:
  TrafficgenChain()
      : dir_("/run/cnfctl-test/trafficgen-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    fs::create_directories(dir_);
  }
  ~TrafficgenChain() override {
    forwarder_.reset();
    generator_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string prefix(const std::string& role) const {
    return "tgit" + std::to_string(::getpid()) + "-" + role;
  }

  // The generator serves both sockets (memif servers start first: a client never retries),
  // then the forwarder connects to both; ready when the generator sees both links up.
  void start_chain(const std::vector<std::string>& forward_args) {
    generator_ = std::make_unique<GenProcess>(
        prefix("gen"), 0, std::vector<Port>{{"server", path("a.sock")}, {"server", path("b.sock")}},
        std::vector<std::string>{"gen", "--control", path("gen.ctl")}, path("gen.log"));
    client_ = std::make_unique<GenClient>(path("gen.ctl"), std::chrono::seconds(30));
    std::vector<std::string> args = {"forward", "--control", path("fwd.ctl")};
    args.insert(args.end(), forward_args.begin(), forward_args.end());
    forwarder_ = std::make_unique<GenProcess>(
        prefix("fwd"), 1, std::vector<Port>{{"client", path("a.sock")}, {"client", path("b.sock")}},
        args, path("fwd.log"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!all_links_up(client_->ping(std::chrono::seconds(30)))) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << log("gen.log") << log("fwd.log");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::string log(const std::string& name) const {
    std::ifstream in(path(name));
    std::stringstream s;
    s << name << ":\n" << in.rdbuf();
    return s.str();
  }

  static void expect_exact_accounting(const TrialResult& r) {
    for (const auto& d : r.directions) {
      EXPECT_EQ(d.sent, d.received + d.lost) << d.name;
      EXPECT_LE(d.tx_dropped, d.lost) << d.name;
      EXPECT_EQ(d.latency.count, d.received + d.duplicated) << d.name;
    }
    EXPECT_EQ(r.total.sent, r.total.received + r.total.lost);
  }

  std::string dir_;
  std::unique_ptr<GenProcess> generator_;
  std::unique_ptr<GenProcess> forwarder_;
  std::unique_ptr<GenClient> client_;
};

TEST_F(TrafficgenChain, OfferedRateAndExactAccounting) {
  start_chain({});
  for (double rate : {100'000.0, 1'000'000.0}) {
    TrialRequest t;
    t.rate_pps = rate;
    t.duration_s = 1;
    t.warmup_s = 0.1;
    t.direction = Direction::k0to1;
    const TrialResult r = client_->trial(t);
    const auto& d = r.directions.at(0);
    std::printf(
        "[ rate ] offered %.0f pps: sent %lu in 1 s, tx rate %.0f pps (ratio %.4f), "
        "received %lu, lost %lu, tx_dropped %lu, p50 %lu ns, p99 %lu ns\n",
        rate, static_cast<unsigned long>(d.sent), d.tx_rate_pps, d.tx_rate_pps / rate,
        static_cast<unsigned long>(d.received), static_cast<unsigned long>(d.lost),
        static_cast<unsigned long>(d.tx_dropped), static_cast<unsigned long>(d.latency.p50),
        static_cast<unsigned long>(d.latency.p99));
    expect_exact_accounting(r);
    // A paced stream sends exactly rate x duration frames unless it fell behind (then fewer).
    EXPECT_LE(d.sent, static_cast<std::uint64_t>(rate));
    EXPECT_GT(d.sent, static_cast<std::uint64_t>(rate * 0.5)) << "the generator barely ran";
    EXPECT_GT(d.received, 0U);
    EXPECT_EQ(d.duplicated, 0U);
  }
}

TEST_F(TrafficgenChain, BothDirectionsAreReportedSeparatelyAndSummed) {
  start_chain({});
  TrialRequest t;
  t.rate_pps = 50'000;
  t.duration_s = 0.5;
  t.frame_size = 0;  // IMIX
  t.flows = 100;
  const TrialResult r = client_->trial(t);
  ASSERT_EQ(r.directions.size(), 2U);
  EXPECT_EQ(r.directions[0].name, "0to1");
  EXPECT_EQ(r.directions[1].name, "1to0");
  EXPECT_EQ(r.total.sent, r.directions[0].sent + r.directions[1].sent);
  EXPECT_EQ(r.total.received, r.directions[0].received + r.directions[1].received);
  expect_exact_accounting(r);
  EXPECT_GT(r.directions[0].received, 0U);
  EXPECT_GT(r.directions[1].received, 0U);
}

TEST_F(TrafficgenChain, ForwardLimitPassesItsRate) {
  start_chain({"--limit", "200000"});
  TrialRequest t;
  t.rate_pps = 400'000;
  t.duration_s = 2;
  t.warmup_s = 0.2;
  t.direction = Direction::k0to1;
  const TrialResult r = client_->trial(t);
  const auto& d = r.directions.at(0);
  const double passed = static_cast<double>(d.received) / t.duration_s;
  std::printf(
      "[ limit ] limit 200000 pps, offered %.0f pps: passed %.0f pps (ratio %.4f), "
      "loss %.4f\n",
      d.tx_rate_pps, passed, passed / 200'000, d.loss_ratio);
  expect_exact_accounting(r);
  // Never more than the limit plus the bucket's depth (10 ms of the limit) over the trial
  // (warm-up included: the receiver counts only the trial's frames, but the bucket is shared).
  // How close to the limit it gets depends on the forwarder getting its CPU: printed above.
  EXPECT_LE(d.received, static_cast<std::uint64_t>(200'000 * t.duration_s + 2000));
  EXPECT_GT(d.received, 0U);
  // The forwarder's own books balance exactly once traffic has stopped.
  const auto stats =
      GenClient(path("fwd.ctl"), std::chrono::seconds(30)).stats(std::chrono::seconds(30));
  const auto& f = stats.at("forward").at(0);
  const auto received = f.at("received").get<std::uint64_t>();
  EXPECT_EQ(received, f.at("forwarded").get<std::uint64_t>() +
                          f.at("dropped_limit").get<std::uint64_t>() +
                          f.at("dropped_queue").get<std::uint64_t>() +
                          f.at("dropped_tx").get<std::uint64_t>());
  std::printf("[ limit ] forwarder: received %lu, forwarded %lu, dropped by the limit %lu\n",
              static_cast<unsigned long>(received),
              static_cast<unsigned long>(f.at("forwarded").get<std::uint64_t>()),
              static_cast<unsigned long>(f.at("dropped_limit").get<std::uint64_t>()));
  if (d.tx_dropped == 0) {
    // The forwarder kept up with its ring: then the limit, not the ring, dropped the excess.
    EXPECT_GT(f.at("dropped_limit").get<std::uint64_t>(), 0U);
  }
}

TEST_F(TrafficgenChain, ForwardDelayShowsInLatency) {
  start_chain({"--delay-us", "500"});
  TrialRequest t;
  t.rate_pps = 10'000;
  t.duration_s = 0.5;
  t.direction = Direction::k0to1;
  const TrialResult r = client_->trial(t);
  const auto& d = r.directions.at(0);
  std::printf("[ delay ] --delay-us 500: latency min %lu p50 %lu p99 %lu ns\n",
              static_cast<unsigned long>(d.latency.min), static_cast<unsigned long>(d.latency.p50),
              static_cast<unsigned long>(d.latency.p99));
  expect_exact_accounting(r);
  ASSERT_GT(d.received, 0U);
  // A frame cannot come back sooner than it was held.
  EXPECT_GE(d.latency.min, 500'000U);
  EXPECT_GE(d.latency.p50, 500'000U);
}

TEST_F(TrafficgenChain, BadRequestsAreRefusedAndTheConnectionStaysUsable) {
  start_chain({});
  const auto bad = client_->request({{"cmd", "trial"}, {"rate_pps", -5}}, std::chrono::seconds(30));
  EXPECT_FALSE(bad.value("ok", true));
  EXPECT_NE(bad.value("error", "").find("rate_pps"), std::string::npos) << bad.dump();
  EXPECT_TRUE(client_->ping(std::chrono::seconds(30)).value("ok", false));
  const auto fwd = GenClient(path("fwd.ctl"), std::chrono::seconds(30))
                       .request({{"cmd", "trial"}, {"rate_pps", 1}}, std::chrono::seconds(30));
  EXPECT_FALSE(fwd.value("ok", true)) << "a forwarder runs no trials";
}

TEST_F(TrafficgenChain, QuitStopsTheProgramCleanly) {
  start_chain({});
  EXPECT_TRUE(client_->request({{"cmd", "quit"}}, std::chrono::seconds(30)).value("ok", false));
  client_.reset();
  EXPECT_EQ(generator_->wait(std::chrono::seconds(20)), 0);
  EXPECT_FALSE(fs::exists(path("gen.ctl"))) << "the control socket was left behind";
}

TEST(TrafficgenProgram, BadArgumentsExitTwo) {
  GenProcess p("tgit" + std::to_string(::getpid()) + "-bad", 0, {}, {"gen", "--limit", "5"},
               "/dev/null");
  EXPECT_EQ(p.wait(std::chrono::seconds(20)), 2);
}

}  // namespace
}  // namespace cnfctl::trafficgen
