// chain_vswitch / chain_ipsec: the NFs' memifs and tunnel, the vswitch bridging them.
#include <fmt/format.h>

#include "wiring/plan_builder.h"

namespace cnfctl::wiring::detail {

// chain_ipsec (and the NFs of chain_vswitch): two slave memifs on the vswitch container's two
// sockets, with interface id = the NF instance; the tunnel between the DUTs on memif 1.
void PlanBuilder::add_ipsec_links(ContainerWiring& c, const Dut& dut) const {
  const auto& ip = request_.ipsec;
  const int instance = c.nf_id;
  const bool dut1 = dut.index == 1;
  const std::string local_base = ip4_base(ip.dut2_if1_ip4, "ipsec dut2_if1_ip4");
  const std::string remote_base = dut1 ? ip4_base(ip.dut1_if1_ip4, "ipsec dut1_if1_ip4")
                                       : ip4_base(ip.dut2_if2_ip4, "ipsec dut2_if2_ip4");
  const std::string& routed = dut1 ? ip.laddr_ip4 : ip.raddr_ip4;
  ip4_base(routed, dut1 ? "ipsec laddr_ip4" : "ipsec raddr_ip4");
  const int tg_port = dut1 ? 0 : 1;
  const int local_mac1 = dut1 ? 17 : 1;
  const int local_mac2 = dut1 ? 18 : 2;
  const int remote_mac = dut1 ? 1 : 17;

  IpsecTunnel tunnel;
  tunnel.instance = instance;
  tunnel.local_ip = fmt::format("{}.{}", local_base, dut1 ? instance + 100 : instance);
  tunnel.remote_ip = fmt::format("{}.{}", local_base, dut1 ? instance : instance + 100);
  tunnel.remote_mac = ipsec_mac(remote_mac, instance);
  tunnel.routed_network = routed;
  tunnel.config_guest_path =
      join_socket_path(request_.guest_socket_dir,
                       fmt::format("ipsec_create_tunnel_cnf_DUT{}_{}.config", dut.index, instance));
  if (!ip.crypto_key.empty()) {
    // CSIT's SA numbering: the DUT1 -> DUT2 direction is 100000 + instance, the other 200000.
    tunnel.crypto_key = ip.crypto_key;
    tunnel.tunnel_network = dut1 ? ip.raddr_ip4 : ip.laddr_ip4;
    tunnel.sa_out = (dut1 ? 100000 : 200000) + instance;
    tunnel.sa_in = (dut1 ? 200000 : 100000) + instance;
  }

  const std::string& vswitch = dut.vswitch->name;
  MemifLink red = link(fmt::format("memif-{}-1", vswitch), 1, instance, MemifRole::kSlave);
  red.peer = vswitch;
  red.mac = ipsec_mac(local_mac1, instance);
  red.ip4 = tunnel.local_ip + "/24";
  red.neighbor_ip4 = tunnel.remote_ip;
  red.neighbor_mac = tunnel.remote_mac;

  MemifLink black = link(fmt::format("memif-{}-2", vswitch), 2, instance, MemifRole::kSlave);
  black.peer = vswitch;
  black.mac = ipsec_mac(local_mac2, instance);
  black.ip4 = fmt::format("{}.{}/24", remote_base, instance);
  black.neighbor_ip4 = request_.tg.ip4[tg_port];
  black.neighbor_mac = request_.tg.mac[tg_port];

  c.links.push_back(std::move(red));
  c.links.push_back(std::move(black));
  c.routes.push_back(Route{routed + "/8", request_.tg.ip4[tg_port], 1});
  c.tunnel = std::move(tunnel);
}

// The vswitch of chain_vswitch / chain_ipsec: the DUT's two NICs bridged to memif socket 1
// (bridge domain 1) and socket 2 (bridge domain 2), one master interface per NF instance on each.
// With memif ports (WiringRequest::memif_ports) memifs stand for the NICs: socket 3 is the DUT
// link (DUT1's vswitch serves it, DUT2's connects), socket 4 the TG port (generator on DUT1,
// sink on DUT2, both clients).
ContainerWiring PlanBuilder::ipsec_vswitch(const Dut& dut) const {
  if (request_.memif_ports) return memif_port_vswitch(dut);
  if (dut.spec == nullptr || dut.spec->interfaces.size() < 2) {
    bad_input(fmt::format("{} needs two physical interfaces on {}", to_string(request_.kind),
                          dut_label(dut.name)));
  }
  const bool dut1 = dut.index == 1;
  ContainerWiring c = vswitch_entry(dut);
  // Red first, then black: CSIT's device order for the startup config.
  const auto& ifs = dut.spec->interfaces;
  c.physical = dut1 ? std::vector{ifs[1], ifs[0]} : std::vector{ifs[0], ifs[1]};
  add_bridged_instances(c, dut);
  return c;
}

ContainerWiring PlanBuilder::vswitch_entry(const Dut& dut) const {
  ContainerWiring c;
  c.name = dut.vswitch->name;
  c.role = ContainerRole::kVswitch;
  c.dut = dut.name;
  c.dut_index = dut.index;
  c.rx_queues = request_.rx_queues;
  return c;
}

void PlanBuilder::add_bridged_instances(ContainerWiring& c, const Dut& dut) const {
  const int tg_port = dut.index == 1 ? 1 : 0;  // CSIT: DUT1's vswitch resolves TG port 2, DUT2's 1
  for (const auto& [id, nf] : dut.nfs) {
    c.bridged_instances.push_back(id);
    for (int sid = 1; sid <= 2; ++sid) {
      MemifLink l = link(fmt::format("memif-{}-{}", c.name, sid), sid, id, MemifRole::kMaster);
      l.peer = nf->name;
      l.bridge_domain = sid;
      if (sid == 2) {
        l.neighbor_ip4 = request_.tg.ip4[tg_port];
        l.neighbor_mac = request_.tg.mac[tg_port];
      }
      c.links.push_back(std::move(l));
    }
  }
}

ContainerWiring PlanBuilder::memif_port_vswitch(const Dut& dut) const {
  if (duts_.size() != 2 || duts_[0].vswitch == nullptr || duts_[1].vswitch == nullptr) {
    bad_input(fmt::format("{} with memif ports needs two DUTs, each with a vswitch container",
                          to_string(request_.kind)));
  }
  ContainerWiring c = vswitch_entry(dut);
  const bool first = dut.index == 1;
  const std::string& server = duts_[0].vswitch->name;
  MemifLink red = link(fmt::format("memif-{}-dut", server), 3, 1,
                       first ? MemifRole::kMaster : MemifRole::kSlave);
  red.peer = first ? duts_[1].vswitch->name : server;
  red.bridge_domain = 1;
  red.nic_port = true;
  MemifLink black = link(fmt::format("memif-{}-tg", c.name), 4, 1, MemifRole::kMaster);
  const AuxContainer* end = first ? dut.generator : dut.sink;
  if (end != nullptr) black.peer = end->name;
  black.bridge_domain = 2;
  black.nic_port = true;
  c.links.push_back(std::move(red));
  c.links.push_back(std::move(black));
  add_bridged_instances(c, dut);
  return c;
}

// With memif ports: the generator (DUT1) or sink (DUT2) on the vswitch's TG port. The
// generator's frames go to the MAC of NF instance 1's plaintext memif, from laddr to raddr
// (the tunnel carries raddr); the sink takes TG port 2's MAC, DUT2's NFs' neighbour.
void PlanBuilder::add_port_ends(const Dut& dut, std::vector<ContainerWiring>& entries) const {
  if (!request_.memif_ports) return;
  // Copies: entries grows below.
  const std::string vswitch = entries.back().name;
  const MemifLink port = entries.back().links.at(1);
  const std::string nf1_mac = entries.front().links.at(1).mac;
  for (const AuxContainer* aux : {dut.generator, dut.sink}) {
    if (aux == nullptr) continue;
    const bool generator = aux == dut.generator;
    ContainerWiring c;
    c.name = aux->name;
    c.role = generator ? ContainerRole::kGenerator : ContainerRole::kSink;
    c.dut = dut.name;
    c.dut_index = dut.index;
    MemifLink l = link(port.socket_file, 1, port.interface_id, MemifRole::kSlave);
    l.peer = vswitch;
    l.mac = request_.tg.mac[generator ? 0 : 1];
    if (generator) {
      l.neighbor_mac = nf1_mac;
      c.flow_src_ip4 = ip4_base(request_.ipsec.laddr_ip4, "ipsec laddr_ip4") + ".1";
      c.flow_dst_ip4 = ip4_base(request_.ipsec.raddr_ip4, "ipsec raddr_ip4") + ".1";
    }
    c.links.push_back(std::move(l));
    entries.push_back(std::move(c));
  }
}

}  // namespace cnfctl::wiring::detail
