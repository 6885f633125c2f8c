// The snake kinds' generator, sink and vswitch containers.
#include <fmt/format.h>

#include <map>
#include <optional>

#include "wiring/plan_builder.h"

namespace cnfctl::wiring::detail {

// The snake kinds: the NF memifs that face the host (peer still empty) are connected chain by
// chain, in nf_id order. With a vswitch container, each chain gets a generator port, its
// host-facing memifs and a sink port, paired (the vswitch forwards port 2k to 2k+1: the snake);
// the generator and sink have one link per chain. Without a vswitch the generator and sink
// connect directly to each chain's two ends, which needs exactly two host-facing memifs per
// chain (one NF, or a pipeline). Without any of these containers the memifs stay for a vswitch
// outside the plan (CSIT's host VPP). In the ip4 kinds the generator's frames are addressed
// (ContainerWiring::flow_*): its link k carries TG port 1's MAC and targets the MAC of chain k's
// first NF memif, the sink's links carry TG port 2's MAC (the last NF's neighbour).
void PlanBuilder::connect_traffic_ends(const Dut& dut,
                                       std::vector<ContainerWiring>& entries) const {
  if (dut.vswitch == nullptr && dut.generator == nullptr && dut.sink == nullptr) return;
  // Per chain, (entry index, link index) of the host-facing NF memifs, in nf_id order.
  std::map<int, std::vector<std::pair<std::size_t, std::size_t>>> ends;
  for (std::size_t e = 0; e < entries.size(); ++e) {
    for (std::size_t i = 0; i < entries[e].links.size(); ++i) {
      if (entries[e].links[i].peer.empty()) ends[entries[e].chain].emplace_back(e, i);
    }
  }
  const bool ip4 =
      request_.kind == TopologyKind::kChainIp4 || request_.kind == TopologyKind::kPipelineIp4;
  auto aux_entry = [&](const AuxContainer& aux, ContainerRole role) {
    ContainerWiring c;
    c.name = aux.name;
    c.role = role;
    c.dut = dut.name;
    c.dut_index = dut.index;
    if (ip4 && role == ContainerRole::kGenerator) {
      c.flow_src_ip4 = kFlowSrcIp4;
      c.flow_dst_ip4 = kFlowDstIp4;
    }
    return c;
  };
  std::optional<ContainerWiring> gen;
  std::optional<ContainerWiring> sink;
  if (dut.generator != nullptr) gen = aux_entry(*dut.generator, ContainerRole::kGenerator);
  if (dut.sink != nullptr) sink = aux_entry(*dut.sink, ContainerRole::kSink);
  // A traffic end's link to the socket `served` by `server`; `nf_port` is the NF memif its
  // frames reach first (generator) or come from (sink).
  auto end_link = [&](ContainerWiring& end, const MemifLink& served, const std::string& server,
                      const MemifLink& nf_port) {
    const int sid = static_cast<int>(end.links.size()) + 1;
    MemifLink l = link(served.socket_file, sid, served.interface_id, MemifRole::kSlave);
    l.peer = server;
    if (ip4) {
      const bool generator = end.role == ContainerRole::kGenerator;
      l.mac = request_.tg.mac[generator ? 0 : 1];
      if (generator) l.neighbor_mac = nf_port.mac;
    }
    end.links.push_back(std::move(l));
  };

  if (dut.vswitch == nullptr) {
    for (const auto& [chain, list] : ends) {
      if (list.size() != 2) {
        bad_input(fmt::format(
            "{}: a generator or sink without a vswitch container needs exactly one host-facing "
            "memif pair per chain (one NF, or one pipeline), chain {} has {} memifs",
            dut_label(dut.name), chain, list.size()));
      }
    }
    for (const auto& [chain, list] : ends) {
      ContainerWiring& first = entries[list[0].first];
      ContainerWiring& last = entries[list[1].first];
      MemifLink& in = first.links[list[0].second];
      MemifLink& out = last.links[list[1].second];
      if (gen) {
        in.peer = gen->name;
        end_link(*gen, in, first.name, in);
      }
      if (sink) {
        out.peer = sink->name;
        end_link(*sink, out, last.name, out);
      }
    }
  } else {
    ContainerWiring vswitch = vswitch_entry(dut);
    // The outer ports are the vswitch's own sockets; the generator and sink are their clients.
    auto outer = [&](std::optional<ContainerWiring>& end, const MemifLink& nf_port) {
      const int sid = static_cast<int>(vswitch.links.size()) + 1;
      MemifLink l = link(fmt::format("memif-{}-{}", vswitch.name, sid), sid, 1, MemifRole::kMaster);
      if (end) {
        l.peer = end->name;
        end_link(*end, l, vswitch.name, nf_port);
      }
      vswitch.links.push_back(std::move(l));
    };
    for (const auto& [chain, list] : ends) {
      outer(gen, entries[list.front().first].links[list.front().second]);
      for (const auto& [e, i] : list) {
        MemifLink& target = entries[e].links[i];
        target.peer = vswitch.name;
        const int sid = static_cast<int>(vswitch.links.size()) + 1;
        MemifLink l = link(target.socket_file, sid, target.interface_id, MemifRole::kSlave);
        l.peer = entries[e].name;
        vswitch.links.push_back(std::move(l));
      }
      outer(sink, entries[list.back().first].links[list.back().second]);
    }
    entries.push_back(std::move(vswitch));
  }
  if (gen) entries.push_back(std::move(*gen));
  if (sink) entries.push_back(std::move(*sink));
}

}  // namespace cnfctl::wiring::detail
