#include "measure/result_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "measure/testing/simulated_nf.h"

namespace cnfctl::measure {
namespace {

traffic::HopRate hop(const std::string& container, int port, std::uint64_t rx, std::uint64_t tx,
                     std::uint64_t drops = 0) {
  traffic::HopRate h;
  h.container = container;
  h.port = port;
  h.rx_packets = rx;
  h.tx_packets = tx;
  h.drops = drops;
  return h;
}

plan::Plan chain_plan() {
  plan::Plan p;
  p.run = "r1";
  p.source = "chain.yaml";
  auto add = [&](const std::string& name, topology::Role role, topology::NfKind kind,
                 std::vector<std::pair<std::string, std::string>> links) {
    plan::PlannedContainer c;
    c.name = name;
    c.node = "local";
    c.role = role;
    c.nf.kind = kind;
    c.cpus = {1};
    for (const auto& [socket, peer] : links) {
      wiring::MemifLink l;
      l.socket_file = socket;
      l.host_socket_path = "/run/s/" + socket;
      l.peer = peer;
      c.links.push_back(l);
    }
    p.containers.push_back(c);
  };
  add("vswitch1", topology::Role::kVswitch, topology::NfKind::kTestpmd,
      {{"a", "gen1"}, {"b", "nf1"}, {"c", "nf1"}, {"d", "sink1"}});
  add("gen1", topology::Role::kGenerator, topology::NfKind::kTestpmd, {{"a", "vswitch1"}});
  add("nf1", topology::Role::kNf, topology::NfKind::kTestpmd,
      {{"b", "vswitch1"}, {"c", "vswitch1"}});
  add("sink1", topology::Role::kSink, topology::NfKind::kTestpmd, {{"d", "vswitch1"}});
  return p;
}

TEST(LocateDrops, NamesTheForwarderThatLostMost) {
  const auto plan = chain_plan();
  // nf1 received 1000 and sent on 900 (none counted as drops); vswitch1 lost nothing.
  auto h = locate_drops({hop("vswitch1", 0, 1000, 1000), hop("vswitch1", 1, 900, 1000),
                         hop("nf1", 0, 1000, 450), hop("nf1", 1, 0, 450), hop("sink1", 0, 900, 0)},
                        plan, 0);
  EXPECT_EQ(h.drop_point, "nf1");
  EXPECT_NE(h.drop_detail.find("100 frames"), std::string::npos) << h.drop_detail;
  EXPECT_EQ(h.hops.size(), 5u);
  // Counted drops win over an imbalance elsewhere; a sink never "forwards".
  h = locate_drops({hop("vswitch1", 0, 1000, 1000, 300), hop("sink1", 0, 700, 0)}, plan, 0);
  EXPECT_EQ(h.drop_point, "vswitch1");
  // Nothing lost: no drop point.
  h = locate_drops({hop("nf1", 0, 1000, 1000), hop("sink1", 0, 1000, 0)}, plan, 0);
  EXPECT_EQ(h.drop_point, "");
  // The first hop refused the generator more than anyone dropped.
  h = locate_drops({hop("nf1", 0, 1000, 990)}, plan, 5000);
  EXPECT_EQ(h.drop_point, "generator");
  // Every hop sent on everything, yet 40 frames were lost: on the way back into the generator.
  h = locate_drops({hop("nf1", 0, 1000, 1000), hop("sink1", 0, 1000, 0)}, plan, 0, 40);
  EXPECT_EQ(h.drop_point, "generator receive");
  EXPECT_NE(h.drop_detail.find("40 frames"), std::string::npos) << h.drop_detail;
  // Loss a forwarder accounts for stays its own.
  h = locate_drops({hop("nf1", 0, 1000, 960)}, plan, 0, 40);
  EXPECT_EQ(h.drop_point, "nf1");
}

TEST(ResultFile, TopologyHasEveryContainerAndEachLinkOnce) {
  const auto j = topology_json(chain_plan());
  EXPECT_EQ(j["containers"].size(), 4u);
  EXPECT_EQ(j["containers"][0]["role"], "vswitch");
  EXPECT_EQ(j["containers"][0]["nf"], "testpmd");
  ASSERT_EQ(j["links"].size(), 4u);
  EXPECT_EQ(j["links"][0]["a"], "vswitch1");
  EXPECT_EQ(j["links"][0]["b"], "gen1");
  EXPECT_EQ(j["links"][2]["a_port"], 2);  // vswitch1 port 2 (socket c) <-> nf1 port 1
  EXPECT_EQ(j["links"][2]["b"], "nf1");
  EXPECT_EQ(j["links"][2]["b_port"], 1);
}

TEST(ResultFile, HandWiredContainersAreLinkedByTheirMemifSockets) {
  // Topology kind none, command NFs: the links come from the --vdev sockets in their argv.
  plan::Plan p;
  for (const char* name : {"gen1", "ref1"}) {
    plan::PlannedContainer c;
    c.name = name;
    c.node = "local";
    c.nf.kind = topology::NfKind::kCommand;
    c.mounts.push_back({"/tmp/x/sockets", "/sockets", false});
    c.nf.argv = {"/usr/bin/cnfctl-gen",
                 "--no-pci",
                 "--vdev=net_memif0,role=server,socket=/sockets/m0.sock,id=0",
                 "--vdev=net_memif1,role=server,socket=/sockets/m1.sock,id=0",
                 "--",
                 "gen"};
    p.containers.push_back(c);
  }
  const auto j = topology_json(p);
  ASSERT_EQ(j["links"].size(), 2u);
  EXPECT_EQ(j["links"][1]["a"], "gen1");
  EXPECT_EQ(j["links"][1]["a_port"], 1);
  EXPECT_EQ(j["links"][1]["b"], "ref1");
  EXPECT_EQ(j["links"][1]["socket"], "m1.sock");
}

TEST(ResultFile, SearchJsonIndexesTheWholeResultsTrials) {
  SearchConfig c;
  c.max_rate = 1e6;
  c.final_duration = 4;
  testing::DeterministicNf nf{.capacity = 200'000};
  auto s = search(c, [&](double r, double d) { return nf(r, d); });
  auto j = search_json(s, 100, 12.5);
  ASSERT_EQ(j["goals"].size(), 2u);
  EXPECT_EQ(j["goals"][0]["name"], "NDR");
  EXPECT_EQ(j["goals"][1]["name"], "PDR");
  EXPECT_EQ(j["goals"][0]["lower_trial"], *s.goals[0].lower_trial + 100);
  EXPECT_EQ(j["goals"][0]["status"], "regular");
  EXPECT_EQ(j["trial_count"], s.trials.size());
  EXPECT_EQ(j["wall_seconds"], 12.5);
  EXPECT_EQ(j["phases"].size(), static_cast<std::size_t>(s.phases));
  c.loss_ratios = {0, 0.001, 0.01};
  EXPECT_EQ(goal_name(c, 2), "PDR 1%");
}

TEST(ResultFile, SummaryGivesMinMedianMaxOfTheLowerBounds) {
  SearchConfig c;
  c.max_rate = 1e6;
  c.final_duration = 2;
  std::vector<SearchResult> searches;
  for (double capacity : {200'000.0, 190'000.0, 210'000.0, 205'000.0}) {
    testing::DeterministicNf nf{.capacity = capacity};
    searches.push_back(search(c, [&](double r, double d) { return nf(r, d); }));
  }
  const auto j = summary_json(searches);
  const auto& ndr = j["goals"][0];
  EXPECT_EQ(ndr["found"], 4);
  EXPECT_LE(ndr["min"].get<double>(), 190'000);
  EXPECT_GT(ndr["min"].get<double>(), 189'000);
  EXPECT_LE(ndr["max"].get<double>(), 210'000);
  EXPECT_NEAR(ndr["median"].get<double>(), 202'500, 1'500);  // between 200k and 205k
}

TEST(ResultFile, WritesUnderTheStateDirOutsideTheRun) {
  char pattern[] = "/tmp/cnfctl-result-test.XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string root = pattern;
  setenv("CNFCTL_STATE_DIR", root.c_str(), 1);
  const auto path = default_result_path("r1", "search");
  EXPECT_EQ(path.rfind(root + "/results/r1/", 0), 0u) << path;
  EXPECT_TRUE(path.ends_with("-search.json")) << path;
  auto result = new_result("search", "r1", {"cnfctl", "measure", "r1"});
  write_result(path, result);
  std::ifstream in(path);
  auto back = nlohmann::json::parse(in);
  EXPECT_EQ(back["format"], "cnfctl-result");
  EXPECT_EQ(back["version"], 1);
  EXPECT_EQ(back["kind"], "search");
  EXPECT_NE(default_result_path("r1", "search"), path);  // never overwrites
  const auto saved = save_traffic_result(chain_plan(), {{"end_to_end_mpps", 1.5}});
  ASSERT_FALSE(saved.empty());
  std::ifstream traffic_in(saved);
  auto traffic = nlohmann::json::parse(traffic_in);
  EXPECT_EQ(traffic["kind"], "traffic");
  EXPECT_EQ(traffic["traffic"]["end_to_end_mpps"], 1.5);
  EXPECT_EQ(traffic["topology"]["containers"].size(), 4u);
  unsetenv("CNFCTL_STATE_DIR");
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace cnfctl::measure
