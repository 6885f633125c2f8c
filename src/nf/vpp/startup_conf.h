// VPP's startup.conf: a builder of nested sections (what CSIT's VppConfigGenerator does) and the
// configurations cnfctl starts VPP with (the seed's create_*_vpp_startup_config variants).
//
// The text format: a section is its name on one line, then `{`, its options indented by two
// spaces, then `}`; an option is `name value` or a bare `name`. Sections and options keep the
// order in which they were first set, so the output equals CSIT's byte for byte (apart from the
// trailing spaces CSIT leaves after bare options).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cnfctl::vpp {

/// A startup.conf under construction. Values are copied in; rendering never changes the
/// builder, so rendering twice gives the same text.
class StartupConf {
 public:
  /// Sets the option at `path` (section names, then the option name) to `value`; an empty
  /// value makes a bare option (`nodaemon`). Missing sections are created at the end of their
  /// parent. An option already present keeps its place and takes the new value; a bare option
  /// becomes a section when something is set below it (`dev 0000:86:00.0` then
  /// `dev 0000:86:00.0 { num-rx-queues 2 }`), an option with a value becomes a section holding
  /// that value as a bare option (CSIT's rule).
  /// Throws Error::bad_input("startup.conf", ...) when `path` is empty, a name is empty, or a
  /// name or the value contains a line break, `{` or `}` (they would change the structure).
  StartupConf& set(const std::vector<std::string>& path, std::string value = {});

  /// Removes the option or section at `path`; returns whether there was one. Never fails.
  bool remove(const std::vector<std::string>& path);

  /// The value at `path`: "" for a bare option, nullopt when absent or when it is a section.
  /// Never fails.
  std::optional<std::string> value(const std::vector<std::string>& path) const;
  /// True when `path` names an option or a section. Never fails.
  bool contains(const std::vector<std::string>& path) const;

  /// The startup.conf text, every line ending in '\n'; "" when nothing was set. Never fails.
  std::string render() const;

  // The add_* options below mirror CSIT's VppConfigGenerator methods of the same names: each
  // sets one option through set() and throws like it when a value holds a line break or a brace.

  // --- unix { … } ---
  StartupConf& add_unix_cli_listen(std::string socket_or_address);
  StartupConf& add_unix_nodaemon();
  StartupConf& add_unix_exec(std::string script_file);
  StartupConf& add_unix_log(std::string log_file);
  StartupConf& add_unix_full_coredump();
  StartupConf& add_unix_gid(std::string group);
  StartupConf& add_unix_runtime_dir(std::string dir);
  StartupConf& add_unix_pidfile(std::string file);
  StartupConf& add_unix_poll_sleep_usec(std::uint32_t usec);

  // --- socksvr, api-segment, api-trace ---
  StartupConf& add_socksvr(std::string socket_name);
  StartupConf& add_api_segment_gid(std::string group);
  StartupConf& add_api_trace();

  // --- cpu { … } ---
  StartupConf& add_cpu_main_core(std::uint32_t cpu);
  /// `corelist` as VPP reads it, e.g. "3,4" or "3-5".
  StartupConf& add_cpu_corelist_workers(std::string corelist);

  // --- buffers, memory, statseg ---
  StartupConf& add_buffers_per_numa(std::uint64_t buffers);
  StartupConf& add_buffers_page_size(std::string page_size);
  StartupConf& add_buffers_default_data_size(std::uint32_t bytes);
  StartupConf& add_main_heap_size(std::string size);
  StartupConf& add_main_heap_page_size(std::string page_size);
  StartupConf& add_statseg_size(std::string size);
  StartupConf& add_statseg_page_size(std::string page_size);
  /// `on` or `off`.
  StartupConf& add_statseg_per_node_counters(std::string on_off);
  StartupConf& add_statseg_socket_name(std::string socket_name);

  // --- plugins { … } ---
  StartupConf& add_plugin_path(std::string path);
  /// `plugin <name> { enable }` (replacing a `disable`); `name` is e.g. "memif_plugin.so", or
  /// "default" for all others.
  StartupConf& add_plugin_enable(const std::string& name);
  /// `plugin <name> { disable }` (replacing an `enable`).
  StartupConf& add_plugin_disable(const std::string& name);

  // --- dpdk { … } ---
  /// `dev <pci>` for each device not configured yet (its parameters are kept). Throws
  /// Error::bad_input("dpdk dev", ...) unless every address has the form xxxx:xx:xx.x (hex digits);
  /// nothing is added then.
  StartupConf& add_dpdk_dev(std::span<const std::string> pci_devices);
  /// `dev <pci> { <parameter> <value> }`. Throws like add_dpdk_dev.
  StartupConf& add_dpdk_dev_parameter(const std::string& pci_device, const std::string& parameter,
                                      std::string value);
  StartupConf& add_dpdk_dev_default_rxq(std::uint32_t queues);
  StartupConf& add_dpdk_dev_default_txq(std::uint32_t queues);
  StartupConf& add_dpdk_dev_default_rxd(std::uint32_t descriptors);
  StartupConf& add_dpdk_dev_default_txd(std::uint32_t descriptors);
  StartupConf& add_dpdk_log_level(std::string level);
  StartupConf& add_dpdk_no_tx_checksum_offload();
  StartupConf& add_dpdk_no_multi_seg();
  StartupConf& add_dpdk_no_pci();
  StartupConf& add_dpdk_uio_driver(std::string driver);

  // --- session { … } and tcp { … }: VPP's host stack (nginx / iperf3 through VCL) ---
  StartupConf& add_session_enable();
  StartupConf& add_session_use_app_socket_api();
  StartupConf& add_session_event_queue_length(std::uint64_t length);
  StartupConf& add_session_preallocated_sessions(std::uint64_t sessions);
  StartupConf& add_session_v4_session_table_buckets(std::uint64_t buckets);
  StartupConf& add_session_v4_session_table_memory(std::string size);
  StartupConf& add_session_v4_halfopen_table_buckets(std::uint64_t buckets);
  StartupConf& add_session_v4_halfopen_table_memory(std::string size);
  StartupConf& add_session_local_endpoints_table_buckets(std::uint64_t buckets);
  StartupConf& add_session_local_endpoints_table_memory(std::string size);
  StartupConf& add_tcp_cc_algo(std::string algorithm);
  StartupConf& add_tcp_preallocated_connections(std::uint64_t connections);
  StartupConf& add_tcp_preallocated_half_open_connections(std::uint64_t connections);

 private:
  struct Node {
    std::string name;
    std::string value;
    bool is_section = false;
    std::vector<Node> children;
  };
  static const Node* find(const Node& section, const std::vector<std::string>& path);
  static void render(const Node& section, std::size_t level, std::string& out);

  Node root_{{}, {}, true, {}};
};

/// What differs between VPP instances and hosts. The defaults are CSIT's container settings;
/// several VPPs on one host need distinct sockets, runtime dir and pidfile, and a host without
/// hugepages needs 4K page sizes (with_page_size("4K")).
struct StartupSettings {
  std::string cli_socket = "/run/vpp/cli.sock";   // unix cli-listen
  std::string api_socket = "/run/vpp/api.sock";   // socksvr socket-name (the binary API)
  std::string stats_socket;                       // statseg socket-name; "" = VPP's default
  std::string runtime_dir;                        // unix runtime-dir; "" = VPP's default
  std::string pidfile;                            // unix pidfile; "" = VPP's default
  std::string exec_script = "/tmp/running.exec";  // unix exec; "" = none
  std::string log_file;                           // unix log; "" = none
  std::string plugin_path;                        // plugins path; "" = VPP's default
  std::optional<std::uint32_t> poll_sleep_usec;   // unix poll-sleep-usec (idle main thread)
  bool full_coredump = false;

  std::uint64_t buffers_per_numa = 215040;
  std::string buffers_page_size;  // "" = VPP's default
  std::string main_heap_size = "2G";
  std::string main_heap_page_size = "2M";
  std::string statseg_size = "2G";
  std::string statseg_page_size = "2M";
  bool per_node_counters = true;

  /// Plugins enabled; every other plugin is disabled (`plugin default { disable }`). The CLI
  /// `ping` command needs "ping_plugin.so" too.
  std::vector<std::string> plugins = {"memif_plugin.so"};

  /// Sets the buffers, main-heap and statseg page sizes at once ("4K": no hugepages needed).
  StartupSettings& with_page_size(const std::string& page_size);
};

/// Settings of VPP's host stack for applications attached through VCL (nginx with
/// LD_PRELOAD=libvcl_ldpreload.so). Unset numbers are left to VPP.
struct HostStackSettings {
  bool use_app_socket_api = false;  // session use-app-socket-api (VCL app-socket-api)
  std::optional<std::uint64_t> event_queue_length;
  std::optional<std::uint64_t> preallocated_sessions;
  std::optional<std::uint64_t> v4_session_table_buckets;
  std::string v4_session_table_memory;
  std::optional<std::uint64_t> v4_halfopen_table_buckets;
  std::string v4_halfopen_table_memory;
  std::optional<std::uint64_t> local_endpoints_table_buckets;
  std::string local_endpoints_table_memory;
  std::string tcp_cc_algo;  // "" = VPP's default
  std::optional<std::uint64_t> tcp_preallocated_connections;
  std::optional<std::uint64_t> tcp_preallocated_half_open_connections;
};

/// CSIT's create_base_vpp_startup_config: unix, socksvr, cpu, buffers, plugins, memory, statseg.
/// The first of `cpus` is the main core and the others are the workers (no cpu section when
/// `cpus` is empty, no corelist-workers for a single CPU); `cpus` is only read.
/// Throws Error::bad_input("startup.conf", ...) when a setting holds a line break or a brace.
StartupConf container_startup_conf(const StartupSettings& settings,
                                   std::span<const std::uint32_t> cpus);

/// The vswitch variant: the base config plus `dpdk { dev <pci>…; log-level debug;
/// no-tx-checksum-offload; dev default { num-rx-queues <rx_queues> } }` and the dpdk plugin.
/// Throws Error::bad_input for a malformed PCI address or rx_queues == 0.
StartupConf vswitch_startup_conf(const StartupSettings& settings,
                                 std::span<const std::uint32_t> cpus, std::uint32_t rx_queues,
                                 std::span<const std::string> pci_devices);

/// The IPsec variant: the base config plus the native, ipsecmb and openssl crypto plugins.
/// Throws like container_startup_conf.
StartupConf ipsec_startup_conf(const StartupSettings& settings,
                               std::span<const std::uint32_t> cpus);

/// The host-stack variant (nginx over VCL): the base config plus `session { enable … }` and the
/// `tcp { … }` settings given. Throws like container_startup_conf.
StartupConf host_stack_startup_conf(const StartupSettings& settings,
                                    std::span<const std::uint32_t> cpus,
                                    const HostStackSettings& host_stack);

/// What an application attached to VPP's host stack through VCL reads (VCL_CONFIG).
struct VclSettings {
  std::string api_socket = "/run/vpp/api.sock";  // VPP's socksvr socket-name
  /// VPP's app socket (`session { use-app-socket-api }`: <runtime-dir>/app_ns_sockets/default).
  /// When set, VCL attaches through it (`app-socket-api`) instead of the binary API socket.
  std::string app_socket;
  std::uint64_t rx_fifo_size = 4000000;
  std::uint64_t tx_fifo_size = 4000000;
  bool app_scope_local = true;
  bool app_scope_global = true;
};

/// The `vcl { … }` file. Throws Error::bad_input("vcl.conf", ...) when a socket path holds a
/// line break or a brace.
std::string render_vcl_conf(const VclSettings& settings);

}  // namespace cnfctl::vpp
