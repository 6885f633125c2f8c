#include "plan/start_stages.h"

#include <gtest/gtest.h>

namespace cnfctl::plan {
namespace {

// A container of kind `kind` that is the memif client of each of `servers`.
nf::PlannedContainer container(const std::string& name, topology::NfKind kind,
                               const std::vector<std::string>& servers) {
  nf::PlannedContainer c;
  c.name = name;
  c.nf.kind = kind;
  for (const auto& server : servers) {
    wiring::MemifLink link;
    link.role = wiring::MemifRole::kSlave;
    link.peer = server;
    c.links.push_back(link);
  }
  return c;
}

int stage_of(const std::vector<nf::PlannedContainer>& containers, const std::string& name) {
  for (const auto& c : containers) {
    if (c.name == name) return c.start_stage;
  }
  ADD_FAILURE() << name;
  return -1;
}

TEST(StartStages, VppSlavesOfVppMastersStartTogether) {
  using topology::NfKind;
  // pipeline_ip4: nf1 is the slave of nf2, nf2 of nf3; a testpmd sink is the client of nf1.
  std::vector<nf::PlannedContainer> containers = {
      container("nf1", NfKind::kVpp, {"nf2"}),
      container("nf2", NfKind::kVpp, {"nf3"}),
      container("nf3", NfKind::kVpp, {}),
      container("sink1", NfKind::kTestpmd, {"nf1"}),
  };
  assign_start_stages(containers);
  EXPECT_EQ(stage_of(containers, "nf1"), 0);
  EXPECT_EQ(stage_of(containers, "nf2"), 0);
  EXPECT_EQ(stage_of(containers, "nf3"), 0);
  EXPECT_EQ(stage_of(containers, "sink1"), 1);  // testpmd never retries: after its VPP master
}

TEST(StartStages, ClientsThatDoNotRetryStartAfterTheirServers) {
  using topology::NfKind;
  // chain: a testpmd vswitch is the client of three VPP masters; generator and sink are
  // clients of the vswitch; a VPP slave of a testpmd server still waits for it.
  std::vector<nf::PlannedContainer> containers = {
      container("gen1", NfKind::kTestpmd, {"vswitch1"}),
      container("vswitch1", NfKind::kTestpmd, {"nf1", "nf2", "nf3"}),
      container("nf1", NfKind::kVpp, {}),
      container("nf2", NfKind::kVpp, {}),
      container("nf3", NfKind::kVpp, {}),
      container("vpp-client", NfKind::kVpp, {"gen1"}),
  };
  assign_start_stages(containers);
  EXPECT_EQ(stage_of(containers, "nf1"), 0);
  EXPECT_EQ(stage_of(containers, "vswitch1"), 1);
  EXPECT_EQ(stage_of(containers, "gen1"), 2);
  EXPECT_EQ(stage_of(containers, "vpp-client"), 3);
}

}  // namespace
}  // namespace cnfctl::plan
