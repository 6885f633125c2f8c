// The plan's structure: nodes and their CPU facts, CPU placement, the wiring plan, each
// container's id, mounts, links and cpus, and the start order (builder.h). What each NF runs is
// rendered in render_*.cc.
#include "plan/plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "common/error.h"
#include "common/names.h"
#include "common/paths.h"
#include "cpu/cpu_list.h"
#include "cpu/placement.h"
#include "nf/testpmd/testpmd_args.h"
#include "plan/builder.h"
#include "plan/guest_paths.h"
#include "plan/start_stages.h"

namespace cnfctl::plan {

namespace {

using topology::Role;

// sun_path holds 108 bytes including the terminating NUL.
constexpr std::size_t kMaxSocketPath = 107;

// `bytes` random bytes as hex digits (IPsec keys).
std::string random_hex_key(std::size_t bytes) {
  std::random_device device;
  std::string hex;
  for (std::size_t i = 0; i < bytes; ++i) {
    hex += fmt::format("{:02x}", static_cast<unsigned>(device() & 0xffU));
  }
  return hex;
}

// Runs `step`, prefixing the location of any bad-input error with `where`, unless the error
// already names a place in the same file (a key inside the section: the more precise one).
template <typename Step>
auto located(const topology::SourceLocation& where, Step&& step) {
  try {
    return step();
  } catch (Error& e) {
    const auto& places = e.locations();
    const bool placed = std::any_of(places.begin(), places.end(), [&](const std::string& p) {
      return !where.file.empty() && p.rfind(where.file + ":", 0) == 0;
    });
    if (e.kind() == ErrorKind::kBadInput && !placed) e.at(where.str());
    throw;
  }
}

std::vector<int> numa_nodes_of(const cpu::Machine& machine, const std::vector<int>& cpus) {
  std::set<int> nodes;
  for (int id : cpus) {
    if (const auto* c = machine.find(id)) nodes.insert(c->node);
  }
  return {nodes.begin(), nodes.end()};
}

std::string cpu_list_text(const std::vector<int>& cpus) {
  return cpu::format_cpu_list(cpus);
}

std::vector<int> all_cpus(const cpu::Machine& machine) {
  std::vector<int> ids;
  for (const auto& c : machine.cpus()) ids.push_back(c.id);
  return ids;
}

std::vector<int> all_nf_cpus(const cpu::CpuPlacement& placement) {
  std::set<int> cpus;
  for (const auto& nf : placement.nfs) {
    for (int id : nf.cpus()) cpus.insert(id);
  }
  return {cpus.begin(), cpus.end()};
}

}  // namespace

namespace detail {

void Builder::run() {
  plan.run = options.run_name.empty() ? topo.name : options.run_name;
  require_safe_name(plan.run, "run name", "--name");
  if (!options.vpp_prefix.empty() && options.vpp_prefix.front() != '/') {
    throw Error::bad_input("--vpp-prefix", fmt::format("'{}' is not an absolute path (a VPP "
                                                       "install prefix holding bin/vpp)",
                                                       options.vpp_prefix));
  }
  plan.source = topo.source;
  plan.kind = topo.topology.kind;
  plan.chains = topo.topology.wired() ? topo.topology.chains : 0;
  plan.nodes_per_chain = topo.topology.wired() ? topo.topology.nodes_per_chain : 0;
  plan.cpu_policy = topo.cpu.policy;
  plan.traffic = topo.traffic;
  plan.host_socket_dir = join_path(topo.paths.socket_dir, plan.run);
  plan.guest_socket_dir = topo.paths.guest_socket_dir;
  instances = topology::expand_containers(topo);

  plan_nodes();
  plan_wiring();
  for (const auto& instance : instances) plan.containers.push_back(plan_container(instance));
  mark_shared_cores_and_render();
  assign_start_stages(plan.containers);
  order_ldp_after_vpp();
  check_reserved_paths(topo, plan);
  std::stable_sort(plan.containers.begin(), plan.containers.end(),
                   [](const auto& a, const auto& b) { return a.start_stage < b.start_stage; });
}

void Builder::plan_nodes() {
  for (const auto& entry : topo.nodes) {
    // Not a structured binding: clang before 16 cannot capture one in the lambdas below.
    const std::string& name = entry.first;
    const topology::Node& node = entry.second;
    const bool used = std::any_of(topo.containers.begin(), topo.containers.end(),
                                  [&](const auto& g) { return g.node == name; });
    if (!used) continue;
    PlannedNode planned;
    planned.name = name;
    planned.type = node.type;
    if (node.ssh) {
      planned.address = fmt::format("{}@{}:{}", node.ssh->user, node.ssh->host, node.ssh->port);
      planned.sudo = node.ssh->uses_sudo();
    } else {
      planned.address = "local";
    }
    NodeCpus facts;
    facts.machine = located(node.where.self, [&] { return options.machine_facts(node); });
    if (facts.machine) {
      planned.cpu_facts = node.lscpu ? "lscpu text in the topology file" : "sysfs";
      planned.cpu_summary = facts.machine->summary();
    } else {
      planned.cpu_facts = "unknown (not reached while planning)";
    }
    node_cpus.emplace(name, std::move(facts));
    plan.nodes.push_back(std::move(planned));
  }
}

const cpu::Machine& Builder::machine_of(const std::string& node_name, const std::string& why) {
  auto& facts = node_cpus.at(node_name);
  if (!facts.machine) {
    const auto& node = topo.nodes.at(node_name);
    throw Error::bad_input(
        node.where.self.str(),
        fmt::format("node {}: its CPUs must be known to plan {}; add its `lscpu -p` output as "
                    "`lscpu:` to the node, or use `cpu: {{policy: none}}`",
                    node_name, why));
  }
  return *facts.machine;
}

const cpu::CpuPlacement& Builder::placement_of(const std::string& node_name) {
  auto& facts = node_cpus.at(node_name);
  if (facts.placement) return *facts.placement;
  const cpu::Machine& machine = machine_of(node_name, "the cpu policy");
  cpu::NfAffinityParams params;
  if (topo.topology.wired()) {
    params.nf_chains = static_cast<int>(topo.topology.chains);
    params.nf_nodes = static_cast<int>(topo.topology.nodes_per_chain);
  } else {
    params.nf_chains = 1;
    params.nf_nodes = std::max(1, nf_count_on(node_name));
  }
  const auto& spec = topo.cpu;
  params.vs_dtc = static_cast<int>(spec.vs_data_cores);
  params.nf_dtc = spec.nf_data_cores.half
                      ? cpu::DataCores::hyper_thread()
                      : cpu::DataCores::cores(static_cast<int>(spec.nf_data_cores.cores));
  params.nf_mtcr = static_cast<int>(spec.nf_main_ratio);
  params.nf_dtcr = static_cast<int>(spec.nf_data_ratio);
  params.numa_node = static_cast<int>(spec.numa);
  cpu::PlacementOptions placement_options;
  placement_options.policy =
      spec.policy == topology::CpuPolicy::kShared ? cpu::CpuPolicy::kShared : cpu::CpuPolicy::kCsit;
  placement_options.allow_overlap = spec.allow_overlap;
  if (spec.policy == topology::CpuPolicy::kAuto) {
    // CSIT's placement when it fits; otherwise (a small machine) the shared one, said once.
    try {
      facts.placement = cpu::place_nfs(machine, params, placement_options);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kBadInput) throw;
      placement_options.policy = cpu::CpuPolicy::kShared;
      facts.placement = located(spec.where.self,
                                [&] { return cpu::place_nfs(machine, params, placement_options); });
      plan.warnings.push_back(fmt::format(
          "node {}: CSIT's cpu placement does not fit ({} cpus), so NFs share cpus (cpu policy "
          "auto chose shared); write `cpu: {{policy: shared}}` to silence this or "
          "`cpu: {{policy: csit}}` to make it an error",
          node_name, machine.cpus().size()));
    }
  } else {
    facts.placement = located(spec.where.self,
                              [&] { return cpu::place_nfs(machine, params, placement_options); });
  }
  for (const auto& warning : facts.placement->warnings) {
    plan.warnings.push_back(fmt::format("node {}: {}", node_name, warning));
  }
  return *facts.placement;
}

int Builder::nf_count_on(const std::string& node_name) const {
  int count = 0;
  for (const auto& g : topo.containers) {
    if (g.node == node_name && g.role == Role::kNf) count += static_cast<int>(g.count);
  }
  return count;
}

void Builder::plan_wiring() {
  if (!topo.topology.wired()) return;
  wiring::WiringRequest request;
  request.kind = *wiring::parse_topology_kind(topology::to_string(topo.topology.kind));
  request.chains = static_cast<int>(topo.topology.chains);
  request.nodes_per_chain = static_cast<int>(topo.topology.nodes_per_chain);
  for (const auto& planned : plan.nodes) {
    wiring::DutSpec dut;
    dut.name = planned.name;
    const auto& node = topo.nodes.at(planned.name);
    for (std::size_t i = 0; i < node.interfaces.size(); ++i) {
      dut.interfaces.push_back(
          {node.interfaces[i], i < node.interface_names.size() ? node.interface_names[i] : ""});
    }
    request.duts.push_back(std::move(dut));
  }
  for (const auto& instance : instances) {
    const auto& group = group_of(instance);
    switch (group.role) {
      case Role::kNf: {
        const auto& p = instance.position.value();
        request.nfs.push_back(
            {instance.name, static_cast<int>(p.nf_chain), static_cast<int>(p.nf_node), group.node});
        break;
      }
      case Role::kVswitch:
        request.vswitches.push_back({instance.name, group.node});
        break;
      case Role::kGenerator:
        request.generators.push_back({instance.name, group.node});
        break;
      case Role::kSink:
        request.sinks.push_back({instance.name, group.node});
        break;
    }
  }
  request.host_socket_dir = plan.host_socket_dir;
  request.guest_socket_dir = plan.guest_socket_dir;
  for (int i = 0; i < 2; ++i) {
    request.tg.mac[i] = topo.topology.tg_mac[static_cast<std::size_t>(i)];
    request.tg.ip4[i] = topo.topology.tg_ip4[static_cast<std::size_t>(i)];
  }
  request.rx_queues = static_cast<int>(topo.topology.rx_queues);
  const auto& ipsec = topo.topology.ipsec;
  request.ipsec = {ipsec.dut1_if1_ip4, ipsec.dut2_if1_ip4, ipsec.dut2_if2_ip4,
                   ipsec.laddr_ip4,    ipsec.raddr_ip4,    ""};
  const auto kind = topo.topology.kind;
  if (kind == topology::TopologyKind::kChainVswitch ||
      kind == topology::TopologyKind::kChainIpsec) {
    // As CSIT's IPsecUtil: a fresh key per run, the same on both DUTs.
    request.ipsec.crypto_key = random_hex_key(16);
  }
  request.memif_ports = topo.topology.ports == topology::PortKind::kMemif;
  wiring = located(topo.topology.where.self, [&] { return wiring::build_wiring_plan(request); });
}

void Builder::assign_cpus(PlannedContainer& c, const topology::ContainerGroup& group,
                          const topology::ContainerInstance& instance) {
  if (!group.cpus.empty()) {
    const cpu::Machine& machine = machine_of(group.node, "pinned cpus");
    for (unsigned id : group.cpus) {
      if (machine.find(static_cast<int>(id)) == nullptr) {
        throw Error::bad_input(group.where.of("cpus").str(),
                               fmt::format("cpu {} is not on node {} (it has cpus {})", id,
                                           group.node, cpu_list_text(all_cpus(machine))));
      }
      c.cpus.push_back(static_cast<int>(id));
    }
  } else if (topo.cpu.policy == topology::CpuPolicy::kNone) {
    return;
  } else {
    const cpu::CpuPlacement& placement = placement_of(group.node);
    if (group.role == Role::kNf) {
      const cpu::NfPlacement* nf = nullptr;
      if (instance.position) {
        nf = placement.find(static_cast<int>(instance.position->nf_chain),
                            static_cast<int>(instance.position->nf_node));
      } else {
        nf = placement.find(1, nf_index_on_node(instance));
      }
      if (nf != nullptr) c.cpus = nf->cpus();
    } else {
      // The vswitch gets CSIT's reserved vswitch cores; generator and sink stand where CSIT's
      // NICs are, on the vswitch's data cores.
      const auto& r = placement.reserved;
      if (group.role == Role::kVswitch) {
        c.cpus = r.vswitch_main;
        // On a small machine the data cores fall back onto the main core: list it once (a
        // VPP vswitch then runs its main thread only, never a worker on the main core).
        for (int cpu : r.vswitch_data) {
          if (std::find(c.cpus.begin(), c.cpus.end(), cpu) == c.cpus.end()) c.cpus.push_back(cpu);
        }
      } else {
        c.cpus = r.vswitch_data.empty() ? r.vswitch_main : r.vswitch_data;
      }
      if (c.cpus.empty()) c.cpus = all_nf_cpus(placement);
    }
  }
  if (!c.cpus.empty()) {
    c.main_cpu = c.cpus.front();
    c.workers.assign(c.cpus.begin() + 1, c.cpus.end());
    c.mems = numa_nodes_of(*node_cpus.at(group.node).machine, c.cpus);
  }
}

int Builder::nf_index_on_node(const topology::ContainerInstance& instance) const {
  int index = 0;
  for (const auto& other : instances) {
    const auto& g = group_of(other);
    if (g.node != group_of(instance).node || g.role != Role::kNf) continue;
    ++index;
    if (other.name == instance.name) break;
  }
  return index;
}

PlannedContainer Builder::plan_container(const topology::ContainerInstance& instance) {
  const auto& group = group_of(instance);
  const auto& node = topo.nodes.at(group.node);
  PlannedContainer c;
  c.name = instance.name;
  c.id = plan.run + "-" + instance.name;
  located(group.where.self, [&] { require_safe_name(c.id, "container id", ""); });
  c.node = group.node;
  c.engine = node.engine.kind;
  c.runtime = node.engine.runtime;
  c.image = group.image;
  c.role = group.role;
  c.position = instance.position;
  c.privileged = group.privileged;
  c.ports = group.ports;
  c.env.emplace_back("MICROSERVICE_LABEL", instance.name);
  for (const auto& var : group.env) c.env.emplace_back(var.name, var.value);
  for (const auto& m : group.mounts) {
    c.mounts.push_back({m.host, m.guest, m.read_only, m.create, true});
  }
  assign_cpus(c, group, instance);

  if (wiring) {
    const auto& w = wiring->at(instance.name);
    c.links = w.links;
    c.start_stage = w.start_stage;
    c.mounts.push_back({plan.host_socket_dir, plan.guest_socket_dir, false});
  }
  if (group.nf.kind == topology::NfKind::kVpp) {
    VppSockets s;
    s.host_dir = join_path(join_path(topo.paths.vpp_socket_base, c.id), "");
    s.guest_dir = kVppGuestSocketDir;
    s.api = join_path(s.host_dir, "api.sock");
    s.cli = join_path(s.host_dir, "cli.sock");
    s.stats = join_path(s.host_dir, "stats.sock");
    require_socket_path(s.api, group);
    c.mounts.push_back({s.host_dir, s.guest_dir, false});
    c.vpp_sockets = std::move(s);
  }
  if (group.nf.kind == topology::NfKind::kTestpmd) {
    c.dpdk_runtime_dir = testpmd::testpmd_runtime_dir(c.id);
    require_socket_path(testpmd::testpmd_telemetry_socket(c.id), group);
    c.mounts.push_back({*c.dpdk_runtime_dir, *c.dpdk_runtime_dir, false});
  }
  return c;
}

void Builder::require_socket_path(const std::string& path,
                                  const topology::ContainerGroup& group) const {
  if (path.size() <= kMaxSocketPath) return;
  throw Error::bad_input(
      group.where.of("prefix").str(),
      fmt::format("the socket path {} is {} bytes long, more than a Unix socket allows ({}); "
                  "use a shorter run name or prefix",
                  path, path.size(), kMaxSocketPath));
}

// Busy-polling NFs that share a CPU need large memif rings (SPEC §6); rendering needs that.
void Builder::mark_shared_cores_and_render() {
  std::map<std::pair<std::string, int>, int> users;
  for (const auto& c : plan.containers) {
    for (int id : c.cpus) ++users[{c.node, id}];
  }
  for (std::size_t i = 0; i < plan.containers.size(); ++i) {
    auto& c = plan.containers[i];
    const bool shared = std::any_of(c.cpus.begin(), c.cpus.end(), [&](int id) {
      return users[{c.node, id}] > 1;
    });
    const auto& group = group_of(instances.at(i));
    located(group.nf.where.self, [&] { render_nf(c, group, shared); });
  }
}

int Builder::first_cpu_of(const std::string& node_name) {
  const auto& machine = machine_of(node_name, "testpmd's lcores");
  return machine.cpus().front().id;
}

const topology::ContainerGroup& Builder::group_named(const std::string& container) const {
  for (const auto& i : instances) {
    if (i.name == container) return group_of(i);
  }
  throw Error::bad_input("", "no container called " + container);
}

void Builder::order_ldp_after_vpp() {
  for (auto& c : plan.containers) {
    const auto& g = group_named(c.name);
    if (g.nf.kind != topology::NfKind::kNginx || !g.nf.nginx().ldp) continue;
    if (const auto* vpp = plan.find(g.nf.nginx().ldp->vpp)) {
      c.start_stage = std::max(c.start_stage, vpp->start_stage + 1);
    }
  }
}

}  // namespace detail

const PlannedContainer* Plan::find(const std::string& name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::optional<cpu::Machine> default_machine_facts(const topology::Node& node) {
  if (node.lscpu) return cpu::Machine::from_lscpu(*node.lscpu, node.name + " lscpu");
  if (node.type == topology::NodeKind::kLocal) return cpu::Machine::from_sysfs();
  return std::nullopt;
}

Plan build_plan(const topology::Topology& topology, const PlanOptions& options) {
  detail::Builder builder{topology, options, {}, {}, {}, {}};
  builder.run();
  return std::move(builder.plan);
}

}  // namespace cnfctl::plan
