// VPP's startup.conf and exec script, its veth to the node, its argv, and when it is ready
// (builder.h).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "common/error.h"
#include "common/paths.h"
#include "nf/vpp/exec_script.h"
#include "nf/vpp/host_interface.h"
#include "nf/vpp/startup_conf.h"
#include "plan/builder.h"

namespace cnfctl::plan::detail {

namespace {

using topology::Role;

// Where VPP's startup files live inside a VPP container (CSIT's layout).
constexpr const char* kVppStartupConf = "/etc/vpp/startup.conf";
constexpr const char* kVppExecScript = "/tmp/running.exec";

// Names of a host veth pair for container `id`: "cnfh-<hash>" (node end) and "cnfv-<hash>"
// (VPP's end); Linux interface names hold at most 15 characters.
std::pair<std::string, std::string> veth_names(const std::string& id) {
  std::uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char ch : id) hash = (hash ^ ch) * 16777619u;
  const auto tail = fmt::format("{:08x}", hash);
  return {"cnfh-" + tail, "cnfv-" + tail};
}

}  // namespace

void Builder::mount_vpp_prefix_if_hidden(PlannedContainer& c, const std::string& path) const {
  std::string prefix = options.vpp_prefix;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  if (prefix.empty() || prefix == "/" || visible_in_container(c, path)) return;
  if (!path.starts_with(prefix + "/")) return;
  c.mounts.push_back({prefix, prefix, true});
}

std::string Builder::vpp_program(const std::string& program, const std::string& name) const {
  if (options.vpp_prefix.empty()) return program;
  return join_path(join_path(options.vpp_prefix, "bin"), name);
}

void Builder::render_vpp(PlannedContainer& c, const topology::ContainerGroup& group) {
  const auto& o = group.nf.vpp();
  vpp::StartupSettings s;
  const std::string guest = kVppGuestSocketDir;
  s.cli_socket = join_path(guest, "cli.sock");
  s.api_socket = join_path(guest, "api.sock");
  s.stats_socket = join_path(guest, "stats.sock");
  s.runtime_dir = guest;
  s.pidfile = join_path(guest, "vpp.pid");
  s.log_file = join_path(guest, "vpp.log");
  s.exec_script = wiring ? kVppExecScript : "";
  s.plugin_path = o.plugin_path;
  if (o.poll_sleep_usec != 0) s.poll_sleep_usec = o.poll_sleep_usec;
  s.buffers_per_numa = o.buffers_per_numa;
  s.main_heap_size = o.main_heap_size;
  s.statseg_size = o.statseg_size;
  s.with_page_size(o.page_size);
  s.plugins = o.plugins;
  if (o.veth) {
    if (std::find(s.plugins.begin(), s.plugins.end(), vpp::kAfPacketPlugin) == s.plugins.end()) {
      s.plugins.push_back(vpp::kAfPacketPlugin);
    }
    s.exec_script = kVppExecScript;
  }
  std::vector<std::uint32_t> cpus(c.cpus.begin(), c.cpus.end());

  std::string conf;
  const auto kind = topo.topology.kind;
  if (serves_ldp(c.name)) {
    vpp::HostStackSettings host_stack;
    host_stack.use_app_socket_api = true;
    conf = vpp::host_stack_startup_conf(s, cpus, host_stack).render();
  } else if (kind == topology::TopologyKind::kChainVswitch && c.role == Role::kVswitch &&
             !wiring->at(c.name).physical.empty()) {
    std::vector<std::string> pci;
    for (const auto& nic : wiring->at(c.name).physical) pci.push_back(nic.pci);
    conf = vpp::vswitch_startup_conf(s, cpus, topo.topology.rx_queues, pci).render();
  } else if (kind == topology::TopologyKind::kChainIpsec && c.role == Role::kNf) {
    conf = vpp::ipsec_startup_conf(s, cpus).render();
  } else {
    conf = vpp::container_startup_conf(s, cpus).render();
  }
  c.nf.files.push_back({kVppStartupConf, std::move(conf)});
  std::string host_interface;
  if (o.veth) {
    const auto [host_if, vpp_if] = veth_names(c.id);
    const auto length = o.veth->prefix_length;
    c.veth = PlannedVeth{host_if, vpp_if, fmt::format("{}/{}", o.veth->host_ip4, length),
                         fmt::format("{}/{}", o.veth->vpp_ip4, length)};
    c.host_network = true;  // af_packet opens the node's interface
    host_interface = vpp::host_interface_exec(vpp_if, c.veth->vpp_ip4);
  }
  if (!wiring && !host_interface.empty()) {
    c.nf.files.push_back({kVppExecScript, host_interface});
  }
  if (wiring) {
    auto script = vpp::render_exec_script(*wiring, c.name);
    c.nf.files.push_back({kVppExecScript, std::move(script.text) + host_interface});
    if (!script.append_guest_file.empty()) {
      plan.warnings.push_back(fmt::format(
          "container {}: the IPsec tunnel file {} must exist in the container; it is appended "
          "to {} before VPP starts",
          c.name, script.append_guest_file, kVppExecScript));
    }
  }
  const std::string binary = vpp_program(o.binary, "vpp");
  const std::string vppctl = vpp_program(o.vppctl, "vppctl");
  c.nf.argv = {binary, "-c", kVppStartupConf};
  mount_vpp_prefix_if_hidden(c, binary);
  check_vpp_container(c, group, topo.nodes.at(group.node), options.file_facts);
  c.nf.readiness =
      fmt::format("`{} -s {} show version` answers and the binary API at {} answers show_version",
                  vppctl, c.vpp_sockets->cli, c.vpp_sockets->api);
  if (!c.links.empty()) {
    c.nf.readiness += fmt::format(
        "; its {} memif(s) exist and are up, each slave memif connected (memif_dump, "
        "sw_interface_dump)",
        c.links.size());
  }
}

bool Builder::serves_ldp(const std::string& name) const {
  return std::any_of(topo.containers.begin(), topo.containers.end(), [&](const auto& g) {
    return g.nf.kind == topology::NfKind::kNginx && g.nf.nginx().ldp &&
           g.nf.nginx().ldp->vpp == name;
  });
}

}  // namespace cnfctl::plan::detail
