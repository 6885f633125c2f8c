// Host veth pairs on a node, for VPP NFs with `veth:` (nginx over VPP's host stack): the node's
// end gets an address, VPP opens the other end as an af_packet interface. Made by `up` before any
// container starts and deleted by `down` and rollback (both recorded in the run's journal).
//
// Only the node's end gets an address; the subnet must be new on the node (no address or route
// of the node overlaps it), so the pair never captures traffic meant for anything else. VPP's end
// has IPv4 forwarding and IPv6 off, so the node's kernel ignores what arrives on it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "process/runner.h"

namespace cnfctl::node {

struct HostVeth {
  std::string host_if;   // the node's end (at most 15 characters)
  std::string vpp_if;    // VPP's end
  std::string host_ip4;  // the node end's address with its prefix length, "198.51.100.1/24"
};

/// An IPv4 subnet in use on a node: an interface address or a route destination.
struct Ip4InUse {
  std::string what;  // "address 192.0.2.2/24 on eth0", "route 10.0.0.0/8 dev eth1"
  std::string cidr;
};

/// The subnets of `ip -o -4 addr show` and `ip -o -4 route show` output (default routes are
/// skipped: every subnet is "in" them). Pure; lines it does not understand are skipped.
std::vector<Ip4InUse> parse_ip4_in_use(std::string_view addr_output, std::string_view route_output);

/// Whether two "a.b.c.d/len" subnets overlap. Pure; false when either does not parse.
bool ip4_subnets_overlap(const std::string& a, const std::string& b);

/// Creates `veth` on the node of `runner`: checks that neither name exists and that no address
/// or route of the node overlaps host_ip4's subnet, then adds the pair, turns off IPv6 on both
/// ends and IPv4 forwarding on VPP's end, gives the node's end its address and brings both up.
/// Throws Error::bad_input naming the conflict (nothing made), cnfctl::Error when a command
/// fails (the pair is deleted again first).
void create_host_veth(process::Runner& runner, const HostVeth& veth);

/// Deletes the pair of `host_if` (its peer goes with it) when it exists. Returns whether it
/// existed. Throws cnfctl::Error when it exists and cannot be deleted.
bool remove_host_veth(process::Runner& runner, const std::string& host_if);

/// Whether interface `name` exists on the node. Throws cnfctl::Error when `ip` cannot run.
bool interface_exists(process::Runner& runner, const std::string& name);

}  // namespace cnfctl::node
