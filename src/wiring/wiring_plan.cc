#include "wiring/wiring_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <utility>

#include "common/error.h"
#include "common/names.h"

namespace cnfctl::wiring {

namespace {

constexpr const char* kWhere = "topology";
// sun_path holds 108 bytes including the terminating NUL.
constexpr std::size_t kMaxSocketPathLength = 107;
// The ip4 kinds put the socket id into an address octet (1.1.<sid>.1), sid = 2 * nf_id.
constexpr int kMaxIp4NfId = 127;
// chain_ipsec puts instance + 100 into an address octet.
constexpr int kMaxIpsecInstance = 155;
// The generator's flow in the ip4 kinds: in the networks the NFs route back (10.0.0.0/8) and
// forward (20.0.0.0/8), as CSIT's traffic profiles for chain_ip4 / pipeline_ip4.
constexpr const char* kFlowSrcIp4 = "10.0.0.1";
constexpr const char* kFlowDstIp4 = "20.0.0.1";

[[noreturn]] void bad_input(std::string what) {
  throw Error::bad_input(kWhere, std::move(what));
}

std::string dut_label(std::string_view dut) {
  return dut.empty() ? std::string("the DUT") : fmt::format("DUT '{}'", dut);
}

bool is_snake_kind(TopologyKind kind) {
  return kind == TopologyKind::kChain || kind == TopologyKind::kChainFunctional ||
         kind == TopologyKind::kChainIp4 || kind == TopologyKind::kPipelineIp4 ||
         kind == TopologyKind::kChainDma;
}

bool is_vswitch_kind(TopologyKind kind) {
  return kind == TopologyKind::kChainVswitch || kind == TopologyKind::kChainIpsec;
}

std::string chain_mac(int id, int port) {
  return fmt::format("52:54:00:00:{:02X}:{:02X}", id, port);
}

std::string ipsec_mac(int octet, int instance) {
  return fmt::format("02:02:00:00:{:02X}:{:02X}", octet, instance - 1);
}

// "a.b.c.d" -> "a.b.c" (CSIT's rsplit(".", 1)[0]); bad input unless `ip` is a dotted quad.
std::string ip4_base(const std::string& ip, std::string_view what) {
  int octets = 0;
  bool ok = true;
  std::size_t start = 0;
  while (ok && octets < 4) {
    std::size_t end = std::min(ip.find('.', start), ip.size());
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(ip.data() + start, ip.data() + end, value);
    ok = end > start && ec == std::errc() && ptr == ip.data() + end && value <= 255;
    ++octets;
    if (end == ip.size()) break;
    start = end + 1;
  }
  if (!ok || octets != 4 || std::count(ip.begin(), ip.end(), '.') != 3) {
    bad_input(fmt::format("{} must be an ip4 address a.b.c.d, got '{}'", what, ip));
  }
  return ip.substr(0, ip.rfind('.'));
}

// One DUT with its containers, NFs sorted by nf_id.
struct Dut {
  std::string name;
  int index = 1;
  const DutSpec* spec = nullptr;
  std::vector<std::pair<int, const NfPlacement*>> nfs;  // (nf_id, placement)
  const AuxContainer* vswitch = nullptr;
  const AuxContainer* generator = nullptr;
  const AuxContainer* sink = nullptr;
};

class PlanBuilder {
 public:
  explicit PlanBuilder(const WiringRequest& request) : request_(request) {}

  WiringPlan build();

 private:
  void validate_scalars() const;
  void resolve_duts();
  Dut& dut_of(const std::string& dut, const std::string& container);
  void place_aux(const std::vector<AuxContainer>& list, const AuxContainer* Dut::*slot,
                 std::string_view role);

  MemifLink link(std::string file, int socket_id, int interface_id, MemifRole role) const;
  ContainerWiring nf_entry(const Dut& dut, int id, const NfPlacement& nf) const;
  void add_chain_links(ContainerWiring& c, const Dut& dut, int nodes) const;
  void add_pipeline_links(ContainerWiring& c, const Dut& dut) const;
  void add_ipsec_links(ContainerWiring& c, const Dut& dut) const;
  ContainerWiring ipsec_vswitch(const Dut& dut) const;
  void connect_traffic_ends(const Dut& dut, std::vector<ContainerWiring>& entries) const;

  const WiringRequest& request_;
  std::vector<Dut> duts_;
};

void PlanBuilder::validate_scalars() const {
  const auto& r = request_;
  if (r.chains < 1) bad_input(fmt::format("chains must be at least 1, got {}", r.chains));
  if (r.nodes_per_chain < 1) {
    bad_input(fmt::format("nodes_per_chain must be at least 1, got {}", r.nodes_per_chain));
  }
  if (r.rx_queues < 1) bad_input(fmt::format("rx_queues must be at least 1, got {}", r.rx_queues));
  for (const auto* dir : {&r.host_socket_dir, &r.guest_socket_dir}) {
    if (dir->empty() || dir->front() != '/') {
      bad_input(fmt::format("the {} socket directory must be an absolute path, got '{}'",
                            dir == &r.host_socket_dir ? "host" : "guest", *dir));
    }
  }
  const int nfs_per_dut = r.chains * r.nodes_per_chain;
  const bool ip4 = r.kind == TopologyKind::kChainIp4 || r.kind == TopologyKind::kPipelineIp4;
  if (ip4 && nfs_per_dut > kMaxIp4NfId) {
    bad_input(fmt::format("{} addresses NFs as 1.1.<2*nf_id>.1: at most {} NFs per DUT, got {}",
                          to_string(r.kind), kMaxIp4NfId, nfs_per_dut));
  }
  if (is_vswitch_kind(r.kind) && nfs_per_dut > kMaxIpsecInstance) {
    bad_input(fmt::format("{} supports at most {} NFs per DUT, got {}", to_string(r.kind),
                          kMaxIpsecInstance, nfs_per_dut));
  }
  if (r.kind == TopologyKind::kCrossHoriz && nfs_per_dut != 1) {
    bad_input(fmt::format("cross_horiz wires a single NF per DUT, got chains {} x nodes {}",
                          r.chains, r.nodes_per_chain));
  }
  const bool needs_tg_mac = ip4 || is_vswitch_kind(r.kind);
  for (int port = 0; port < 2; ++port) {
    if (needs_tg_mac && r.tg.mac[port].empty()) {
      bad_input(
          fmt::format("{} needs the MAC of TG port {} (tg_mac)", to_string(r.kind), port + 1));
    }
    if (is_vswitch_kind(r.kind) && r.tg.ip4[port].empty()) {
      bad_input(
          fmt::format("{} needs the ip4 of TG port {} (tg_ip4)", to_string(r.kind), port + 1));
    }
  }
}

void PlanBuilder::resolve_duts() {
  const auto& r = request_;
  if (!r.duts.empty()) {
    for (const auto& spec : r.duts) {
      if (std::any_of(duts_.begin(), duts_.end(),
                      [&](const Dut& d) { return d.name == spec.name; })) {
        bad_input(fmt::format("DUT '{}' is listed twice", spec.name));
      }
      duts_.push_back(Dut{spec.name, static_cast<int>(duts_.size()) + 1, &spec, {}, {}, {}, {}});
    }
    return;
  }
  std::set<std::string> names;
  for (const auto& nf : r.nfs) names.insert(nf.dut);
  for (const auto* list : {&r.vswitches, &r.generators, &r.sinks}) {
    for (const auto& aux : *list) names.insert(aux.dut);
  }
  if (names.size() > 1 && names.count("") != 0) {
    bad_input("some containers name their DUT and some do not");
  }
  if (names.empty()) names.insert("");
  for (const auto& name : names) {
    duts_.push_back(Dut{name, static_cast<int>(duts_.size()) + 1, nullptr, {}, {}, {}, {}});
  }
}

Dut& PlanBuilder::dut_of(const std::string& dut, const std::string& container) {
  if (dut.empty() && duts_.size() == 1) return duts_.front();
  for (auto& d : duts_) {
    if (d.name == dut) return d;
  }
  if (dut.empty()) bad_input(fmt::format("container '{}' must name its DUT", container));
  bad_input(fmt::format("container '{}' is on unknown DUT '{}'", container, dut));
}

void PlanBuilder::place_aux(const std::vector<AuxContainer>& list, const AuxContainer* Dut::*slot,
                            std::string_view role) {
  for (const auto& aux : list) {
    Dut& dut = dut_of(aux.dut, aux.name);
    if (dut.*slot != nullptr) {
      bad_input(fmt::format("{} has two {} containers: '{}' and '{}'", dut_label(dut.name), role,
                            (dut.*slot)->name, aux.name));
    }
    dut.*slot = &aux;
  }
}

MemifLink PlanBuilder::link(std::string file, int socket_id, int interface_id,
                            MemifRole role) const {
  MemifLink l;
  l.host_socket_path = join_socket_path(request_.host_socket_dir, file);
  l.guest_socket_path = join_socket_path(request_.guest_socket_dir, file);
  for (const auto* path : {&l.host_socket_path, &l.guest_socket_path}) {
    if (path->size() > kMaxSocketPathLength) {
      bad_input(
          fmt::format("memif socket path '{}' is longer than {} bytes (sun_path): use a "
                      "shorter socket directory or container name",
                      *path, kMaxSocketPathLength));
    }
  }
  l.socket_file = std::move(file);
  l.socket_id = socket_id;
  l.interface_id = interface_id;
  l.role = role;
  return l;
}

ContainerWiring PlanBuilder::nf_entry(const Dut& dut, int id, const NfPlacement& nf) const {
  ContainerWiring c;
  c.name = nf.name;
  c.role = ContainerRole::kNf;
  c.dut = dut.name;
  c.dut_index = dut.index;
  c.chain = nf.chain;
  c.position = nf.position;
  c.nf_id = id;
  switch (request_.kind) {
    case TopologyKind::kChain:
    case TopologyKind::kChainFunctional:
    case TopologyKind::kChainIp4:
    case TopologyKind::kChainDma:
      add_chain_links(c, dut, 2);
      break;
    case TopologyKind::kCrossHoriz:
      add_chain_links(c, dut, 1);
      break;
    case TopologyKind::kPipelineIp4:
      add_pipeline_links(c, dut);
      break;
    case TopologyKind::kChainVswitch:
    case TopologyKind::kChainIpsec:
      add_ipsec_links(c, dut);
      break;
  }
  return c;
}

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
ContainerWiring PlanBuilder::ipsec_vswitch(const Dut& dut) const {
  if (dut.spec == nullptr || dut.spec->interfaces.size() < 2) {
    bad_input(fmt::format("{} needs two physical interfaces on {}", to_string(request_.kind),
                          dut_label(dut.name)));
  }
  const bool dut1 = dut.index == 1;
  const int tg_port = dut1 ? 1 : 0;  // CSIT: DUT1's vswitch resolves TG port 2, DUT2's port 1
  ContainerWiring c;
  c.name = dut.vswitch->name;
  c.role = ContainerRole::kVswitch;
  c.dut = dut.name;
  c.dut_index = dut.index;
  c.rx_queues = request_.rx_queues;
  // Red first, then black: CSIT's device order for the startup config.
  const auto& ifs = dut.spec->interfaces;
  c.physical = dut1 ? std::vector{ifs[1], ifs[0]} : std::vector{ifs[0], ifs[1]};
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
  return c;
}

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
    ContainerWiring vswitch;
    vswitch.name = dut.vswitch->name;
    vswitch.role = ContainerRole::kVswitch;
    vswitch.dut = dut.name;
    vswitch.dut_index = dut.index;
    vswitch.rx_queues = request_.rx_queues;
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

// Every socket file is created by exactly one container, and every slave's socket has a master
// in the plan. A clash (e.g. a container named "pipe" in pipeline_ip4) is bad input.
void check_sockets(const std::vector<ContainerWiring>& entries, const std::string& dut) {
  std::map<std::string, std::string> server_of;
  for (const auto& c : entries) {
    for (const auto& l : c.links) {
      if (!l.is_server()) continue;
      auto [it, inserted] = server_of.emplace(l.socket_file, c.name);
      if (!inserted && it->second != c.name) {
        bad_input(fmt::format("{}: socket file '{}' would be created by both '{}' and '{}'",
                              dut_label(dut), l.socket_file, it->second, c.name));
      }
    }
  }
  for (const auto& c : entries) {
    for (const auto& l : c.links) {
      if (l.is_server()) continue;
      auto it = server_of.find(l.socket_file);
      if (it == server_of.end() || it->second != l.peer) {
        throw Error(fmt::format("internal: slave memif of '{}' on '{}' has no master '{}'", c.name,
                                l.socket_file, l.peer));
      }
    }
  }
}

// start_stage = 1 + the highest stage of the servers a container is a client of.
void assign_start_stages(std::vector<ContainerWiring>& entries) {
  std::map<std::string, ContainerWiring*> by_name;
  for (auto& c : entries) by_name.emplace(c.name, &c);
  std::map<std::string, int> stage;  // -1 while being computed
  auto visit = [&](auto& self, ContainerWiring& c) -> int {
    if (auto it = stage.find(c.name); it != stage.end()) {
      if (it->second < 0) throw Error("internal: memif client/server cycle at '" + c.name + "'");
      return it->second;
    }
    stage[c.name] = -1;
    int s = 0;
    for (const auto& l : c.links) {
      if (l.is_server() || l.peer.empty()) continue;
      s = std::max(s, self(self, *by_name.at(l.peer)) + 1);
    }
    stage[c.name] = s;
    c.start_stage = s;
    return s;
  };
  for (auto& c : entries) visit(visit, c);
}

WiringPlan PlanBuilder::build() {
  const auto& r = request_;
  validate_scalars();
  resolve_duts();

  std::set<std::string> names;
  auto add_name = [&](const std::string& name) {
    require_safe_name(name, "container name", kWhere);
    if (!names.insert(name).second) bad_input(fmt::format("container '{}' is listed twice", name));
  };
  for (const auto& nf : r.nfs) add_name(nf.name);
  for (const auto* list : {&r.vswitches, &r.generators, &r.sinks}) {
    for (const auto& aux : *list) add_name(aux.name);
  }

  for (const auto& nf : r.nfs) {
    if (nf.chain < 1 || nf.chain > r.chains) {
      bad_input(fmt::format("NF '{}': chain {} is not in 1..{}", nf.name, nf.chain, r.chains));
    }
    if (nf.position < 1 || nf.position > r.nodes_per_chain) {
      bad_input(fmt::format("NF '{}': position {} is not in 1..{}", nf.name, nf.position,
                            r.nodes_per_chain));
    }
    Dut& dut = dut_of(nf.dut, nf.name);
    const int id = (nf.chain - 1) * r.nodes_per_chain + nf.position;
    for (const auto& [other_id, other] : dut.nfs) {
      if (other_id == id) {
        bad_input(fmt::format("NFs '{}' and '{}' both sit at chain {} position {} on {}",
                              other->name, nf.name, nf.chain, nf.position, dut_label(dut.name)));
      }
    }
    dut.nfs.emplace_back(id, &nf);
  }
  place_aux(r.vswitches, &Dut::vswitch, "vswitch");
  place_aux(r.generators, &Dut::generator, "generator");
  place_aux(r.sinks, &Dut::sink, "sink");

  WiringPlan plan;
  plan.kind = r.kind;
  plan.chains = r.chains;
  plan.nodes_per_chain = r.nodes_per_chain;
  for (auto& dut : duts_) {
    std::sort(dut.nfs.begin(), dut.nfs.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    const bool has_aux = dut.vswitch || dut.generator || dut.sink;
    if (dut.nfs.empty()) {
      if (has_aux) bad_input(fmt::format("{} has containers but no NF", dut_label(dut.name)));
      continue;
    }
    const int expected = r.chains * r.nodes_per_chain;
    if (static_cast<int>(dut.nfs.size()) != expected) {
      for (int id = 1; id <= expected; ++id) {
        if (std::none_of(dut.nfs.begin(), dut.nfs.end(),
                         [&](const auto& p) { return p.first == id; })) {
          bad_input(fmt::format("{} has no NF at chain {} position {} ({} x {} NFs expected)",
                                dut_label(dut.name), (id - 1) / r.nodes_per_chain + 1,
                                (id - 1) % r.nodes_per_chain + 1, r.chains, r.nodes_per_chain));
        }
      }
    }
    if (r.kind == TopologyKind::kCrossHoriz && has_aux) {
      bad_input(
          "cross_horiz connects its NF's memif to the host: no vswitch, generator or sink "
          "container");
    }
    if (is_vswitch_kind(r.kind)) {
      if (dut.vswitch == nullptr) {
        bad_input(fmt::format("{} needs a vswitch container on {}", to_string(r.kind),
                              dut_label(dut.name)));
      }
      if (dut.generator || dut.sink) {
        bad_input(fmt::format("{} takes traffic from the NICs: no generator or sink container",
                              to_string(r.kind)));
      }
    }

    std::vector<ContainerWiring> entries;
    for (const auto& [id, nf] : dut.nfs) entries.push_back(nf_entry(dut, id, *nf));
    if (is_vswitch_kind(r.kind)) {
      entries.push_back(ipsec_vswitch(dut));
    } else if (is_snake_kind(r.kind)) {
      connect_traffic_ends(dut, entries);
    }
    check_sockets(entries, dut.name);
    assign_start_stages(entries);
    for (auto& c : entries) plan.containers.push_back(std::move(c));
  }
  return plan;
}

}  // namespace

std::string_view to_string(TopologyKind kind) {
  switch (kind) {
    case TopologyKind::kChain:
      return "chain";
    case TopologyKind::kChainFunctional:
      return "chain_functional";
    case TopologyKind::kChainIp4:
      return "chain_ip4";
    case TopologyKind::kPipelineIp4:
      return "pipeline_ip4";
    case TopologyKind::kCrossHoriz:
      return "cross_horiz";
    case TopologyKind::kChainVswitch:
      return "chain_vswitch";
    case TopologyKind::kChainIpsec:
      return "chain_ipsec";
    case TopologyKind::kChainDma:
      return "chain_dma";
  }
  return "?";
}

std::optional<TopologyKind> parse_topology_kind(std::string_view name) {
  for (TopologyKind kind : kAllTopologyKinds) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(ContainerRole role) {
  switch (role) {
    case ContainerRole::kNf:
      return "nf";
    case ContainerRole::kVswitch:
      return "vswitch";
    case ContainerRole::kGenerator:
      return "generator";
    case ContainerRole::kSink:
      return "sink";
  }
  return "?";
}

std::string_view to_string(MemifRole role) {
  return role == MemifRole::kMaster ? "master" : "slave";
}

const ContainerWiring* WiringPlan::find(std::string_view name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const ContainerWiring& WiringPlan::at(std::string_view name) const {
  if (const auto* c = find(name)) return *c;
  throw Error(fmt::format("the wiring plan has no container '{}'", name));
}

WiringPlan build_wiring_plan(const WiringRequest& request) {
  return PlanBuilder(request).build();
}

std::string join_socket_path(std::string_view dir, std::string_view file) {
  std::string out;
  out.reserve(dir.size() + file.size() + 1);
  for (char c : dir) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  if (out.empty() || out.back() != '/') out += '/';
  std::size_t skip = 0;
  while (skip < file.size() && file[skip] == '/') ++skip;
  out.append(file.substr(skip));
  return out;
}

}  // namespace cnfctl::wiring
