#include "nf/vpp/startup_conf.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "common/error.h"

namespace cnfctl::vpp {
namespace {

constexpr std::string_view kIndent = "  ";

bool has_structure_characters(std::string_view text) {
  return text.find_first_of("\n\r{}") != std::string_view::npos;
}

void require_plain(std::string_view text, std::string_view what, const std::string& where) {
  if (has_structure_characters(text)) {
    throw Error::bad_input(
        where, fmt::format("{} '{}' must not contain a line break, '{{' or '}}'", what, text));
  }
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// xxxx:xx:xx.x, as CSIT's pci_dev_check.
bool is_pci_address(std::string_view address) {
  static constexpr std::string_view kShape = "hhhh:hh:hh.h";
  if (address.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'h' ? !is_hex(address[i]) : address[i] != kShape[i]) return false;
  }
  return true;
}

void require_pci_address(std::string_view address) {
  if (!is_pci_address(address)) {
    throw Error::bad_input(
        "dpdk dev", fmt::format("PCI address '{}' is not of the form xxxx:xx:xx.x", address));
  }
}

std::string join_cpus(std::span<const std::uint32_t> cpus) {
  std::string text;
  for (auto cpu : cpus) {
    if (!text.empty()) text += ',';
    text += std::to_string(cpu);
  }
  return text;
}

}  // namespace

// --- the builder ---

StartupConf& StartupConf::set(const std::vector<std::string>& path, std::string value) {
  if (path.empty()) throw Error::bad_input("startup.conf", "an option needs a name");
  for (const auto& name : path) {
    if (name.empty()) throw Error::bad_input("startup.conf", "a section or option has no name");
    require_plain(name, "name", "startup.conf");
  }
  require_plain(value, fmt::format("value of '{}'", path.back()), "startup.conf");

  Node* section = &root_;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    auto it = std::find_if(section->children.begin(), section->children.end(),
                           [&](const Node& n) { return n.name == path[i]; });
    if (it == section->children.end()) {
      section->children.push_back(Node{path[i], {}, true, {}});
      it = std::prev(section->children.end());
    } else if (!it->is_section) {
      // CSIT's rule: a bare option turns into an empty section, `name value` into a section
      // holding `value` as a bare option.
      it->is_section = true;
      if (!it->value.empty()) it->children.push_back(Node{std::move(it->value), {}, false, {}});
      it->value.clear();
    }
    section = &*it;
  }
  auto it = std::find_if(section->children.begin(), section->children.end(),
                         [&](const Node& n) { return n.name == path.back(); });
  if (it == section->children.end()) {
    section->children.push_back(Node{path.back(), std::move(value), false, {}});
  } else {
    *it = Node{path.back(), std::move(value), false, {}};
  }
  return *this;
}

const StartupConf::Node* StartupConf::find(const Node& section,
                                           const std::vector<std::string>& path) {
  const Node* node = &section;
  for (const auto& name : path) {
    if (!node->is_section) return nullptr;
    auto it = std::find_if(node->children.begin(), node->children.end(),
                           [&](const Node& n) { return n.name == name; });
    if (it == node->children.end()) return nullptr;
    node = &*it;
  }
  return node;
}

std::optional<std::string> StartupConf::value(const std::vector<std::string>& path) const {
  const Node* node = path.empty() ? nullptr : find(root_, path);
  if (node == nullptr || node->is_section) return std::nullopt;
  return node->value;
}

bool StartupConf::remove(const std::vector<std::string>& path) {
  if (path.empty()) return false;
  Node* section = &root_;
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    auto it = std::find_if(section->children.begin(), section->children.end(),
                           [&](const Node& n) { return n.name == path[i]; });
    if (it == section->children.end() || !it->is_section) return false;
    section = &*it;
  }
  auto it = std::find_if(section->children.begin(), section->children.end(),
                         [&](const Node& n) { return n.name == path.back(); });
  if (it == section->children.end()) return false;
  section->children.erase(it);
  return true;
}

bool StartupConf::contains(const std::vector<std::string>& path) const {
  return !path.empty() && find(root_, path) != nullptr;
}

void StartupConf::render(const Node& section, std::size_t level, std::string& out) {
  std::string indent;
  for (std::size_t i = 0; i < level; ++i) indent += kIndent;
  for (const auto& child : section.children) {
    out += indent;
    out += child.name;
    if (child.is_section) {
      out += '\n' + indent + "{\n";
      render(child, level + 1, out);
      out += indent + "}\n";
    } else {
      if (!child.value.empty()) out += ' ' + child.value;
      out += '\n';
    }
  }
}

std::string StartupConf::render() const {
  std::string out;
  render(root_, 0, out);
  return out;
}

// --- unix, socksvr, api ---

StartupConf& StartupConf::add_unix_cli_listen(std::string socket_or_address) {
  return set({"unix", "cli-listen"}, std::move(socket_or_address));
}
StartupConf& StartupConf::add_unix_nodaemon() {
  return set({"unix", "nodaemon"});
}
StartupConf& StartupConf::add_unix_exec(std::string script_file) {
  return set({"unix", "exec"}, std::move(script_file));
}
StartupConf& StartupConf::add_unix_log(std::string log_file) {
  return set({"unix", "log"}, std::move(log_file));
}
StartupConf& StartupConf::add_unix_full_coredump() {
  return set({"unix", "full-coredump"});
}
StartupConf& StartupConf::add_unix_gid(std::string group) {
  return set({"unix", "gid"}, std::move(group));
}
StartupConf& StartupConf::add_unix_runtime_dir(std::string dir) {
  return set({"unix", "runtime-dir"}, std::move(dir));
}
StartupConf& StartupConf::add_unix_pidfile(std::string file) {
  return set({"unix", "pidfile"}, std::move(file));
}
StartupConf& StartupConf::add_unix_poll_sleep_usec(std::uint32_t usec) {
  return set({"unix", "poll-sleep-usec"}, std::to_string(usec));
}
StartupConf& StartupConf::add_socksvr(std::string socket_name) {
  return set({"socksvr", "socket-name"}, std::move(socket_name));
}
StartupConf& StartupConf::add_api_segment_gid(std::string group) {
  return set({"api-segment", "gid"}, std::move(group));
}
StartupConf& StartupConf::add_api_trace() {
  return set({"api-trace", "on"});
}

// --- cpu, buffers, memory, statseg ---

StartupConf& StartupConf::add_cpu_main_core(std::uint32_t cpu) {
  return set({"cpu", "main-core"}, std::to_string(cpu));
}
StartupConf& StartupConf::add_cpu_corelist_workers(std::string corelist) {
  return set({"cpu", "corelist-workers"}, std::move(corelist));
}
StartupConf& StartupConf::add_buffers_per_numa(std::uint64_t buffers) {
  return set({"buffers", "buffers-per-numa"}, std::to_string(buffers));
}
StartupConf& StartupConf::add_buffers_page_size(std::string page_size) {
  return set({"buffers", "page-size"}, std::move(page_size));
}
StartupConf& StartupConf::add_buffers_default_data_size(std::uint32_t bytes) {
  return set({"buffers", "default data-size"}, std::to_string(bytes));
}
StartupConf& StartupConf::add_main_heap_size(std::string size) {
  return set({"memory", "main-heap-size"}, std::move(size));
}
StartupConf& StartupConf::add_main_heap_page_size(std::string page_size) {
  return set({"memory", "main-heap-page-size"}, std::move(page_size));
}
StartupConf& StartupConf::add_statseg_size(std::string size) {
  return set({"statseg", "size"}, std::move(size));
}
StartupConf& StartupConf::add_statseg_page_size(std::string page_size) {
  return set({"statseg", "page-size"}, std::move(page_size));
}
StartupConf& StartupConf::add_statseg_per_node_counters(std::string on_off) {
  return set({"statseg", "per-node-counters"}, std::move(on_off));
}
StartupConf& StartupConf::add_statseg_socket_name(std::string socket_name) {
  return set({"statseg", "socket-name"}, std::move(socket_name));
}

// --- plugins ---

StartupConf& StartupConf::add_plugin_path(std::string path) {
  return set({"plugins", "path"}, std::move(path));
}
StartupConf& StartupConf::add_plugin_enable(const std::string& name) {
  remove({"plugins", "plugin " + name, "disable"});
  return set({"plugins", "plugin " + name, "enable"});
}
StartupConf& StartupConf::add_plugin_disable(const std::string& name) {
  remove({"plugins", "plugin " + name, "enable"});
  return set({"plugins", "plugin " + name, "disable"});
}

// --- dpdk ---

StartupConf& StartupConf::add_dpdk_dev(std::span<const std::string> pci_devices) {
  for (const auto& device : pci_devices) require_pci_address(device);
  for (const auto& device : pci_devices) {
    if (!contains({"dpdk", "dev " + device})) set({"dpdk", "dev " + device});
  }
  return *this;
}
StartupConf& StartupConf::add_dpdk_dev_parameter(const std::string& pci_device,
                                                 const std::string& parameter, std::string value) {
  require_pci_address(pci_device);
  return set({"dpdk", "dev " + pci_device, parameter}, std::move(value));
}
StartupConf& StartupConf::add_dpdk_dev_default_rxq(std::uint32_t queues) {
  return set({"dpdk", "dev default", "num-rx-queues"}, std::to_string(queues));
}
StartupConf& StartupConf::add_dpdk_dev_default_txq(std::uint32_t queues) {
  return set({"dpdk", "dev default", "num-tx-queues"}, std::to_string(queues));
}
StartupConf& StartupConf::add_dpdk_dev_default_rxd(std::uint32_t descriptors) {
  return set({"dpdk", "dev default", "num-rx-desc"}, std::to_string(descriptors));
}
StartupConf& StartupConf::add_dpdk_dev_default_txd(std::uint32_t descriptors) {
  return set({"dpdk", "dev default", "num-tx-desc"}, std::to_string(descriptors));
}
StartupConf& StartupConf::add_dpdk_log_level(std::string level) {
  return set({"dpdk", "log-level"}, std::move(level));
}
StartupConf& StartupConf::add_dpdk_no_tx_checksum_offload() {
  return set({"dpdk", "no-tx-checksum-offload"});
}
StartupConf& StartupConf::add_dpdk_no_multi_seg() {
  return set({"dpdk", "no-multi-seg"});
}
StartupConf& StartupConf::add_dpdk_no_pci() {
  return set({"dpdk", "no-pci"});
}
StartupConf& StartupConf::add_dpdk_uio_driver(std::string driver) {
  return set({"dpdk", "uio-driver"}, std::move(driver));
}

// --- session, tcp ---

StartupConf& StartupConf::add_session_enable() {
  return set({"session", "enable"});
}
StartupConf& StartupConf::add_session_use_app_socket_api() {
  return set({"session", "use-app-socket-api"});
}
StartupConf& StartupConf::add_session_event_queue_length(std::uint64_t length) {
  return set({"session", "event-queue-length"}, std::to_string(length));
}
StartupConf& StartupConf::add_session_preallocated_sessions(std::uint64_t sessions) {
  return set({"session", "preallocated-sessions"}, std::to_string(sessions));
}
StartupConf& StartupConf::add_session_v4_session_table_buckets(std::uint64_t buckets) {
  return set({"session", "v4-session-table-buckets"}, std::to_string(buckets));
}
StartupConf& StartupConf::add_session_v4_session_table_memory(std::string size) {
  return set({"session", "v4-session-table-memory"}, std::move(size));
}
StartupConf& StartupConf::add_session_v4_halfopen_table_buckets(std::uint64_t buckets) {
  return set({"session", "v4-halfopen-table-buckets"}, std::to_string(buckets));
}
StartupConf& StartupConf::add_session_v4_halfopen_table_memory(std::string size) {
  return set({"session", "v4-halfopen-table-memory"}, std::move(size));
}
StartupConf& StartupConf::add_session_local_endpoints_table_buckets(std::uint64_t buckets) {
  return set({"session", "local-endpoints-table-buckets"}, std::to_string(buckets));
}
StartupConf& StartupConf::add_session_local_endpoints_table_memory(std::string size) {
  return set({"session", "local-endpoints-table-memory"}, std::move(size));
}
StartupConf& StartupConf::add_tcp_cc_algo(std::string algorithm) {
  return set({"tcp", "cc-algo"}, std::move(algorithm));
}
StartupConf& StartupConf::add_tcp_preallocated_connections(std::uint64_t connections) {
  return set({"tcp", "preallocated-connections"}, std::to_string(connections));
}
StartupConf& StartupConf::add_tcp_preallocated_half_open_connections(std::uint64_t connections) {
  return set({"tcp", "preallocated-half-open-connections"}, std::to_string(connections));
}

// --- the configurations cnfctl starts VPP with ---

StartupSettings& StartupSettings::with_page_size(const std::string& page_size) {
  buffers_page_size = page_size;
  main_heap_page_size = page_size;
  statseg_page_size = page_size;
  return *this;
}

StartupConf container_startup_conf(const StartupSettings& settings,
                                   std::span<const std::uint32_t> cpus) {
  StartupConf conf;
  conf.add_unix_cli_listen(settings.cli_socket).add_unix_nodaemon();
  if (!settings.exec_script.empty()) conf.add_unix_exec(settings.exec_script);
  if (!settings.log_file.empty()) conf.add_unix_log(settings.log_file);
  if (settings.full_coredump) conf.add_unix_full_coredump();
  if (!settings.runtime_dir.empty()) conf.add_unix_runtime_dir(settings.runtime_dir);
  if (!settings.pidfile.empty()) conf.add_unix_pidfile(settings.pidfile);
  if (settings.poll_sleep_usec) conf.add_unix_poll_sleep_usec(*settings.poll_sleep_usec);
  conf.add_socksvr(settings.api_socket);

  // The first CPU runs the main thread, the others the workers. The seed pops the main core off
  // the caller's list; here the list is only read.
  if (!cpus.empty()) {
    conf.add_cpu_main_core(cpus.front());
    if (cpus.size() > 1) conf.add_cpu_corelist_workers(join_cpus(cpus.subspan(1)));
  }

  conf.add_buffers_per_numa(settings.buffers_per_numa);
  if (!settings.buffers_page_size.empty()) conf.add_buffers_page_size(settings.buffers_page_size);

  if (!settings.plugin_path.empty()) conf.add_plugin_path(settings.plugin_path);
  conf.add_plugin_disable("default");
  for (const auto& plugin : settings.plugins) conf.add_plugin_enable(plugin);

  conf.add_main_heap_size(settings.main_heap_size);
  if (!settings.main_heap_page_size.empty()) {
    conf.add_main_heap_page_size(settings.main_heap_page_size);
  }
  conf.add_statseg_size(settings.statseg_size);
  if (!settings.statseg_page_size.empty()) conf.add_statseg_page_size(settings.statseg_page_size);
  conf.add_statseg_per_node_counters(settings.per_node_counters ? "on" : "off");
  if (!settings.stats_socket.empty()) conf.add_statseg_socket_name(settings.stats_socket);
  return conf;
}

StartupConf vswitch_startup_conf(const StartupSettings& settings,
                                 std::span<const std::uint32_t> cpus, std::uint32_t rx_queues,
                                 std::span<const std::string> pci_devices) {
  require_input(rx_queues > 0, "vswitch", "the number of RX queues must be at least 1");
  StartupConf conf = container_startup_conf(settings, cpus);
  conf.add_dpdk_dev(pci_devices)
      .add_dpdk_log_level("debug")
      .add_dpdk_no_tx_checksum_offload()
      .add_dpdk_dev_default_rxq(rx_queues)
      .add_plugin_enable("dpdk_plugin.so");
  return conf;
}

StartupConf ipsec_startup_conf(const StartupSettings& settings,
                               std::span<const std::uint32_t> cpus) {
  StartupConf conf = container_startup_conf(settings, cpus);
  conf.add_plugin_enable("crypto_native_plugin.so")
      .add_plugin_enable("crypto_ipsecmb_plugin.so")
      .add_plugin_enable("crypto_openssl_plugin.so");
  return conf;
}

StartupConf host_stack_startup_conf(const StartupSettings& settings,
                                    std::span<const std::uint32_t> cpus,
                                    const HostStackSettings& host_stack) {
  StartupConf conf = container_startup_conf(settings, cpus);
  const auto& hs = host_stack;
  conf.add_session_enable();
  if (hs.use_app_socket_api) conf.add_session_use_app_socket_api();
  if (hs.event_queue_length) conf.add_session_event_queue_length(*hs.event_queue_length);
  if (hs.preallocated_sessions) conf.add_session_preallocated_sessions(*hs.preallocated_sessions);
  if (hs.v4_session_table_buckets) {
    conf.add_session_v4_session_table_buckets(*hs.v4_session_table_buckets);
  }
  if (!hs.v4_session_table_memory.empty()) {
    conf.add_session_v4_session_table_memory(hs.v4_session_table_memory);
  }
  if (hs.v4_halfopen_table_buckets) {
    conf.add_session_v4_halfopen_table_buckets(*hs.v4_halfopen_table_buckets);
  }
  if (!hs.v4_halfopen_table_memory.empty()) {
    conf.add_session_v4_halfopen_table_memory(hs.v4_halfopen_table_memory);
  }
  if (hs.local_endpoints_table_buckets) {
    conf.add_session_local_endpoints_table_buckets(*hs.local_endpoints_table_buckets);
  }
  if (!hs.local_endpoints_table_memory.empty()) {
    conf.add_session_local_endpoints_table_memory(hs.local_endpoints_table_memory);
  }
  if (!hs.tcp_cc_algo.empty()) conf.add_tcp_cc_algo(hs.tcp_cc_algo);
  if (hs.tcp_preallocated_connections) {
    conf.add_tcp_preallocated_connections(*hs.tcp_preallocated_connections);
  }
  if (hs.tcp_preallocated_half_open_connections) {
    conf.add_tcp_preallocated_half_open_connections(*hs.tcp_preallocated_half_open_connections);
  }
  return conf;
}

std::string render_vcl_conf(const VclSettings& settings) {
  require_plain(settings.api_socket, "api-socket-name", "vcl.conf");
  require_plain(settings.app_socket, "app-socket-api", "vcl.conf");
  std::string out = "vcl {\n";
  out += fmt::format("{}rx-fifo-size {}\n", kIndent, settings.rx_fifo_size);
  out += fmt::format("{}tx-fifo-size {}\n", kIndent, settings.tx_fifo_size);
  if (settings.app_scope_local) out += fmt::format("{}app-scope-local\n", kIndent);
  if (settings.app_scope_global) out += fmt::format("{}app-scope-global\n", kIndent);
  if (settings.app_socket.empty()) {
    out += fmt::format("{}api-socket-name {}\n", kIndent, settings.api_socket);
  } else {
    out += fmt::format("{}app-socket-api {}\n", kIndent, settings.app_socket);
  }
  out += "}\n";
  return out;
}

}  // namespace cnfctl::vpp
