// cnfctl-gen as an NF kind in a real run (oci engine, `host` image, root): `cnfctl up` of the
// trafficgen chain (generator owning both ends -> testpmd vswitch -> forward --limit NF -> sink),
// one trial through the generator's control socket, `cnfctl down`, nothing left behind.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "process/local_runner.h"
#include "support/host_fixtures.h"
#include "trafficgen/client.h"

namespace cnfctl::trafficgen {
namespace {

namespace fs = std::filesystem;

class TrafficgenTopology : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    root_ = "/run/cnfctl-test/trafficgen-topo-" + std::to_string(::getpid());
    fs::create_directories(root_);
    setenv("CNFCTL_STATE_DIR", (root_ + "/state").c_str(), 1);
    setenv("CNFCTL_RUN_DIR", (root_ + "/run").c_str(), 1);
    run_ = "tgtopo" + std::to_string(::getpid());
  }
  void TearDown() override {
    if (root_.empty()) return;
    cnfctl({"down", "-q", run_});
    host_fixtures::remove_tree_with_mounts(root_);
    unsetenv("CNFCTL_STATE_DIR");
    unsetenv("CNFCTL_RUN_DIR");
  }

  process::Outcome cnfctl(std::vector<std::string> args) {
    process::Command command;
    command.argv = {CNFCTL_PROGRAM};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.timeout = std::chrono::seconds(240);
    return runner_.run(command);
  }

  std::string root_;
  std::string run_;
  process::LocalRunner runner_;
};

TEST_F(TrafficgenTopology, UpTrialDown) {
  const auto file = root_ + "/chain.yaml";
  std::ofstream(file) << "name: " << run_ << R"(
engine: oci
image: host
paths:
  socket_dir: )" << root_
                      << R"(/sockets
containers:
  - {prefix: gen, role: generator, nf: {kind: trafficgen, mode: gen}}
  - {prefix: vswitch, role: vswitch, nf: testpmd}
  - {prefix: nf, nf: {kind: trafficgen, limit: 1Mpps}}
  - {prefix: sink, role: sink, nf: trafficgen}
topology: {kind: chain, chains: 1, nodes_per_chain: 1}
cpu: {policy: shared}
)";
  const auto up = cnfctl({"up", file, "--name", run_, "-q"});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  {
    GenClient client(root_ + "/sockets/" + run_ + "/gen1.gen.sock", std::chrono::seconds(30));
    const auto ping = client.ping(std::chrono::seconds(30));
    EXPECT_EQ(ping.value("mode", ""), "gen");
    EXPECT_EQ(ping.at("ports").size(), 2U) << "the generator owns the sink's link too";
    EXPECT_TRUE(all_links_up(ping)) << ping.dump();
    TrialRequest t;
    t.rate_pps = 20'000;
    t.duration_s = 1;
    t.warmup_s = 0.1;
    const TrialResult r = client.trial(t);
    std::printf(
        "[ topology ] both directions at 20 kpps through testpmd and a forwarder: sent "
        "%lu, received %lu, lost %lu, p50 %lu ns\n",
        static_cast<unsigned long>(r.total.sent), static_cast<unsigned long>(r.total.received),
        static_cast<unsigned long>(r.total.lost), static_cast<unsigned long>(r.total.latency.p50));
    ASSERT_EQ(r.directions.size(), 2U);
    EXPECT_EQ(r.total.sent, r.total.received + r.total.lost);
    EXPECT_GT(r.directions[0].received, 0U);
    EXPECT_GT(r.directions[1].received, 0U);
  }
  const auto status = cnfctl({"status", run_, "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  // `traffic` on a cnfctl-gen chain: one unpaced trial, every frame accounted, hop counters read
  // (testpmd's and the forwarder's), a result file `report` reads.
  const auto traffic = cnfctl({"traffic", run_, "--duration", "1s", "--json"});
  ASSERT_EQ(traffic.exit_code, 0) << traffic.err;
  const auto result = nlohmann::json::parse(traffic.out);
  EXPECT_EQ(result["kind"], "trial");
  ASSERT_EQ(result["trials"].size(), 1U) << traffic.out;
  const auto& trial = result["trials"][0];
  EXPECT_GT(trial["sent"].get<std::uint64_t>(), 0U);
  EXPECT_EQ(trial["sent"].get<std::uint64_t>(),
            trial["received"].get<std::uint64_t>() + trial["lost"].get<std::uint64_t>());
  std::set<std::string> hops;
  for (const auto& h : trial["hops"]) hops.insert(h["container"].get<std::string>());
  EXPECT_EQ(hops, (std::set<std::string>{"vswitch1", "nf1"})) << trial["hops"].dump();
  EXPECT_NE(traffic.err.find("result: "), std::string::npos) << traffic.err;
  const auto down = cnfctl({"down", run_});
  EXPECT_EQ(down.exit_code, 0) << down.out << down.err;
  EXPECT_FALSE(fs::exists(root_ + "/sockets/" + run_ + "/gen1.gen.sock"));
}

}  // namespace
}  // namespace cnfctl::trafficgen
