#include "cpu/nf_affinity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "cpu/test_machines.h"

namespace cnfctl::cpu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::lscpu_text;
using testing::lscpu_text_adjacent_siblings;

constexpr const char* kReferenceFile = CNFCTL_SHARED_DIR "/reference/csit/nf-affinity-cases.json";

NfAffinityParams params_of(const nlohmann::json& c) {
  const auto& p = c.at("params");
  NfAffinityParams params;
  params.nf_chains = p.at("nf_chains").get<int>();
  params.nf_nodes = p.at("nf_nodes").get<int>();
  params.vs_dtc = p.at("vs_dtc").get<int>();
  const auto& dtc = p.at("nf_dtc");
  // CSIT tells a whole count from a hyper-thread by the Python type (int vs float).
  params.nf_dtc = dtc.is_number_integer() ? DataCores::cores(dtc.get<int>())
                                          : DataCores::parse(dtc.dump(), "nf_dtc");
  params.nf_mtcr = p.at("nf_mtcr").get<int>();
  params.nf_dtcr = p.at("nf_dtcr").get<int>();
  params.numa_node = c.at("numa").get<int>();
  return params;
}

TEST(NfAffinity, ReproducesAllCsitReferenceCases) {
  std::ifstream in(kReferenceFile);
  ASSERT_TRUE(in) << "cannot open " << kReferenceFile;
  const auto reference = nlohmann::json::parse(in);
  std::map<std::string, Machine> machines;
  for (const auto& [name, text] : reference.at("machines").items()) {
    machines.emplace(name, Machine::from_lscpu(text.get<std::string>(), name));
  }
  const auto& cases = reference.at("cases");
  ASSERT_EQ(cases.size(), 500u);
  int placed = 0;
  int failed = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.dump());
    const Machine& machine = machines.at(c.at("machine").get<std::string>());
    const int chain = c.at("params").at("nf_chain").get<int>();
    const int node = c.at("params").at("nf_node").get<int>();
    if (c.value("error", false)) {
      try {
        const auto nf = get_affinity_nf(machine, params_of(c), chain, node);
        ADD_FAILURE() << "CSIT fails, cnfctl placed " << ::testing::PrintToString(nf.cpus());
      } catch (const Error& e) {
        EXPECT_EQ(e.exit_code(), 2) << e.describe();
        ++failed;
      }
      continue;
    }
    EXPECT_EQ(get_affinity_nf(machine, params_of(c), chain, node).cpus(),
              c.at("cpus").get<std::vector<int>>());
    ++placed;
  }
  EXPECT_EQ(placed, 400);
  EXPECT_EQ(failed, 100);
}

TEST(NfAffinity, DefaultsTakeTheCoreAfterTheReservedOnes) {
  // 2 sockets x 6 cores x 2 threads: node 0 is cpus 0-5 and their siblings 12-17.
  const auto machine = Machine::from_lscpu(lscpu_text(2, 6, 2));
  const auto nf = get_affinity_nf(machine, NfAffinityParams{}, 1, 1);
  EXPECT_EQ(nf.main, 3);
  EXPECT_THAT(nf.workers, ElementsAre(4, 16));
  const auto reserved = csit_reserved_cpus(machine, NfAffinityParams{});
  EXPECT_THAT(reserved.system, ElementsAre(0, 12));
  EXPECT_THAT(reserved.vswitch_main, ElementsAre(1, 13));
  EXPECT_THAT(reserved.vswitch_data, ElementsAre(2, 14));

  NfAffinityParams node1;
  node1.numa_node = 1;
  EXPECT_THAT(get_affinity_nf(machine, node1, 1, 1).cpus(), ElementsAre(9, 10, 22));
}

TEST(NfAffinity, UsesRealSiblingsWhateverTheNumbering) {
  // Same machine, a core's threads numbered next to each other: core k is cpus 2k and 2k+1.
  const auto machine = Machine::from_lscpu(lscpu_text_adjacent_siblings(2, 6, 2));
  const auto nf = get_affinity_nf(machine, NfAffinityParams{}, 1, 1);
  EXPECT_EQ(nf.main, 6);
  EXPECT_THAT(nf.workers, ElementsAre(8, 9));
}

TEST(NfAffinity, HalfCoreNfsShareACoreThroughItsTwoThreads) {
  const auto machine = Machine::from_lscpu(lscpu_text(1, 8, 2));
  NfAffinityParams params;
  params.nf_nodes = 2;
  params.nf_dtc = DataCores::hyper_thread();
  params.nf_dtcr = 2;
  EXPECT_THAT(get_affinity_nf(machine, params, 1, 1).cpus(), ElementsAre(3, 4));
  EXPECT_THAT(get_affinity_nf(machine, params, 1, 2).cpus(), ElementsAre(11, 12));
}

Error error_of(const Machine& machine, const NfAffinityParams& params, int chain = 1,
               int node = 1) {
  try {
    get_affinity_nf(machine, params, chain, node);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return Error("no error");
}

TEST(NfAffinity, TooFewCoresSaysHowManyAreNeededAndHowManyExist) {
  const auto machine = Machine::from_lscpu(lscpu_text(2, 4, 2));
  NfAffinityParams params;
  params.nf_chains = 2;
  const Error e = error_of(machine, params);
  EXPECT_EQ(e.exit_code(), 2);
  EXPECT_THAT(e.describe(), HasSubstr("2 NFs need 6 physical cores on NUMA node 0"));
  EXPECT_THAT(e.describe(), HasSubstr("the node has 4"));
}

TEST(NfAffinity, ImpossibleRequestsAreBadInputSayingWhy) {
  const auto no_smt = Machine::from_lscpu(lscpu_text(1, 16, 1));
  NfAffinityParams half;
  half.nf_dtc = DataCores::hyper_thread();
  EXPECT_THAT(error_of(no_smt, half).describe(), HasSubstr("needs SMT, which is off"));
  EXPECT_THAT(error_of(no_smt, NfAffinityParams{}, 2, 1).describe(),
              HasSubstr("nf_chain 2 is out of range 1..1"));
  EXPECT_THAT(error_of(no_smt, NfAffinityParams{}, 1, 0).describe(),
              HasSubstr("nf_node 0 is out of range 1..1"));
  NfAffinityParams node3;
  node3.numa_node = 3;
  EXPECT_THAT(error_of(no_smt, node3).describe(),
              HasSubstr("NUMA node 3 has no cpus (this machine has node 0)"));
  NfAffinityParams zero_ratio;
  zero_ratio.nf_mtcr = 0;
  EXPECT_THAT(error_of(no_smt, zero_ratio).describe(), HasSubstr("nf_mtcr must be at least 1"));

  const auto smt4 = Machine::from_lscpu(lscpu_text(1, 8, 4));
  EXPECT_THAT(error_of(smt4, NfAffinityParams{}).describe(),
              HasSubstr("needs 2 threads on every core"));
}

TEST(NfAffinity, PlaceAllFindsNoConflictWhenTheCoresFit) {
  // 3 reserved + 3 main + 6 x 2 data cores = 18.
  const auto machine = Machine::from_lscpu(lscpu_text(1, 18, 2));
  NfAffinityParams params;
  params.nf_chains = 2;
  params.nf_nodes = 3;
  params.nf_dtc = DataCores::cores(2);
  const auto placement = place_nfs_csit(machine, params);
  ASSERT_EQ(placement.nfs.size(), 6u);
  EXPECT_TRUE(placement.warnings.empty());
  EXPECT_TRUE(find_overlaps(placement).empty());
  for (const auto& nf : placement.nfs) {
    EXPECT_EQ(nf.cpus(), get_affinity_nf(machine, params, nf.chain, nf.node).cpus());
  }
  EXPECT_EQ(placement.nfs[4].chain, 2);
  EXPECT_EQ(placement.nfs[4].node, 2);
}

TEST(NfAffinity, PlaceAllAllowsDataSharingByDesign) {
  const auto machine = Machine::from_lscpu(lscpu_text(1, 8, 2));
  NfAffinityParams params;
  params.nf_nodes = 4;
  params.nf_dtcr = 2;  // two NFs per data core
  const auto placement = place_nfs_csit(machine, params);
  EXPECT_TRUE(placement.warnings.empty());
  EXPECT_EQ(placement.nfs[0].workers, placement.nfs[2].workers);
  const auto overlaps = find_overlaps(placement);
  ASSERT_FALSE(overlaps.empty());
  for (const auto& overlap : overlaps) EXPECT_TRUE(overlap.allowed) << overlap.describe();
}

TEST(NfAffinity, PlaceAllRejectsDataCoresThatRunPastTheNode) {
  // CSIT's check counts 4 data slots as 4 cores; at 2 cores each they need 8 of the 4 left.
  const auto machine = Machine::from_lscpu(lscpu_text(1, 8, 2));
  NfAffinityParams params;
  params.nf_nodes = 4;
  params.vs_dtc = 0;
  params.nf_dtc = DataCores::cores(2);
  EXPECT_NO_THROW(get_affinity_nf(machine, params, 1, 4));  // as CSIT: no error for one NF
  try {
    place_nfs_csit(machine, params);
    FAIL() << "no conflict found";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_THAT(e.describe(), HasSubstr("need 12 physical cores on NUMA node 0, which has 8"));
    EXPECT_THAT(e.describe(), HasSubstr("reserved"));
  }
  const auto accepted = place_nfs_csit(machine, params, /*allow_overlap=*/true);
  EXPECT_EQ(accepted.nfs.size(), 4u);
  ASSERT_FALSE(accepted.warnings.empty());
  EXPECT_THAT(accepted.warnings.front(), HasSubstr("NF data cpus overlap"));
}

}  // namespace
}  // namespace cnfctl::cpu
