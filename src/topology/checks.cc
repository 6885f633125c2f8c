#include "topology/checks.h"

#include <fmt/format.h>

#include <map>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/names.h"
#include "topology/suggest.h"
#include "topology/values.h"

namespace cnfctl::topology {

namespace {

constexpr std::size_t kMaxContainers = 4096;
// chain_ip4 and pipeline_ip4 address NFs as 1.1.<2 * nf_id>.1.
constexpr unsigned kMaxIp4NfsPerNode = 127;
// chain_vswitch and chain_ipsec put instance + 100 into an address octet.
constexpr unsigned kMaxVswitchNfsPerNode = 155;

[[noreturn]] void fail(const SourceLocation& where, const std::string& what) {
  throw Error::bad_input(where.str(), what);
}

void check_nodes_exist(const Topology& topology) {
  std::vector<std::string_view> names;
  for (const auto& [name, node] : topology.nodes) names.push_back(name);
  for (const auto& group : topology.containers) {
    if (topology.nodes.count(group.node)) continue;
    std::string message = fmt::format("node: '{}' is not defined under nodes", group.node);
    if (const auto close = closest_match(group.node, names)) {
      message += fmt::format(" (did you mean '{}'?)", *close);
    }
    message += fmt::format("; defined nodes: {}", join_names(names));
    fail(group.where.of("node"), message);
  }
}

void check_container_names(const Topology& topology) {
  std::map<std::string, const ContainerGroup*, std::less<>> owners;
  for (const auto& group : topology.containers) {
    for (unsigned ordinal = 1; ordinal <= group.count; ++ordinal) {
      const auto name = group.container_name(ordinal);
      require_safe_name(name, "container name", group.where.of("prefix").str());
      const auto [it, inserted] = owners.emplace(name, &group);
      if (!inserted) {
        const auto& first = *it->second;
        fail(group.where.of("prefix"),
             fmt::format("container name '{}' is used twice: by group '{}' (line {}) and by "
                         "group '{}'",
                         name, first.prefix, first.where.of("prefix").line, group.prefix));
      }
    }
  }
  if (owners.size() > kMaxContainers) {
    fail(topology.where.of("containers"),
         fmt::format("containers: {} containers; a topology holds at most {}", owners.size(),
                     kMaxContainers));
  }
}

}  // namespace

void check_engines(const Topology& topology) {
  for (const auto& group : topology.containers) {
    const auto& node = topology.node_of(group);
    const auto engine = node.engine.kind;
    if (engine == EngineKind::kOci && group.image.kind == ImageKind::kNative) {
      fail(group.image.where,
           fmt::format("image '{}' is a registry image, but node '{}' uses engine oci, which "
                       "runs 'host' or 'dir:/path' images (use docker or podman for registry "
                       "images)",
                       group.image.reference, node.name));
    }
    if (!group.ports.empty() && engine != EngineKind::kDocker && engine != EngineKind::kPodman) {
      fail(group.where.of("ports"),
           fmt::format("ports: only docker and podman publish ports; node '{}' uses engine {}",
                       node.name, to_string(engine)));
    }
  }
}

namespace {

// The groups of `role` on each node, in file order.
std::map<std::string, std::vector<const ContainerGroup*>> groups_by_node(const Topology& topology,
                                                                         Role role) {
  std::map<std::string, std::vector<const ContainerGroup*>> out;
  for (const auto& group : topology.containers) {
    if (group.role == role) out[group.node].push_back(&group);
  }
  return out;
}

unsigned container_count(const std::vector<const ContainerGroup*>& groups) {
  unsigned count = 0;
  for (const auto* group : groups) count += group->count;
  return count;
}

// At most one container of `role` per node.
void check_single(const Topology& topology, Role role) {
  for (const auto& [node, groups] : groups_by_node(topology, role)) {
    if (container_count(groups) > 1) {
      const auto* last = groups.back();
      fail(last->where.of(groups.size() > 1 ? "role" : "count"),
           fmt::format("node '{}' would run {} {} containers; a node has at most one", node,
                       container_count(groups), to_string(role)));
    }
  }
}

void check_memif_capable(const Topology& topology) {
  for (const auto& group : topology.containers) {
    if (group.nf.speaks_memif()) continue;
    fail(group.nf.where.of("kind"),
         fmt::format("topology kind {} wires memif interfaces, but group '{}' runs {}, which has "
                     "none; use testpmd or vpp, or topology kind none",
                     to_string(topology.topology.kind), group.prefix, to_string(group.nf.kind)));
  }
}

// chains * nodes_per_chain must be the number of role-nf containers on every node hosting NFs.
void check_nf_count(Topology& topology) {
  auto& spec = topology.topology;
  const auto nf_groups = groups_by_node(topology, Role::kNf);
  if (nf_groups.empty()) {
    fail(spec.where.of("kind"), fmt::format("topology kind {} needs containers with role nf; "
                                            "there are none",
                                            to_string(spec.kind)));
  }
  const bool several_nodes = nf_groups.size() > 1;
  auto on_node = [&](const std::string& node) {
    return several_nodes ? fmt::format(" on node '{}' (each node runs every chain)", node)
                         : std::string();
  };
  if (spec.nodes_per_chain == 0) {
    const auto& [first_node, first_groups] = *nf_groups.begin();
    const unsigned count = container_count(first_groups);
    if (count % spec.chains != 0) {
      fail(spec.where.of("chains"),
           fmt::format("chains: {} chains cannot share the {} containers with role nf{} evenly",
                       spec.chains, count, on_node(first_node)));
    }
    spec.nodes_per_chain = count / spec.chains;
  }
  const unsigned expected = spec.chains * spec.nodes_per_chain;
  const bool ip4 = spec.kind == TopologyKind::kChainIp4 || spec.kind == TopologyKind::kPipelineIp4;
  const bool vswitch =
      spec.kind == TopologyKind::kChainVswitch || spec.kind == TopologyKind::kChainIpsec;
  const unsigned limit = ip4 ? kMaxIp4NfsPerNode : vswitch ? kMaxVswitchNfsPerNode : 0;
  if (limit != 0 && expected > limit) {
    fail(spec.where.of("kind"),
         fmt::format("topology kind {} addresses at most {} NFs per node, this one has {}",
                     to_string(spec.kind), limit, expected));
  }
  for (const auto& [node, groups] : nf_groups) {
    const unsigned count = container_count(groups);
    if (count == expected) continue;
    fail(spec.where.has("nodes_per_chain") ? spec.where.of("nodes_per_chain")
                                           : spec.where.of("chains"),
         fmt::format("chains * nodes_per_chain = {} * {} = {}, but there are {} containers with "
                     "role nf{}",
                     spec.chains, spec.nodes_per_chain, expected, count, on_node(node)));
  }
}

// `ports: memif`: the vswitches' ports are memifs on one machine, DUT1's and DUT2's vswitch
// joined by one (the DUT1-DUT2 link): two DUTs, both local, no physical interfaces.
void check_memif_ports(const Topology& topology, const Node& node, std::size_t duts) {
  const auto& spec = topology.topology;
  if (duts != 2) {
    fail(spec.where.of("ports"),
         fmt::format("ports: memif wires DUT1 and DUT2 of topology kind {} (the IPsec tunnels "
                     "join them): 2 nodes with role nf containers, this file has {}",
                     to_string(spec.kind), duts));
  }
  if (node.type != NodeKind::kLocal) {
    fail(spec.where.of("ports"),
         fmt::format("ports: memif joins the DUTs' vswitches with a memif on this machine; node "
                     "'{}' is not local",
                     node.name));
  }
  if (!node.interfaces.empty()) {
    fail(node.where.has("interfaces") ? node.where.of("interfaces") : spec.where.of("ports"),
         fmt::format("interfaces: with ports: memif the vswitch has no physical interfaces; node "
                     "'{}' lists {}",
                     node.name, node.interfaces.size()));
  }
}

void check_kind_requirements(const Topology& topology) {
  const auto& spec = topology.topology;
  const auto kind = spec.kind;
  const auto kind_name = to_string(kind);
  const auto nf_groups = groups_by_node(topology, Role::kNf);
  const auto vswitches = groups_by_node(topology, Role::kVswitch);

  if (kind == TopologyKind::kChainIpsec || kind == TopologyKind::kChainDma) {
    for (const auto& [node, groups] : nf_groups) {
      for (const auto* group : groups) {
        if (group->nf.kind == NfKind::kVpp) continue;
        fail(group->nf.where.of("kind"),
             fmt::format("topology kind {} needs vpp NFs; group '{}' runs {}", kind_name,
                         group->prefix, to_string(group->nf.kind)));
      }
    }
  }

  if (kind == TopologyKind::kChainVswitch || kind == TopologyKind::kChainIpsec) {
    for (const auto& [node_name, groups] : nf_groups) {
      const auto it = vswitches.find(node_name);
      if (it == vswitches.end()) {
        fail(spec.where.of("kind"),
             fmt::format("topology kind {} needs a container group with role vswitch running "
                         "vpp on node '{}'",
                         kind_name, node_name));
      }
      const auto* vswitch = it->second.front();
      if (vswitch->nf.kind != NfKind::kVpp) {
        fail(vswitch->nf.where.of("kind"),
             fmt::format("topology kind {} runs VPP as the vswitch; group '{}' runs {}", kind_name,
                         vswitch->prefix, to_string(vswitch->nf.kind)));
      }
      const auto& node = topology.nodes.at(node_name);
      if (spec.ports == PortKind::kMemif) {
        check_memif_ports(topology, node, nf_groups.size());
        continue;
      }
      if (node.interfaces.size() != 2) {
        fail(node.where.has("interfaces") ? node.where.of("interfaces") : spec.where.of("kind"),
             fmt::format("interfaces: the vswitch of topology kind {} bridges 2 physical "
                         "interfaces (topology.interfaces or the node's), node '{}' has {}",
                         kind_name, node_name, node.interfaces.size()));
      }
    }
  }

  if (kind == TopologyKind::kCrossHoriz) {
    for (const auto& [node_name, groups] : nf_groups) {
      const unsigned count = container_count(groups);
      if (count != 1) {
        fail(groups.back()->where.of("count"),
             fmt::format("topology kind cross_horiz has exactly one NF per node; node '{}' has {}",
                         node_name, count));
      }
      const auto& node = topology.nodes.at(node_name);
      if (node.interfaces.empty()) {
        fail(spec.where.of("kind"),
             fmt::format("topology kind cross_horiz connects the NF to a physical interface; "
                         "give topology.interfaces (or interfaces of node '{}')",
                         node_name));
      }
    }
  }
}

// Host veths (VPP's `veth`) become routes on their node: one VPP per group, no two subnets of
// one node overlapping. nginx's `ldp` names a VPP with a veth on the nginx's node.
void check_host_stack(const Topology& topology) {
  std::vector<const ContainerGroup*> veth_groups;
  for (const auto& group : topology.containers) {
    if (group.nf.kind != NfKind::kVpp || !group.nf.vpp().veth) continue;
    const auto& veth = *group.nf.vpp().veth;
    if (group.count != 1) {
      fail(veth.where, fmt::format("veth: group '{}' makes {} containers, which would all get the "
                                   "same addresses; a VPP with a veth needs count 1",
                                   group.prefix, group.count));
    }
    const std::uint32_t mask = ~std::uint32_t{0} << (32 - veth.prefix_length);
    for (const auto* other : veth_groups) {
      const auto& o = *other->nf.vpp().veth;
      const std::uint32_t both = mask & (~std::uint32_t{0} << (32 - o.prefix_length));
      if (other->node == group.node &&
          (ipv4_bits(veth.host_ip4) & both) == (ipv4_bits(o.host_ip4) & both)) {
        fail(veth.where, fmt::format("veth: subnet {}/{} overlaps that of group '{}' ({}/{}) on "
                                     "node {}",
                                     veth.host_ip4, veth.prefix_length, other->prefix, o.host_ip4,
                                     o.prefix_length, group.node));
      }
    }
    veth_groups.push_back(&group);
  }
  for (const auto& group : topology.containers) {
    if (group.nf.kind != NfKind::kNginx || !group.nf.nginx().ldp) continue;
    const auto& ldp = *group.nf.nginx().ldp;
    const ContainerGroup* vpp = nullptr;
    for (const auto& other : topology.containers) {
      if (other.nf.kind != NfKind::kVpp) continue;
      for (unsigned ordinal = 1; ordinal <= other.count; ++ordinal) {
        if (other.container_name(ordinal) == ldp.vpp) vpp = &other;
      }
    }
    if (!vpp) {
      fail(ldp.where,
           fmt::format("ldp: vpp: no container '{}' runs vpp in this topology", ldp.vpp));
    }
    if (!vpp->nf.vpp().veth) {
      fail(ldp.where, fmt::format("ldp: vpp: '{}' has no veth, so nothing on node {} could reach "
                                  "nginx through its host stack (add nf: {{veth: {{host_ip4: …, "
                                  "vpp_ip4: …}}}} to it)",
                                  ldp.vpp, vpp->node));
    }
    if (vpp->node != group.node) {
      fail(ldp.where, fmt::format("ldp: vpp: '{}' runs on node {}, nginx group '{}' on node {}; "
                                  "they must share a node (VCL attaches through a local socket)",
                                  ldp.vpp, vpp->node, group.prefix, group.node));
    }
  }
}

}  // namespace

void check_topology(Topology& topology) {
  check_nodes_exist(topology);
  check_container_names(topology);
  check_engines(topology);
  check_single(topology, Role::kVswitch);
  check_host_stack(topology);
  if (!topology.topology.wired()) return;
  check_single(topology, Role::kGenerator);
  check_single(topology, Role::kSink);
  check_memif_capable(topology);
  check_nf_count(topology);
  check_kind_requirements(topology);
}

}  // namespace cnfctl::topology
