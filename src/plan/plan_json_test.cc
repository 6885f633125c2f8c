#include "plan/plan_json.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "plan/plan_output.h"
#include "topology/loader.h"

namespace cnfctl::plan {
namespace {

const std::filesystem::path kExamples = std::filesystem::path(CNFCTL_SOURCE_DIR) / "examples";

std::optional<cpu::Machine> two_cpus(const topology::Node& node) {
  if (node.lscpu) return cpu::Machine::from_lscpu(*node.lscpu);
  return cpu::Machine::from_lscpu("0,0,0,0,,0,0,0,0\n1,1,0,0,,1,1,1,0\n");
}

TEST(PlanJson, EveryExampleRoundTripsThroughJson) {
  for (const auto* file :
       {"testpmd-chain.yaml", "vpp-pipeline-ip4.yaml", "vpp-chain-2dut.yaml", "nginx-rps.yaml"}) {
    PlanOptions options;
    options.machine_facts = two_cpus;
    const auto plan = build_plan(topology::load_topology_file(kExamples / file), options);
    const auto json = to_json(plan);
    const auto back = from_json(json);
    EXPECT_EQ(to_json(back), json) << file;
    ASSERT_EQ(back.containers.size(), plan.containers.size());
    for (std::size_t i = 0; i < plan.containers.size(); ++i) {
      EXPECT_EQ(back.containers[i].links, plan.containers[i].links) << file;
      EXPECT_EQ(back.containers[i].dpdk_runtime_dir, plan.containers[i].dpdk_runtime_dir);
      EXPECT_EQ(back.containers[i].nf.http.has_value(), plan.containers[i].nf.http.has_value());
      EXPECT_EQ(back.containers[i].nf.stdin_kind, plan.containers[i].nf.stdin_kind) << file;
    }
  }
}

// testpmd runs until its stdin ends: the plan holds it open (and sets no --stats-period, whose
// 1 s sleeps delayed every stop); a journal written before the key reads as /dev/null.
TEST(PlanJson, TestpmdGetsAHeldOpenStdinAndOldJournalsNull) {
  PlanOptions options;
  options.machine_facts = two_cpus;
  const auto plan =
      build_plan(topology::load_topology_file(kExamples / "testpmd-chain.yaml"), options);
  ASSERT_FALSE(plan.containers.empty());
  for (const auto& c : plan.containers) {
    EXPECT_EQ(c.nf.stdin_kind, NfStdin::kHeldOpen) << c.name;
    for (const auto& word : c.nf.argv) EXPECT_EQ(word.find("--stats-period"), std::string::npos);
  }
  auto json = to_json(plan);
  for (auto& c : json.at("containers")) c.at("nf").erase("stdin");
  for (const auto& c : from_json(json).containers) EXPECT_EQ(c.nf.stdin_kind, NfStdin::kNull);
}

TEST(PlanJson, AMissingKeyIsAFailureNamingIt) {
  auto json = nlohmann::json::object({{"run", "r"}});
  try {
    from_json(json);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_NE(e.describe().find("source"), std::string::npos) << e.describe();
  }
}

}  // namespace
}  // namespace cnfctl::plan
