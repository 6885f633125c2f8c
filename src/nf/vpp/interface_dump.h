// VPP's interfaces as its binary API reports them: sw_interface_dump (interface.api: every
// interface with its name and admin / link state) and memif_dump (memif.api: each memif's
// socket id, memif id, role and whether it is connected). The layouts are those of the name_crc
// constants below, taken from the .api.json files of the VPP build in ../shared/vpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nf/vpp/api_client.h"
#include "nf/vpp/vpp_wire.h"

namespace cnfctl::vpp {

inline constexpr std::string_view kSwInterfaceDump = "sw_interface_dump_aa610c27";
inline constexpr std::string_view kSwInterfaceDetails = "sw_interface_details_6c221fc7";
inline constexpr std::string_view kMemifDump = "memif_dump_51077d14";
inline constexpr std::string_view kMemifDetails = "memif_details_da34feb9";

/// if_status_flags (interface_types.api).
inline constexpr std::uint32_t kIfStatusAdminUp = 1;
inline constexpr std::uint32_t kIfStatusLinkUp = 2;

/// One interface of sw_interface_dump.
struct SwInterface {
  std::uint32_t sw_if_index = 0;
  std::string name;  // "memif1/1", "local0"
  bool admin_up = false;
  bool link_up = false;
};

/// One memif of memif_dump.
struct MemifInterface {
  std::uint32_t sw_if_index = 0;
  std::uint32_t socket_id = 0;  // VPP's socket id ("create memif socket id N")
  std::uint32_t id = 0;         // the memif id, the same on both ends
  bool master = true;           // memif_role: MEMIF_ROLE_API_MASTER (0) or SLAVE (1)
  bool admin_up = false;
  bool connected = false;  // link up: the peer is attached
  std::string name;        // "memif1/1"
};

/// sw_interface_dump's arguments after the header: every interface (sw_if_index ~0), no name
/// filter (name_filter_valid false, an empty variable-length name_filter). Never fails.
Bytes sw_interface_dump_arguments();

/// sw_interface_details { u16 id; u32 context; u32 sw_if_index; u32 sup_sw_if_index;
/// u8 l2_address[6]; u32 flags; ... string interface_name[64]; ... }.
/// Throws Error when truncated.
SwInterface decode_sw_interface_details(std::span<const std::uint8_t> body);

/// memif_details { u16 id; u32 context; u32 sw_if_index; u8 hw_addr[6]; u32 id; u32 role;
/// u32 mode; bool zero_copy; u32 socket_id; u32 ring_size; u16 buffer_size; u32 flags;
/// string if_name[64]; }. Throws Error when truncated.
MemifInterface decode_memif_details(std::span<const std::uint8_t> body);

/// Every interface of the VPP `client` is connected to. Throws like ApiClient::dump.
std::vector<SwInterface> dump_sw_interfaces(ApiClient& client);

/// Every memif of that VPP. Throws like ApiClient::dump (also when the memif plugin is not
/// loaded: VPP then has no memif_dump).
std::vector<MemifInterface> dump_memifs(ApiClient& client);

}  // namespace cnfctl::vpp
