#include "cpu/placement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "cpu/test_machines.h"

namespace cnfctl::cpu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DataCores, ParsesWholeCountsAndOneHalf) {
  EXPECT_EQ(DataCores::parse("2", "--nf-data-cores"), DataCores::cores(2));
  EXPECT_EQ(DataCores::parse("0", "--nf-data-cores"), DataCores::cores(0));
  EXPECT_EQ(DataCores::parse("0.5", "--nf-data-cores"), DataCores::hyper_thread());
  EXPECT_EQ(DataCores::parse(".5", "--nf-data-cores").to_string(), "0.5");
  EXPECT_EQ(DataCores::cores(3).to_string(), "3");
  EXPECT_EQ(DataCores::hyper_thread().whole_cores(), 1);
}

TEST(DataCores, OtherFractionsAreBadInput) {
  for (const char* bad : {"0.25", "1.5", "1.0", "-1", "", "two", "99999999999"}) {
    try {
      DataCores::parse(bad, "--nf-data-cores");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_THAT(e.describe(), HasSubstr("--nf-data-cores: "));
    }
  }
}

TEST(CpuPolicy, ParsesKnownNames) {
  EXPECT_EQ(parse_cpu_policy("csit", "--policy"), CpuPolicy::kCsit);
  EXPECT_EQ(parse_cpu_policy("shared", "--policy"), CpuPolicy::kShared);
  EXPECT_EQ(to_string(CpuPolicy::kShared), "shared");
  EXPECT_THROW(parse_cpu_policy("exclusive", "--policy"), Error);
}

TEST(NfAffinityParams, ValidateRejectsNonsense) {
  NfAffinityParams params;
  EXPECT_NO_THROW(validate(params));
  params.nf_chains = 0;
  EXPECT_THROW(validate(params), Error);
  params = {};
  params.vs_dtc = -1;
  EXPECT_THROW(validate(params), Error);
  params = {};
  params.nf_chains = 100;
  params.nf_nodes = 100;
  EXPECT_THROW(validate(params), Error);
}

NfPlacement nf(int chain, int node, int main, std::vector<int> workers,
               std::optional<int> group = std::nullopt) {
  NfPlacement placement;
  placement.chain = chain;
  placement.node = node;
  placement.main = main;
  placement.workers = std::move(workers);
  placement.data_group = group;
  return placement;
}

TEST(FindOverlaps, ReportsSharedDataCpusUnlessInOneDataGroup) {
  CpuPlacement placement;
  placement.reserved.system = {0};
  placement.nfs = {nf(1, 1, 2, {4, 5}, 0), nf(1, 2, 2, {4, 5}, 0),  // same slot: by design
                   nf(1, 3, 3, {5, 6}, 1),                          // runs into slot 0
                   nf(1, 4, 6, {0})};                               // main on data, data on system
  const auto overlaps = find_overlaps(placement);
  ASSERT_EQ(overlaps.size(), 4u);
  EXPECT_EQ(overlaps[0].describe(), "cpu 0: reserved (system/vswitch), chain 1 node 4 data");
  EXPECT_FALSE(overlaps[0].allowed);
  EXPECT_EQ(overlaps[1].cpu, 4);
  EXPECT_TRUE(overlaps[1].allowed);
  EXPECT_EQ(overlaps[2].cpu, 5);
  EXPECT_FALSE(overlaps[2].allowed);
  EXPECT_EQ(overlaps[2].users.size(), 3u);
  EXPECT_EQ(overlaps[3].describe(), "cpu 6: chain 1 node 3 data, chain 1 node 4 main");
}

TEST(FindOverlaps, MainThreadsSharingACpuAreByDesign) {
  CpuPlacement placement;
  placement.nfs = {nf(1, 1, 2, {4}), nf(1, 2, 2, {5})};
  EXPECT_TRUE(find_overlaps(placement).empty());
  EXPECT_THAT(placement.find(1, 2)->cpus(), ElementsAre(2, 5));
  EXPECT_EQ(placement.find(2, 1), nullptr);
}

TEST(PlaceNfs, DispatchesOnThePolicy) {
  const auto machine = Machine::from_lscpu(testing::lscpu_text(1, 2, 1));
  NfAffinityParams params;
  EXPECT_THROW(place_nfs(machine, params), Error);  // csit: 2 cores are not enough
  const auto shared = place_nfs(machine, params, {CpuPolicy::kShared, false});
  ASSERT_EQ(shared.nfs.size(), 1u);
  EXPECT_FALSE(shared.warnings.empty());
}

}  // namespace
}  // namespace cnfctl::cpu
