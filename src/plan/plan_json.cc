#include "plan/plan_json.h"

#include <fmt/format.h>

#include "common/error.h"
#include "topology/enum_names.h"

namespace cnfctl::plan {
namespace {

using nlohmann::json;

template <class E, std::size_t N>
E enum_value(const std::array<topology::EnumName<E>, N>& table, const json& j,
             const std::string& key) {
  auto text = j.at(key).get<std::string>();
  auto value = topology::value_in(table, text);
  if (!value) throw Error(fmt::format("unknown {} '{}' in the plan", key, text));
  return *value;
}

template <class T>
T get_or(const json& j, const std::string& key, T fallback) {
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? fallback : it->get<T>();
}

topology::ImageSpec image_from(const std::string& text) {
  topology::ImageSpec image;
  if (text == "host") return image;
  if (text.rfind("dir:", 0) == 0) {
    image.kind = topology::ImageKind::kDirectory;
    image.directory = text.substr(4);
  } else {
    image.kind = topology::ImageKind::kNative;
    image.reference = text;
  }
  return image;
}

wiring::MemifLink link_from(const json& j) {
  wiring::MemifLink l;
  l.guest_socket_path = j.at("socket").get<std::string>();
  l.host_socket_path = j.at("host_socket").get<std::string>();
  l.socket_id = j.at("socket_id").get<int>();
  l.interface_id = j.at("interface_id").get<int>();
  auto role = j.at("role").get<std::string>();
  if (role != "master" && role != "slave") throw Error("unknown memif role '" + role + "'");
  l.role = role == "master" ? wiring::MemifRole::kMaster : wiring::MemifRole::kSlave;
  l.peer = j.at("peer").get<std::string>();
  l.mac = get_or<std::string>(j, "mac", "");
  l.ip4 = get_or<std::string>(j, "ip4", "");
  l.neighbor_ip4 = get_or<std::string>(j, "neighbor_ip4", "");
  l.neighbor_mac = get_or<std::string>(j, "neighbor_mac", "");
  l.socket_file = get_or<std::string>(j, "socket_file", "");
  if (l.socket_file.empty()) {
    auto slash = l.host_socket_path.rfind('/');
    l.socket_file =
        slash == std::string::npos ? l.host_socket_path : l.host_socket_path.substr(slash + 1);
  }
  l.rx_mode = get_or<std::string>(j, "rx_mode", "");
  l.use_dma = get_or<bool>(j, "use_dma", false);
  l.bridge_domain = get_or<int>(j, "bridge_domain", 0);
  return l;
}

PlannedContainer container_from(const json& j) {
  PlannedContainer c;
  c.name = j.at("name").get<std::string>();
  c.id = j.at("id").get<std::string>();
  c.node = j.at("node").get<std::string>();
  c.engine = enum_value(topology::kEngineKindNames, j, "engine");
  if (j.contains("runtime")) c.runtime = enum_value(topology::kOciRuntimeNames, j, "runtime");
  c.image = image_from(j.at("image").get<std::string>());
  c.role = enum_value(topology::kRoleNames, j, "role");
  if (j.contains("chain")) {
    c.position =
        topology::NfPosition{j.at("chain").get<unsigned>(), j.at("chain_node").get<unsigned>(),
                             j.at("nf_id").get<unsigned>()};
  }
  c.cpus = j.at("cpus").get<std::vector<int>>();
  if (!j.at("main_cpu").is_null()) c.main_cpu = j.at("main_cpu").get<int>();
  c.workers = j.at("workers").get<std::vector<int>>();
  c.mems = j.at("mems").get<std::vector<int>>();
  for (const auto& m : j.at("mounts")) {
    c.mounts.push_back({m.at("host").get<std::string>(), m.at("guest").get<std::string>(),
                        m.at("read_only").get<bool>(), m.value("create", false),
                        m.value("user", false)});
  }
  const auto& env = j.at("env");
  if (env.contains("MICROSERVICE_LABEL")) {
    c.env.emplace_back("MICROSERVICE_LABEL", env.at("MICROSERVICE_LABEL").get<std::string>());
  }
  for (const auto& [k, v] : env.items()) {
    if (k != "MICROSERVICE_LABEL") c.env.emplace_back(k, v.get<std::string>());
  }
  for (const auto& p : j.at("ports")) {
    topology::PortMapping port;
    port.host_port = p.at("host").get<std::uint16_t>();
    port.container_port = p.at("container").get<std::uint16_t>();
    port.protocol = enum_value(topology::kProtocolNames, p, "protocol");
    c.ports.push_back(port);
  }
  c.privileged = j.at("privileged").get<bool>();
  c.host_network = j.at("network").get<std::string>() == "host";
  c.start_stage = j.at("start_stage").get<int>();
  if (j.contains("sockets")) {
    const auto& s = j.at("sockets");
    VppSockets sockets;
    sockets.api = s.at("api").get<std::string>();
    sockets.cli = s.at("cli").get<std::string>();
    sockets.stats = s.at("stats").get<std::string>();
    sockets.host_dir = get_or<std::string>(s, "host_dir", "");
    sockets.guest_dir = get_or<std::string>(s, "guest_dir", "");
    if (sockets.host_dir.empty()) {
      auto slash = sockets.api.rfind('/');
      if (slash != std::string::npos) sockets.host_dir = sockets.api.substr(0, slash);
    }
    c.vpp_sockets = sockets;
  }
  if (j.contains("dpdk_runtime_dir")) {
    c.dpdk_runtime_dir = j.at("dpdk_runtime_dir").get<std::string>();
  }
  if (j.contains("veth")) {
    const auto& v = j.at("veth");
    c.veth = PlannedVeth{v.at("host_if").get<std::string>(), v.at("vpp_if").get<std::string>(),
                         v.at("host_ip4").get<std::string>(), v.at("vpp_ip4").get<std::string>()};
  }
  for (const auto& l : j.at("memif")) c.links.push_back(link_from(l));
  const auto& nf = j.at("nf");
  c.nf.kind = enum_value(topology::kNfKindNames, nf, "kind");
  c.nf.argv = nf.at("argv").get<std::vector<std::string>>();
  c.nf.env = nf.at("env").get<std::map<std::string, std::string>>();
  for (const auto& f : nf.at("files")) {
    c.nf.files.push_back({f.at("path").get<std::string>(), f.at("content").get<std::string>()});
  }
  if (nf.contains("probe")) c.nf.probe = nf.at("probe").get<std::vector<std::string>>();
  c.nf.readiness = nf.at("readiness").get<std::string>();
  // A journal from before the key: /dev/null, with which its argv was planned.
  if (get_or<std::string>(nf, "stdin", "") == "held open") c.nf.stdin_kind = NfStdin::kHeldOpen;
  if (nf.contains("http")) {
    const auto& h = nf.at("http");
    c.nf.http = HttpEndpoint{h.at("port").get<int>(), h.at("path").get<std::string>(),
                             h.at("body_size").get<std::size_t>()};
    c.nf.http->host = get_or<std::string>(h, "host", "127.0.0.1");
    c.nf.http->keep_alive = get_or<bool>(h, "keep_alive", true);
  }
  return c;
}

}  // namespace

Plan from_json(const json& j) {
  try {
    Plan plan;
    plan.run = j.at("run").get<std::string>();
    plan.source = j.at("source").get<std::string>();
    const auto& topo = j.at("topology");
    plan.kind = enum_value(topology::kTopologyKindNames, topo, "kind");
    plan.chains = topo.at("chains").get<unsigned>();
    plan.nodes_per_chain = topo.at("nodes_per_chain").get<unsigned>();
    plan.cpu_policy = enum_value(topology::kCpuPolicyNames, j, "cpu_policy");
    plan.host_socket_dir = j.at("socket_dir").at("host").get<std::string>();
    plan.guest_socket_dir = j.at("socket_dir").at("guest").get<std::string>();
    const auto& traffic = j.at("traffic");
    plan.traffic.duration = std::chrono::milliseconds(traffic.at("duration_ms").get<long long>());
    plan.traffic.frame_size = traffic.at("frame_size").get<unsigned>();
    plan.traffic.rate_pps = traffic.at("rate_pps").get<std::uint64_t>();
    for (const auto& n : j.at("nodes")) {
      PlannedNode node;
      node.name = n.at("name").get<std::string>();
      node.type = enum_value(topology::kNodeKindNames, n, "type");
      node.address = n.at("address").get<std::string>();
      node.sudo = n.at("sudo").get<bool>();
      node.cpu_facts = n.at("cpu_facts").get<std::string>();
      node.cpu_summary = n.at("cpu_summary").get<std::string>();
      node.kernel = n.value("kernel", std::string());
      node.cgroup_layout = n.value("cgroup_layout", std::string());
      node.tools = n.value("tools", std::string());
      plan.nodes.push_back(std::move(node));
    }
    for (const auto& c : j.at("containers")) plan.containers.push_back(container_from(c));
    plan.warnings = j.at("warnings").get<std::vector<std::string>>();
    return plan;
  } catch (const json::exception& e) {
    throw Error(std::string("the plan in the journal is damaged: ") + e.what());
  }
}

}  // namespace cnfctl::plan
