#include "nf/vpp/interface_dump.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace cnfctl::vpp {
namespace {

// sw_interface_details as VPP encodes it (interface.api.json of ../shared/vpp's build).
Bytes sw_details(std::uint32_t index, std::uint32_t flags, std::string_view name) {
  WireWriter w;
  w.u16(77).u32(5).u32(index).u32(index);
  for (int i = 0; i < 6; ++i) w.u8(0x02);
  w.u32(flags).u32(0).u32(2).u32(10000).u16(9000);
  for (int i = 0; i < 4; ++i) w.u32(9000);
  w.u32(0).u8(0).u16(0).u16(0).u32(0).u32(0).u32(0).u32(0).u32(0).u16(0);
  for (int i = 0; i < 12; ++i) w.u8(0);
  w.u16(0).u32(0);
  w.fixed_string(name, 64).fixed_string("memif", 64).fixed_string("", 64);
  return w.take();
}

Bytes memif_details(std::uint32_t index, std::uint32_t socket_id, std::uint32_t id,
                    std::uint32_t role, std::uint32_t flags) {
  WireWriter w;
  w.u16(88).u32(5).u32(index);
  for (int i = 0; i < 6; ++i) w.u8(0x52);
  w.u32(id).u32(role).u32(0).u8(1).u32(socket_id).u32(1024).u16(2048).u32(flags);
  w.fixed_string("memif" + std::to_string(socket_id) + "/" + std::to_string(id), 64);
  return w.take();
}

TEST(InterfaceDump, DecodesSwInterfaceDetails) {
  auto body = sw_details(3, kIfStatusAdminUp, "memif2/1");
  EXPECT_EQ(body.size(), 295u);  // the size of sw_interface_details_6c221fc7
  auto i = decode_sw_interface_details(body);
  EXPECT_EQ(i.sw_if_index, 3u);
  EXPECT_EQ(i.name, "memif2/1");
  EXPECT_TRUE(i.admin_up);
  EXPECT_FALSE(i.link_up);
}

TEST(InterfaceDump, DecodesMemifDetails) {
  auto m = decode_memif_details(memif_details(4, 2, 7, 1, kIfStatusAdminUp | kIfStatusLinkUp));
  EXPECT_EQ(m.sw_if_index, 4u);
  EXPECT_EQ(m.socket_id, 2u);
  EXPECT_EQ(m.id, 7u);
  EXPECT_FALSE(m.master);
  EXPECT_TRUE(m.admin_up);
  EXPECT_TRUE(m.connected);
  EXPECT_EQ(m.name, "memif2/7");
}

TEST(InterfaceDump, TruncatedDetailsAreAnError) {
  auto body = sw_details(3, 0, "local0");
  body.resize(120);
  EXPECT_THROW(decode_sw_interface_details(body), Error);
  auto memif = memif_details(1, 1, 1, 0, 0);
  memif.resize(20);
  EXPECT_THROW(decode_memif_details(memif), Error);
}

TEST(InterfaceDump, SwInterfaceDumpAsksForEveryInterfaceWithoutAFilter) {
  EXPECT_EQ(sw_interface_dump_arguments(), (Bytes{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace cnfctl::vpp
