#include "cpu/shared_placement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "cpu/nf_affinity.h"
#include "cpu/test_machines.h"

namespace cnfctl::cpu {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string all_warnings(const CpuPlacement& placement) {
  std::string text;
  for (const auto& warning : placement.warnings) text += warning + "\n";
  return text;
}

TEST(SharedPlacement, TwoCoreHostPutsEveryNfOnTheSecondCpu) {
  const auto machine = Machine::from_lscpu(testing::lscpu_text(1, 2, 1));
  NfAffinityParams params;
  params.nf_chains = 2;
  params.nf_nodes = 2;
  const auto placement = place_nfs_shared(machine, params);
  ASSERT_THAT(placement.nfs, SizeIs(4));
  // One cpu for NFs: main threads only, never a worker on the main thread's cpu.
  for (const auto& nf : placement.nfs) EXPECT_THAT(nf.cpus(), ElementsAre(1)) << nf.label();
  EXPECT_THAT(placement.reserved.system, ElementsAre(0));
  EXPECT_THAT(placement.reserved.vswitch_main, ElementsAre(1));
  const std::string warnings = all_warnings(placement);
  EXPECT_THAT(warnings, HasSubstr("the vswitch shares cpus with NFs"));
  EXPECT_THAT(warnings, HasSubstr("runs its main thread only"));
  EXPECT_THAT(warnings, HasSubstr("cpus oversubscribed: 6 threads (4 NFs and the vswitch) share "
                                  "1 cpu (1), up to 4 NF threads on one cpu"));
}

TEST(SharedPlacement, RoundRobinOverTheFreeCpus) {
  // 6 cores: system, vswitch main and data keep 0-2; NFs share 3-5.
  const auto machine = Machine::from_lscpu(testing::lscpu_text(1, 6, 1));
  NfAffinityParams params;
  params.nf_nodes = 3;
  const auto placement = place_nfs_shared(machine, params);
  EXPECT_THAT(placement.reserved.all(), ElementsAre(0, 1, 2));
  EXPECT_THAT(placement.nfs[0].cpus(), ElementsAre(3, 4));
  EXPECT_THAT(placement.nfs[1].cpus(), ElementsAre(5, 3));
  EXPECT_THAT(placement.nfs[2].cpus(), ElementsAre(4, 5));
  EXPECT_THAT(all_warnings(placement), HasSubstr("6 threads (3 NFs) share 3 cpus (3-5)"));
}

TEST(SharedPlacement, NoWarningWhenEveryThreadHasItsOwnCpu) {
  const auto machine = Machine::from_lscpu(testing::lscpu_text(1, 16, 2));
  NfAffinityParams params;
  params.nf_nodes = 3;
  const auto placement = place_nfs_shared(machine, params);
  EXPECT_THAT(placement.warnings, IsEmpty());
  // With SMT one data core is two threads, as under the csit policy.
  EXPECT_THAT(placement.nfs, Each(::testing::Field(&NfPlacement::workers, SizeIs(2))));
  for (const auto& overlap : find_overlaps(placement)) ADD_FAILURE() << overlap.describe();
}

TEST(SharedPlacement, SingleCpuMachineSharesItWithTheSystem) {
  const auto machine = Machine::from_lscpu("0,0,0,0\n");
  NfAffinityParams params;
  params.nf_dtc = DataCores::cores(2);
  const auto placement = place_nfs_shared(machine, params);
  EXPECT_THAT(placement.nfs[0].cpus(), ElementsAre(0));
  const std::string warnings = all_warnings(placement);
  EXPECT_THAT(warnings, HasSubstr("single core"));
  EXPECT_THAT(warnings, HasSubstr("asks for 2 data threads but only its main thread's cpu is "
                                  "available: it runs its main thread only"));
}

TEST(SharedPlacement, WorkersNeverShareTheMainThreadsCpu) {
  // 3 cores: system 0; the vswitch shares; NFs get 1 and 2. Three data threads each: at most
  // the one cpu that is not their main thread's.
  const auto machine = Machine::from_lscpu(testing::lscpu_text(1, 3, 1));
  NfAffinityParams params;
  params.nf_nodes = 3;
  params.nf_dtc = DataCores::cores(3);
  const auto placement = place_nfs_shared(machine, params);
  for (const auto& nf : placement.nfs) {
    EXPECT_THAT(nf.workers, SizeIs(1)) << nf.label();
    for (int worker : nf.workers) EXPECT_NE(worker, nf.main) << nf.label();
  }
  EXPECT_THAT(all_warnings(placement),
              HasSubstr("only 1 cpu besides its main thread's is available"));
}

TEST(SharedPlacement, BadParamsAndEmptyNodesAreStillErrors) {
  const auto machine = Machine::from_lscpu(testing::lscpu_text(1, 2, 1));
  NfAffinityParams params;
  params.numa_node = 1;
  EXPECT_THROW(place_nfs_shared(machine, params), Error);
  params = {};
  params.nf_nodes = 0;
  EXPECT_THROW(place_nfs_shared(machine, params), Error);
}

}  // namespace
}  // namespace cnfctl::cpu
