// The NF memifs of the snake kinds (chain, chain_functional, chain_ip4, chain_dma), cross_horiz
// and pipeline_ip4.
#include <fmt/format.h>

#include "wiring/plan_builder.h"

namespace cnfctl::wiring::detail {

// chain, chain_functional, chain_ip4, chain_dma (two master memifs) and cross_horiz (one master
// memif plus the DUT's first physical interface).
void PlanBuilder::add_chain_links(ContainerWiring& c, const Dut& dut, int count) const {
  const int id = c.nf_id;
  const int nodes = request_.nodes_per_chain;
  for (int port = 1; port <= count; ++port) {
    const int sid = 2 * id - 2 + port;
    MemifLink l = link(fmt::format("memif-{}-{}", c.name, sid), sid, id, MemifRole::kMaster);
    if (request_.kind == TopologyKind::kChainFunctional) l.rx_mode = "interrupt";
    if (request_.kind == TopologyKind::kChainDma) l.use_dma = true;
    if (request_.kind == TopologyKind::kChainIp4) {
      l.mac = chain_mac(id, port);
      l.ip4 = fmt::format("1.1.{}.1/24", sid);
      l.neighbor_ip4 = fmt::format("1.1.{}.2", sid);
      // The neighbour is the TG at the chain's ends, else the adjacent NF's facing port.
      if (port == 1) {
        l.neighbor_mac = c.position == 1 ? request_.tg.mac[0] : chain_mac(id - 1, 2);
      } else {
        l.neighbor_mac = c.position == nodes ? request_.tg.mac[1] : chain_mac(id + 1, 1);
      }
    }
    c.links.push_back(std::move(l));
  }
  if (request_.kind == TopologyKind::kChainIp4) {
    c.routes.push_back(Route{"10.0.0.0/8", c.links[0].neighbor_ip4, 0});
    c.routes.push_back(Route{"20.0.0.0/8", c.links[1].neighbor_ip4, 1});
  }
  if (request_.kind == TopologyKind::kCrossHoriz) {
    if (dut.spec == nullptr || dut.spec->interfaces.empty()) {
      bad_input(fmt::format("cross_horiz needs a physical interface on {}", dut_label(dut.name)));
    }
    c.physical.push_back(dut.spec->interfaces.front());
  }
}

// pipeline_ip4: the first NF of a chain faces the host on memif 1, the last on memif 2; between
// them NF k is the slave of NF k+1 on socket memif-pipe-<nf_id of k+1>.
void PlanBuilder::add_pipeline_links(ContainerWiring& c, const Dut& dut) const {
  const int id = c.nf_id;
  const int nodes = request_.nodes_per_chain;
  const bool first = c.position == 1;
  const bool last = c.position == nodes;
  auto neighbour_name = [&](int neighbour_id) {
    for (const auto& [nid, nf] : dut.nfs) {
      if (nid == neighbour_id) return nf->name;
    }
    return std::string();  // unreachable: every DUT has the full set of NFs
  };

  const int sid1 = 2 * id - 1;
  MemifLink in =
      link(first ? fmt::format("memif-{}-{}", c.name, sid1) : fmt::format("memif-pipe-{}", id),
           sid1, id, MemifRole::kMaster);
  in.mac = chain_mac(id, 1);
  in.ip4 = fmt::format("1.1.{}.1/24", sid1);
  in.neighbor_ip4 = fmt::format("1.1.{}.2", sid1);
  in.neighbor_mac = first ? request_.tg.mac[0] : chain_mac(id - 1, 2);
  if (!first) in.peer = neighbour_name(id - 1);

  const int sid2 = 2 * id;
  // Towards the next NF the interface id is the next NF's: both ends of a socket share it.
  const int mid2 = last ? id : id + 1;
  MemifLink out =
      link(last ? fmt::format("memif-{}-{}", c.name, sid2) : fmt::format("memif-pipe-{}", mid2),
           sid2, mid2, last ? MemifRole::kMaster : MemifRole::kSlave);
  out.mac = chain_mac(id, 2);
  out.ip4 = fmt::format("1.1.{}.1/24", sid2);
  out.neighbor_ip4 = fmt::format("1.1.{}.2", sid2);
  // The next NF's memif 1 (not the TG: the seed's defect), or the TG after the last NF.
  out.neighbor_mac = last ? request_.tg.mac[1] : chain_mac(id + 1, 1);
  if (!last) out.peer = neighbour_name(id + 1);

  c.links.push_back(std::move(in));
  c.links.push_back(std::move(out));
  c.routes.push_back(Route{"10.0.0.0/8", c.links[0].neighbor_ip4, 0});
  c.routes.push_back(Route{"20.0.0.0/8", c.links[1].neighbor_ip4, 1});
}

}  // namespace cnfctl::wiring::detail
