#include "nf/vpp/vpp_driver.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "common/error.h"
#include "nf/detached.h"
#include "nf/launcher.h"
#include "nf/nf_process.h"
#include "nf/node_stop.h"
#include "nf/vpp/api_client.h"
#include "nf/vpp/cli_client.h"
#include "nf/vpp/interface_dump.h"
#include "nf/vpp/memif_readiness.h"
#include "nf/vpp/stats_segment.h"
#include "process/ssh_runner.h"

namespace cnfctl::vpp {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kCountersTimeout{5000};
constexpr milliseconds kMaxConnectTimeout{1000};

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

// The lines of a CLI reply, without their "\n" or "\r\n".
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
  }
  return lines;
}

template <typename T>
bool parse_number(std::string_view text, T& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

// "rx packets 123" / "drops 5": the counter's name is every word but the last, the last its
// value. Returns false when the last word is not a number.
bool add_counter(InterfaceCounters& iface, const std::vector<std::string_view>& words,
                 std::size_t first) {
  if (words.size() < first + 2) return false;
  std::uint64_t value = 0;
  if (!parse_number(words.back(), value)) return false;
  std::string name;
  for (std::size_t i = first; i + 1 < words.size(); ++i) {
    if (!name.empty()) name += ' ';
    name += words[i];
  }
  iface.counters[name] = value;
  return true;
}

const nf::VppSockets& sockets_of(const nf::PlannedContainer& c) {
  if (!c.vpp_sockets) throw Error("the plan gives this VPP no socket dir").at("container " + c.id);
  return *c.vpp_sockets;
}

// For messages: where VPP's sockets are when they are reached over SSH ("" when local).
std::string remote_note(const nf::NfContext& ctx) {
  if (nf::is_local_node(ctx.node)) return "";
  return fmt::format(" (VPP's sockets in {} on node {}, reached through {})",
                     sockets_of(ctx.container).host_dir, ctx.container.node, ctx.node.name());
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

class VppDriver : public nf::NfDriver {
 public:
  explicit VppDriver(VppDriverOptions options) : options_(std::move(options)) {}

  void prepare(const nf::NfContext& ctx) override {
    const auto& s = sockets_of(ctx.container);
    nf::require_removable_path(ctx, s.host_dir, "VPP socket dir");
    nf::run_on_node(ctx, {"mkdir", "-p", "-m", "0750", "--", s.host_dir},
                    "creating the VPP socket dir");
    // Sockets of an earlier VPP would answer nothing (or a dead VPP's clients would hang).
    std::vector<std::string> stale = {"rm", "-f", "--", s.api, s.cli, s.stats};
    for (const auto& link : ctx.container.links) {
      if (link.is_server() && !link.host_socket_path.empty()) {
        stale.push_back(link.host_socket_path);
      }
    }
    nf::run_on_node(ctx, stale, "removing stale VPP and memif sockets");
    nf::make_guest_dirs_for_files(ctx);  // /etc/vpp for startup.conf and the exec script
  }

  std::optional<int> start(const nf::NfContext& ctx) override {
    const auto& c = ctx.container;
    const int pid = nf::start_nf(ctx);
    pids_.remember(c.id, pid);
    return pid;
  }

  nf::Readiness probe(const nf::NfContext& ctx, milliseconds timeout) override {
    const auto& s = sockets_of(ctx.container);
    const auto connect_timeout = std::min(timeout, kMaxConnectTimeout);
    const bool local = nf::is_local_node(ctx.node);
    // Outside the try: a node that cannot be reached is not a readiness question.
    const std::string cli_socket = nf::node_socket(ctx, s.cli);
    const std::string api_socket = nf::node_socket(ctx, s.api);
    std::string seen;
    try {
      // Over SSH, sshd connects the forwarded sockets on the node as the SSH user: a non-root
      // user needs them before connecting.
      if (!local) grant_socket_access(ctx);
      CliOptions cli;
      cli.connect_timeout = connect_timeout;
      cli.timeout = timeout;
      const std::string cli_version = trim(run_vpp_cli(cli_socket, "show version", cli));
      seen = "CLI: " + cli_version;

      ApiClientOptions api;
      api.client_name = options_.api_client_name;
      api.connect_timeout = connect_timeout;
      api.reply_timeout = timeout;
      auto client = ApiClient::connect(api_socket, api);
      const auto version = client.show_version();
      seen += fmt::format("; API: {} {}", version.program, version.version);
      // Answering is not configured: the startup exec script runs about 2 s later.
      std::optional<MemifReadiness> memifs;
      if (!ctx.container.links.empty()) {
        if (!client.find_message_id(kMemifDump)) {
          client.disconnect();
          return nf::Readiness{false,
                               seen + "; VPP has no memif API (" + std::string(kMemifDump) +
                                   "): memif_plugin.so is not loaded (plugins in startup.conf)",
                               true};
        }
        memifs =
            assess_memifs(ctx.container.links, dump_memifs(client), dump_sw_interfaces(client));
        seen += "; " + memifs->detail;
      }
      client.control_ping();
      client.disconnect();
      if (!memifs || memifs->ready) return nf::Readiness{true, seen, false};
    } catch (const process::SshError&) {
      throw;
    } catch (const Error& e) {
      seen += (seen.empty() ? "" : "; ") + e.describe() + remote_note(ctx);
    }
    if (!pids_.alive(ctx)) return nf::nf_exited(ctx, seen);
    return nf::Readiness{false, seen, false};
  }

  std::vector<nf::PortCounters> counters(const nf::NfContext& ctx) override {
    // On this node: the stats segment (shared memory, no request to VPP). Over SSH the segment
    // cannot be mapped (its descriptor does not cross a socket forward): `show interface`.
    if (nf::is_local_node(ctx.node)) {
      const auto snapshot = read_stats_socket(sockets_of(ctx.container).stats, kCountersTimeout);
      return memif_port_counters(ctx.container.links, snapshot);
    }
    CliOptions cli;
    cli.timeout = kCountersTimeout;
    const auto cli_socket = nf::node_socket(ctx, sockets_of(ctx.container).cli);
    std::string text;
    std::string errors;
    try {
      text = run_vpp_cli(cli_socket, "show interface", cli);
      errors = run_vpp_cli(cli_socket, "show errors", cli);
    } catch (Error& e) {
      if (!nf::is_local_node(ctx.node)) e.at("VPP CLI " + sockets_of(ctx.container).cli);
      throw;
    }
    auto ports = memif_port_counters(ctx.container.links, parse_show_interface(text));
    add_error_counters(ctx.container.links, parse_show_errors(errors), ports);
    return ports;
  }

  void stop(const nf::NfContext& ctx, milliseconds grace) override {
    const auto& c = ctx.container;
    auto pid = pids_.pid_of(ctx);
    const std::string argv0 = c.nf.argv.empty() ? std::string("vpp") : c.nf.argv.front();
    nf::stop_nf(ctx, pid.value_or(0), argv0, grace);
    pids_.forget(c.id);
  }

  void cleanup(const nf::NfContext& ctx) override {
    const auto& s = sockets_of(ctx.container);
    nf::require_removable_path(ctx, s.host_dir, "VPP socket dir");
    std::vector<std::string> argv = {"rm", "-rf", "--", s.host_dir};
    for (const auto& link : ctx.container.links) {
      if (link.is_server() && !link.host_socket_path.empty()) {
        argv.push_back(link.host_socket_path);
      }
    }
    nf::run_on_node(ctx, argv, "removing the VPP socket dir and the memif sockets it served");
  }

 private:
  // CSIT's adjust_privileges made VPP's sockets world-writable (`chmod -R o+rwx`): anyone on the
  // node could drive VPP. Only an SSH user who is not root (and reaches root through sudo)
  // needs them, for sshd's forwards: that user gets them, nobody else.
  static void grant_socket_access(const nf::NfContext& ctx) {
    const auto* ssh = dynamic_cast<const process::SshRunner*>(&ctx.node);
    if (ssh == nullptr || ssh->options().user == "root") return;
    nf::run_on_node(ctx,
                    {"chown", "-R", "--", ssh->options().user, sockets_of(ctx.container).host_dir},
                    "giving the SSH user " + ssh->options().user + " VPP's sockets");
  }

  VppDriverOptions options_;
  nf::NfPids pids_;
};

}  // namespace

std::uint64_t InterfaceCounters::get(std::string_view counter) const {
  auto it = counters.find(std::string(counter));
  return it == counters.end() ? 0 : it->second;
}

std::vector<InterfaceCounters> parse_show_interface(std::string_view text) {
  std::vector<InterfaceCounters> table;
  for (const std::string_view line : split_lines(text)) {
    const auto words = split_words(line);
    if (words.empty()) continue;
    const bool continuation = line.front() == ' ' || line.front() == '\t';
    if (continuation) {
      // The header ("Name Idx State MTU ... Counter Count") is indented too.
      if (words.front() == "Name") continue;
      if (!table.empty()) add_counter(table.back(), words, 0);
      continue;
    }
    // <name> <idx> <state> <mtu> [<counter words> <count>]
    InterfaceCounters iface;
    if (words.size() < 4 || !parse_number(words[1], iface.index)) continue;
    iface.name = std::string(words[0]);
    iface.up = words[2] == "up";
    add_counter(iface, words, 4);
    table.push_back(std::move(iface));
  }
  return table;
}

std::string memif_interface_name(const wiring::MemifLink& link) {
  return fmt::format("memif{}/{}", link.socket_id, link.interface_id);
}

std::map<std::string, std::uint64_t> parse_show_errors(std::string_view text) {
  std::map<std::string, std::uint64_t> errors;
  for (const std::string_view line : split_lines(text)) {
    // <count> <node> <reason words...> <severity>
    const auto words = split_words(line);
    std::uint64_t count = 0;
    if (words.size() < 4 || !parse_number(words[0], count) || count == 0) continue;
    std::string key(words[1]);
    for (std::size_t i = 2; i + 1 < words.size(); ++i)
      key += (i == 2 ? "/" : " ") + std::string(words[i]);
    errors[key] += count;  // one line per thread
  }
  return errors;
}

void add_error_counters(const std::vector<wiring::MemifLink>& links,
                        const std::map<std::string, std::uint64_t>& errors,
                        std::vector<nf::PortCounters>& ports) {
  for (const auto& [key, count] : errors) {
    std::size_t owner = 0;  // NF-wide errors go on the first port
    bool tx_drop = false;
    for (std::size_t k = 0; k < links.size() && k < ports.size(); ++k) {
      const auto name = memif_interface_name(links[k]);
      if (key.starts_with(name + "-tx/")) {
        owner = k;
        tx_drop = true;
        break;
      }
      if (key.starts_with(name + "-output/")) {
        owner = k;
        break;
      }
    }
    if (owner >= ports.size()) continue;
    ports[owner].reasons[key] = count;
    if (tx_drop) ports[owner].tx_dropped += count;
  }
}

std::vector<nf::PortCounters> memif_port_counters(const std::vector<wiring::MemifLink>& links,
                                                  const std::vector<InterfaceCounters>& table) {
  std::vector<nf::PortCounters> result;
  for (std::size_t k = 0; k < links.size(); ++k) {
    nf::PortCounters p;
    p.port = static_cast<int>(k);
    p.peer = links[k].peer;
    const auto name = memif_interface_name(links[k]);
    auto it = std::find_if(table.begin(), table.end(),
                           [&](const InterfaceCounters& i) { return i.name == name; });
    if (it != table.end()) {
      p.rx_packets = it->get("rx packets");
      p.tx_packets = it->get("tx packets");
      p.rx_dropped =
          it->get("drops") + it->get("rx-miss") + it->get("rx-no-buf") + it->get("rx-error");
      p.tx_dropped = it->get("tx-error");
    }
    result.push_back(std::move(p));
  }
  return result;
}

std::vector<nf::PortCounters> memif_port_counters(const std::vector<wiring::MemifLink>& links,
                                                  const StatsSnapshot& stats) {
  std::vector<nf::PortCounters> result;
  for (std::size_t k = 0; k < links.size(); ++k) {
    nf::PortCounters p;
    p.port = static_cast<int>(k);
    p.peer = links[k].peer;
    const int i = stats.interface_index(memif_interface_name(links[k]));
    if (i >= 0) {
      p.rx_packets = stats.packets_at("/if/rx", i);
      p.tx_packets = stats.packets_at("/if/tx", i);
      p.rx_dropped = stats.simple_at("/if/drops", i) + stats.simple_at("/if/rx-miss", i) +
                     stats.simple_at("/if/rx-no-buf", i) + stats.simple_at("/if/rx-error", i);
      p.tx_dropped = stats.simple_at("/if/tx-error", i);
    }
    result.push_back(std::move(p));
  }
  std::map<std::string, std::uint64_t> errors;
  for (const auto& [name, count] : stats.errors) {
    errors[name.starts_with("/err/") ? name.substr(5) : name] = count;
  }
  add_error_counters(links, errors, result);
  return result;
}

std::unique_ptr<nf::NfDriver> make_vpp_driver(const VppDriverOptions& options) {
  return std::make_unique<VppDriver>(options);
}

}  // namespace cnfctl::vpp
