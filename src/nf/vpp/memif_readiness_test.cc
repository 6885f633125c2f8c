#include "nf/vpp/memif_readiness.h"

#include <gtest/gtest.h>

namespace cnfctl::vpp {
namespace {

wiring::MemifLink link(int socket_id, int id, wiring::MemifRole role, std::string peer) {
  wiring::MemifLink l;
  l.socket_id = socket_id;
  l.interface_id = id;
  l.role = role;
  l.peer = std::move(peer);
  l.socket_file = "memif-" + std::to_string(socket_id);
  return l;
}

MemifInterface memif(std::uint32_t index, std::uint32_t sid, std::uint32_t id, bool connected) {
  return {.sw_if_index = index,
          .socket_id = sid,
          .id = id,
          .master = true,
          .admin_up = true,
          .connected = connected,
          .name = ""};
}

SwInterface iface(std::uint32_t index, bool admin_up) {
  return {.sw_if_index = index, .name = "", .admin_up = admin_up, .link_up = false};
}

const std::vector<wiring::MemifLink> kLinks = {
    link(1, 1, wiring::MemifRole::kSlave, "nf1"),    // its master runs: must be connected
    link(2, 1, wiring::MemifRole::kMaster, "vsw1"),  // its slave may start later
};

TEST(MemifReadiness, ReadyWhenEveryMemifIsUpAndEverySlaveConnected) {
  auto r = assess_memifs(kLinks, {memif(1, 1, 1, true), memif(2, 2, 1, false)},
                         {iface(0, false), iface(1, true), iface(2, true)});
  EXPECT_TRUE(r.ready) << r.detail;
  EXPECT_EQ(r.detail, "2/2 memifs up, 1 connected");
}

TEST(MemifReadiness, NamesTheMissingInterface) {
  auto r = assess_memifs(kLinks, {memif(2, 2, 1, false)}, {iface(2, true)});
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.detail, "memif1/1 missing (1/2 memifs up, 0 connected)");
}

TEST(MemifReadiness, NamesTheInterfaceThatIsDown) {
  auto r = assess_memifs(kLinks, {memif(1, 1, 1, true), memif(2, 2, 1, false)},
                         {iface(1, true), iface(2, false)});
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.detail, "memif2/1 down (1/2 memifs up, 1 connected)");
}

TEST(MemifReadiness, ASlaveNotConnectedIsNotReady) {
  auto r = assess_memifs(kLinks, {memif(1, 1, 1, false), memif(2, 2, 1, false)},
                         {iface(1, true), iface(2, true)});
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.detail, "memif1/1 (slave of nf1) not connected (2/2 memifs up, 0 connected)");
}

TEST(MemifReadiness, ASlaveOfAMasterOutsideThePlanNeedNotBeConnected) {
  auto r = assess_memifs({link(1, 1, wiring::MemifRole::kSlave, "")}, {memif(1, 1, 1, false)},
                         {iface(1, true)});
  EXPECT_TRUE(r.ready) << r.detail;
}

TEST(MemifReadiness, NothingYetNamesEveryPlannedMemif) {
  auto r = assess_memifs(kLinks, {}, {iface(0, false)});
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.detail, "memif1/1 missing, memif2/1 missing (0/2 memifs up, 0 connected)");
}

}  // namespace
}  // namespace cnfctl::vpp
