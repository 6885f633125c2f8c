// The plan builder: validation, DUTs, links, and the order of the build (plan_builder.h).
#include "wiring/plan_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "common/error.h"
#include "common/names.h"

namespace cnfctl::wiring::detail {

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
      if (!r.memif_ports && (dut.generator || dut.sink)) {
        bad_input(
            fmt::format("{} takes traffic from the NICs: no generator or sink container "
                        "(unless memif ports stand for the NICs)",
                        to_string(r.kind)));
      }
      if (r.memif_ports && dut.index == 1 && dut.sink) {
        bad_input(fmt::format("{} with memif ports: the sink belongs on DUT2, not on {}",
                              to_string(r.kind), dut_label(dut.name)));
      }
      if (r.memif_ports && dut.index != 1 && dut.generator) {
        bad_input(fmt::format("{} with memif ports: the generator belongs on DUT1, not on {}",
                              to_string(r.kind), dut_label(dut.name)));
      }
    }

    std::vector<ContainerWiring> entries;
    for (const auto& [id, nf] : dut.nfs) entries.push_back(nf_entry(dut, id, *nf));
    if (is_vswitch_kind(r.kind)) {
      entries.push_back(ipsec_vswitch(dut));
      add_port_ends(dut, entries);
    } else if (is_snake_kind(r.kind)) {
      connect_traffic_ends(dut, entries);
    }
    check_sockets(entries, dut.name);
    assign_start_stages(entries);
    for (auto& c : entries) plan.containers.push_back(std::move(c));
  }
  return plan;
}

}  // namespace cnfctl::wiring::detail
