// VPP's end of a host veth (`veth:` of a VPP NF): an af_packet interface that VPP's host stack
// serves nginx (VCL / LD_PRELOAD) on. The node's end and its address are made by cnfctl on the
// node (src/node/host_veth.h); this is what VPP runs from its startup exec script.
#pragma once

#include <string>

namespace cnfctl::vpp {

/// The af_packet plugin VPP needs for `create host-interface`.
inline constexpr const char* kAfPacketPlugin = "af_packet_plugin.so";

/// VPP's name of the af_packet interface on host interface `host_if`: "host-<host_if>".
std::string af_packet_interface_name(const std::string& host_if);

/// The exec-script lines that open `host_if` as an af_packet interface, give it `ip4_cidr`
/// ("198.51.100.2/24") and bring it up, each ending in '\n'. Throws Error::bad_input when an
/// argument holds anything but [A-Za-z0-9._/-] (it would change the CLI line).
std::string host_interface_exec(const std::string& host_if, const std::string& ip4_cidr);

}  // namespace cnfctl::vpp
