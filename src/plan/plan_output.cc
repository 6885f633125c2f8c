#include "plan/plan_output.h"

#include <fmt/format.h>

#include <algorithm>

#include "cpu/cpu_list.h"
#include "process/posix_quote.h"

namespace cnfctl::plan {

namespace {

using nlohmann::json;

std::string engine_text(const PlannedContainer& c) {
  std::string text(topology::to_string(c.engine));
  if (c.engine == topology::EngineKind::kOci) {
    text += fmt::format(" ({})", topology::to_string(c.runtime));
  }
  return text;
}

std::string cpus_text(const std::vector<int>& cpus) {
  return cpus.empty() ? "-" : cpu::format_cpu_list(cpus);
}

std::string where_text(const PlannedContainer& c) {
  if (!c.position) return std::string(topology::to_string(c.role));
  return fmt::format("chain {} node {}", c.position->nf_chain, c.position->nf_node);
}

json link_json(const wiring::MemifLink& l) {
  json j = {{"socket", l.guest_socket_path},     {"host_socket", l.host_socket_path},
            {"socket_id", l.socket_id},          {"interface_id", l.interface_id},
            {"role", wiring::to_string(l.role)}, {"peer", l.peer}};
  if (!l.mac.empty()) j["mac"] = l.mac;
  if (!l.ip4.empty()) j["ip4"] = l.ip4;
  if (!l.neighbor_ip4.empty()) j["neighbor_ip4"] = l.neighbor_ip4;
  if (!l.neighbor_mac.empty()) j["neighbor_mac"] = l.neighbor_mac;
  j["socket_file"] = l.socket_file;
  if (!l.rx_mode.empty()) j["rx_mode"] = l.rx_mode;
  if (l.use_dma) j["use_dma"] = true;
  if (l.bridge_domain != 0) j["bridge_domain"] = l.bridge_domain;
  return j;
}

json container_json(const PlannedContainer& c) {
  json j;
  j["name"] = c.name;
  j["id"] = c.id;
  j["node"] = c.node;
  j["engine"] = topology::to_string(c.engine);
  if (c.engine == topology::EngineKind::kOci) j["runtime"] = topology::to_string(c.runtime);
  j["image"] = c.image.str();
  j["role"] = topology::to_string(c.role);
  if (c.position) {
    j["chain"] = c.position->nf_chain;
    j["chain_node"] = c.position->nf_node;
    j["nf_id"] = c.position->nf_id;
  }
  j["cpus"] = c.cpus;
  j["main_cpu"] = c.main_cpu ? json(*c.main_cpu) : json(nullptr);
  j["workers"] = c.workers;
  j["mems"] = c.mems;
  j["mounts"] = json::array();
  for (const auto& m : c.mounts) {
    j["mounts"].push_back({{"host", m.host},
                           {"guest", m.guest},
                           {"read_only", m.read_only},
                           {"create", m.create},
                           {"user", m.user}});
  }
  j["env"] = json::object();
  for (const auto& [k, v] : c.env) j["env"][k] = v;
  j["ports"] = json::array();
  for (const auto& p : c.ports) {
    j["ports"].push_back({{"host", p.host_port},
                          {"container", p.container_port},
                          {"protocol", topology::to_string(p.protocol)}});
  }
  j["privileged"] = c.privileged;
  j["network"] = c.host_network ? "host" : "none";
  j["start_stage"] = c.start_stage;
  if (c.vpp_sockets) {
    j["sockets"] = {{"api", c.vpp_sockets->api},
                    {"cli", c.vpp_sockets->cli},
                    {"stats", c.vpp_sockets->stats},
                    {"host_dir", c.vpp_sockets->host_dir},
                    {"guest_dir", c.vpp_sockets->guest_dir}};
  }
  if (c.dpdk_runtime_dir) j["dpdk_runtime_dir"] = *c.dpdk_runtime_dir;
  if (c.veth) {
    j["veth"] = {{"host_if", c.veth->host_if},
                 {"vpp_if", c.veth->vpp_if},
                 {"host_ip4", c.veth->host_ip4},
                 {"vpp_ip4", c.veth->vpp_ip4}};
  }
  j["memif"] = json::array();
  for (const auto& l : c.links) j["memif"].push_back(link_json(l));
  json nf;
  nf["kind"] = topology::to_string(c.nf.kind);
  nf["argv"] = c.nf.argv;
  nf["env"] = c.nf.env;
  nf["files"] = json::array();
  for (const auto& f : c.nf.files) {
    nf["files"].push_back({{"path", f.guest_path}, {"content", f.content}});
  }
  if (c.nf.probe) nf["probe"] = *c.nf.probe;
  nf["readiness"] = c.nf.readiness;
  if (c.nf.stdin_kind == NfStdin::kHeldOpen) nf["stdin"] = "held open";
  if (c.nf.http) {
    nf["http"] = {{"port", c.nf.http->port},
                  {"path", c.nf.http->path},
                  {"body_size", c.nf.http->body_size},
                  {"host", c.nf.http->host},
                  {"keep_alive", c.nf.http->keep_alive}};
  }
  j["nf"] = std::move(nf);
  return j;
}

void append_table(std::string& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
}

void append_indented(std::string& out, const std::string& text, const std::string& indent) {
  std::string::size_type start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += indent + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
}

}  // namespace

json to_json(const Plan& plan) {
  json j;
  j["run"] = plan.run;
  j["source"] = plan.source;
  j["topology"] = {{"kind", topology::to_string(plan.kind)},
                   {"chains", plan.chains},
                   {"nodes_per_chain", plan.nodes_per_chain}};
  j["cpu_policy"] = topology::to_string(plan.cpu_policy);
  j["socket_dir"] = {{"host", plan.host_socket_dir}, {"guest", plan.guest_socket_dir}};
  j["traffic"] = {{"duration_ms", plan.traffic.duration.count()},
                  {"frame_size", plan.traffic.frame_size},
                  {"rate_pps", plan.traffic.rate_pps}};
  j["nodes"] = json::array();
  for (const auto& n : plan.nodes) {
    j["nodes"].push_back({{"name", n.name},
                          {"type", topology::to_string(n.type)},
                          {"address", n.address},
                          {"sudo", n.sudo},
                          {"cpu_facts", n.cpu_facts},
                          {"cpu_summary", n.cpu_summary},
                          {"kernel", n.kernel},
                          {"cgroup_layout", n.cgroup_layout},
                          {"tools", n.tools}});
  }
  j["containers"] = json::array();
  for (const auto& c : plan.containers) j["containers"].push_back(container_json(c));
  j["warnings"] = plan.warnings;
  return j;
}

std::string to_text(const Plan& plan) {
  std::string out;
  out += fmt::format("run {} from {}\n", plan.run, plan.source);
  if (plan.kind != topology::TopologyKind::kNone) {
    out += fmt::format("topology {}: {} chain(s) x {} NF(s); memif sockets in {} (guest {})\n",
                       topology::to_string(plan.kind), plan.chains, plan.nodes_per_chain,
                       plan.host_socket_dir, plan.guest_socket_dir);
  }
  out += fmt::format("cpu policy {}; traffic {} ms of {} B frames\n",
                     topology::to_string(plan.cpu_policy), plan.traffic.duration.count(),
                     plan.traffic.frame_size);
  for (const auto& n : plan.nodes) {
    out += fmt::format("node {}: {}{}; cpus from {}{}\n", n.name, n.address,
                       n.sudo ? " (sudo -n)" : "", n.cpu_facts,
                       n.cpu_summary.empty() ? "" : ": " + n.cpu_summary);
    if (!n.kernel.empty() || !n.tools.empty()) {
      out += fmt::format("  kernel {}, cgroup {}; found: {}\n", n.kernel.empty() ? "?" : n.kernel,
                         n.cgroup_layout.empty() ? "?" : n.cgroup_layout,
                         n.tools.empty() ? "none of the engines or NFs" : n.tools);
    }
  }
  for (const auto& w : plan.warnings) out += "warning: " + w + "\n";
  out += "\n";

  std::vector<std::vector<std::string>> rows = {
      {"CONTAINER", "NODE", "ENGINE", "IMAGE", "ROLE", "NF", "CPUS", "MAIN", "STAGE"}};
  for (const auto& c : plan.containers) {
    rows.push_back({c.name, c.node, engine_text(c), c.image.str(), where_text(c),
                    std::string(topology::to_string(c.nf.kind)), cpus_text(c.cpus),
                    c.main_cpu ? std::to_string(*c.main_cpu) : "-", std::to_string(c.start_stage)});
  }
  append_table(out, rows);

  for (const auto& c : plan.containers) {
    out += fmt::format("\n== {} ({} on node {}, engine {}, image {})\n", c.name, c.id, c.node,
                       engine_text(c), c.image.str());
    out += fmt::format("  cpus: {}  mems: {}  privileged: {}  network: {}\n", cpus_text(c.cpus),
                       cpus_text(c.mems), c.privileged ? "yes" : "no",
                       c.host_network ? "host" : "none");
    for (const auto& m : c.mounts) {
      out += fmt::format("  mount: {} -> {}{}{}\n", m.host, m.guest, m.read_only ? " (ro)" : "",
                         m.create ? " (created when missing)" : "");
    }
    for (const auto& [k, v] : c.env) out += fmt::format("  env: {}={}\n", k, v);
    for (const auto& p : c.ports) {
      out += fmt::format("  port: {} -> {}/{}\n", p.host_port, p.container_port,
                         topology::to_string(p.protocol));
    }
    if (c.vpp_sockets) {
      out += fmt::format("  sockets: api {}  cli {}  stats {}\n", c.vpp_sockets->api,
                         c.vpp_sockets->cli, c.vpp_sockets->stats);
    }
    if (c.dpdk_runtime_dir) out += fmt::format("  dpdk runtime dir: {}\n", *c.dpdk_runtime_dir);
    if (c.veth) {
      out +=
          fmt::format("  veth: {} {} (node) <-> {} host-{} {} (VPP af_packet)\n", c.veth->host_if,
                      c.veth->host_ip4, c.veth->vpp_if, c.veth->vpp_if, c.veth->vpp_ip4);
    }
    for (const auto& l : c.links) {
      out += fmt::format("  memif {} id {} {} -> {}{}{}\n", l.guest_socket_path, l.interface_id,
                         wiring::to_string(l.role), l.peer.empty() ? "(outside)" : l.peer,
                         l.mac.empty() ? "" : " mac " + l.mac, l.ip4.empty() ? "" : " ip " + l.ip4);
    }
    for (const auto& [k, v] : c.nf.env) out += fmt::format("  nf env: {}={}\n", k, v);
    out += "  start: " + process::posix_quote_argv(c.nf.argv) + "\n";
    if (c.nf.stdin_kind == NfStdin::kHeldOpen) {
      out += "  stdin: an empty pipe held open (it runs until its stdin ends)\n";
    }
    out += "  ready when: " + c.nf.readiness + "\n";
    for (const auto& f : c.nf.files) {
      out += fmt::format("  file {}:\n", f.guest_path);
      append_indented(out, f.content, "    | ");
    }
  }
  return out;
}

}  // namespace cnfctl::plan
