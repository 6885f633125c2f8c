#include "nf/vpp/interface_dump.h"

namespace cnfctl::vpp {
namespace {

constexpr std::size_t kMacSize = 6;
constexpr std::size_t kInterfaceNameSize = 64;
constexpr std::uint32_t kAllInterfaces = 0xffffffff;
constexpr std::uint32_t kMemifRoleSlave = 1;

// sw_interface_details from `type` to interface_name: type, link_duplex, link_speed (u32 each),
// link_mtu (u16), mtu[4], sub_id (u32), sub_number_of_tags (u8), sub_outer/inner_vlan_id (u16),
// sub_if_flags, vtr_op, vtr_push_dot1q, vtr_tag1, vtr_tag2 (u32), outer_tag (u16), b_dmac,
// b_smac (mac), b_vlanid (u16), i_sid (u32).
constexpr std::size_t kSwDetailsSkipToName =
    3 * 4 + 2 + 4 * 4 + 4 + 1 + 2 * 2 + 5 * 4 + 2 + 2 * kMacSize + 2 + 4;

}  // namespace

Bytes sw_interface_dump_arguments() {
  WireWriter writer;
  writer.u32(kAllInterfaces).u8(0).u32(0);  // sw_if_index, name_filter_valid, name_filter length
  return writer.take();
}

SwInterface decode_sw_interface_details(std::span<const std::uint8_t> body) {
  WireReader reader(body, "sw_interface_details");
  reader.u16();  // id
  reader.u32();  // context
  SwInterface iface;
  iface.sw_if_index = reader.u32();
  reader.u32();  // sup_sw_if_index
  reader.skip(kMacSize);
  const std::uint32_t flags = reader.u32();
  iface.admin_up = (flags & kIfStatusAdminUp) != 0;
  iface.link_up = (flags & kIfStatusLinkUp) != 0;
  reader.skip(kSwDetailsSkipToName);
  iface.name = reader.fixed_string(kInterfaceNameSize);
  return iface;
}

MemifInterface decode_memif_details(std::span<const std::uint8_t> body) {
  WireReader reader(body, "memif_details");
  reader.u16();  // id
  reader.u32();  // context
  MemifInterface memif;
  memif.sw_if_index = reader.u32();
  reader.skip(kMacSize);
  memif.id = reader.u32();
  memif.master = reader.u32() != kMemifRoleSlave;
  reader.u32();  // mode
  reader.u8();   // zero_copy
  memif.socket_id = reader.u32();
  reader.u32();  // ring_size
  reader.u16();  // buffer_size
  const std::uint32_t flags = reader.u32();
  memif.admin_up = (flags & kIfStatusAdminUp) != 0;
  memif.connected = (flags & kIfStatusLinkUp) != 0;
  memif.name = reader.fixed_string(kInterfaceNameSize);
  return memif;
}

std::vector<SwInterface> dump_sw_interfaces(ApiClient& client) {
  std::vector<SwInterface> result;
  for (const auto& body :
       client.dump(kSwInterfaceDump, kSwInterfaceDetails, sw_interface_dump_arguments())) {
    result.push_back(decode_sw_interface_details(body));
  }
  return result;
}

std::vector<MemifInterface> dump_memifs(ApiClient& client) {
  std::vector<MemifInterface> result;
  for (const auto& body : client.dump(kMemifDump, kMemifDetails)) {
    result.push_back(decode_memif_details(body));
  }
  return result;
}

}  // namespace cnfctl::vpp
