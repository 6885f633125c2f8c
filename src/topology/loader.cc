#include "topology/loader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <sstream>
#include <system_error>

#include "common/error.h"
#include "common/names.h"
#include "process/ssh_command.h"
#include "topology/checks.h"
#include "topology/enum_names.h"
#include "topology/readers.h"
#include "topology/values.h"
#include "topology/yaml_reader.h"

namespace cnfctl::topology {

namespace {

constexpr unsigned kMaxChains = 256;
constexpr unsigned kMaxLscpuBytes = 256 * 1024;

// The keys of every mapping, in the order of docs/topology-format.md.
constexpr std::array<std::string_view, 9> kTopLevelKeys{
    "name", "engine", "image", "nodes", "paths", "containers", "topology", "cpu", "traffic"};
constexpr std::array<std::string_view, 3> kEngineKeys{"kind", "runtime", "host"};
constexpr std::array<std::string_view, 11> kNodeKeys{
    "type",  "host",   "port",       "user",           "key", "sudo", "ssh_options",
    "lscpu", "engine", "interfaces", "interface_names"};
constexpr std::array<std::string_view, 6> kSshOnlyKeys{"host", "port", "user",
                                                       "key",  "sudo", "ssh_options"};
constexpr std::array<std::string_view, 3> kPathsKeys{"socket_dir", "guest_socket_dir",
                                                     "vpp_socket_base"};
constexpr std::array<std::string_view, 11> kTopologyKeys{
    "kind",      "chains",  "nodes_per_chain", "tg_mac", "tg_ip4", "interfaces", "interface_names",
    "rx_queues", "rx_mode", "ipsec",           "ports"};
constexpr std::array<std::string_view, 6> kIpsecKeys{"dut1_if1_ip4", "dut1_if2_ip4", "dut2_if1_ip4",
                                                     "dut2_if2_ip4", "laddr_ip4",    "raddr_ip4"};
constexpr std::array<std::string_view, 7> kCpuKeys{
    "policy",        "numa",          "vs_data_cores", "nf_data_cores",
    "nf_main_ratio", "nf_data_ratio", "allow_overlap"};
constexpr std::array<std::string_view, 3> kTrafficKeys{"duration", "frame_size", "rate"};

// The default of a `paths:` key, for messages.
std::string default_of(std::string_view key) {
  const Paths defaults;
  if (key == "socket_dir") return defaults.socket_dir;
  if (key == "guest_socket_dir") return defaults.guest_socket_dir;
  return defaults.vpp_socket_base;
}

// A hint for YAML syntax errors whose yaml-cpp wording is obscure.
std::string syntax_hint(const std::string& message) {
  if (message == "end of sequence flow not found") return " (a '[' is never closed)";
  if (message == "end of map flow not found") return " (a '{' is never closed)";
  if (message == "bad file") return " (nested too deeply: yaml-cpp stops at 2048 levels)";
  if (message == "illegal map value" || message == "end of map not found") {
    return " (check the indentation and where ':' is)";
  }
  return "";
}

// The first tab used for indentation on or before `last_line` (0-based), as a location.
std::optional<SourceLocation> indentation_tab(std::string_view text, int last_line,
                                              const std::string& file) {
  int line = 0;
  std::size_t start = 0;
  while (start <= text.size() && line <= last_line) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    for (std::size_t i = start; i < end && (text[i] == ' ' || text[i] == '\t'); ++i) {
      if (text[i] == '\t') return SourceLocation{file, line + 1, static_cast<int>(i - start) + 1};
    }
    start = end + 1;
    ++line;
  }
  return std::nullopt;
}

// yaml-cpp 0.7's YAML::LoadAll() never returns on some malformed text (a lone ',': yaml-cpp
// issue 1040): the parser yields an empty document without consuming anything, forever, and
// LoadAll keeps appending them (found by fuzz/topology_fuzzer). As yaml-cpp 0.8 does, documents
// are counted up to the first empty one; each counted document consumed text, so this ends.
class DocumentCounter : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> roots;  // where each non-empty document's root starts
  bool content = false;           // the current document has a node other than a null

  void OnDocumentStart(const YAML::Mark&) override { content = false; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(mark);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& mark) {
    if (!content) roots.push_back(mark);
    content = true;
  }
};

class Loader {
 public:
  explicit Loader(std::string source_name) : source_(std::move(source_name)) {}

  Topology load(std::string_view text);

 private:
  YAML::Node parse(std::string_view text) const;
  SourceLocation start() const { return SourceLocation{source_.file(), 1, 1}; }

  void read_name(const Mapping& top);
  EngineSpec read_engine(const Field& field) const;
  void read_nodes(const Mapping& top, const std::vector<std::string>& interfaces,
                  const std::vector<std::string>& interface_names, const Locations& topo_where);
  Node read_node(const Field& field, const std::vector<std::string>& interfaces,
                 const std::vector<std::string>& interface_names,
                 const Locations& topo_where) const;
  SshSpec read_ssh(const Mapping& node) const;
  std::vector<std::string> read_interfaces(const Field& field) const;
  std::vector<std::string> read_interface_names(const Field& field) const;
  void read_paths(const Field* field);
  void read_topology(const Field* field, std::vector<std::string>& interfaces,
                     std::vector<std::string>& interface_names);
  IpsecSpec read_ipsec(const Field& field) const;
  void read_cpu(const Field* field);
  void read_traffic(const Field* field);

  YamlSource source_;
  Topology topo_;
};

Topology Loader::load(std::string_view text) {
  topo_.source = source_.file();
  if (text.size() > kMaxTopologyFileBytes) {
    fail(start(), fmt::format("the file is larger than {} bytes, the limit for topology files",
                              kMaxTopologyFileBytes));
  }
  const YAML::Node root = parse(text);
  const Field document{"", root, start(), start()};
  if (root.IsSequence() || root.IsScalar()) {
    fail(start(), fmt::format("expected a mapping (key: value lines) at the top level, got {}",
                              describe(root)));
  }
  const Mapping top(source_, document, "the top level");
  top.allow(kTopLevelKeys);
  top.record(topo_.where);

  read_name(top);
  topo_.engine.where.self = start();
  if (const auto* field = top.find("engine")) topo_.engine = read_engine(*field);
  topo_.image.where = start();
  if (const auto* field = top.find("image")) topo_.image = read_image(*field);

  // The topology section first: its interfaces are the nodes' default.
  std::vector<std::string> interfaces;
  std::vector<std::string> interface_names;
  read_topology(top.find("topology"), interfaces, interface_names);
  read_nodes(top, interfaces, interface_names, topo_.topology.where);
  read_paths(top.find("paths"));
  read_cpu(top.find("cpu"));
  read_traffic(top.find("traffic"));
  topo_.containers = read_container_groups(
      source_, top.require("containers", "a list of container groups"), topo_);

  check_topology(topo_);
  return std::move(topo_);
}

YAML::Node Loader::parse(std::string_view text) const {
  DocumentCounter counter;
  YAML::Node document;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(counter) && counter.content) {
    }
    if (counter.roots.size() == 1) document = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    if (const auto tab = indentation_tab(text, e.mark.line, source_.file())) {
      fail(*tab,
           "YAML syntax error: a tab character in the indentation (YAML indents with "
           "spaces only)");
    }
    fail(source_.at(e.mark, start()),
         fmt::format("YAML syntax error: {}{}", e.msg, syntax_hint(e.msg)));
  } catch (const YAML::Exception& e) {
    fail(source_.at(e.mark, start()), fmt::format("YAML error: {}", e.msg));
  }
  if (counter.roots.size() > 1) {
    fail(source_.at(counter.roots[1], start()),
         fmt::format("the file holds {} YAML documents ('---'); a topology file is one",
                     counter.roots.size()));
  }
  if (counter.roots.empty() || is_empty(document)) {
    fail(start(), "the file is empty; a topology needs at least a 'containers:' list");
  }
  return document;
}

void Loader::read_name(const Mapping& top) {
  if (const auto* field = top.find("name")) {
    topo_.name = read_line(*field, "a run name");
    require_safe_name(topo_.name, "topology name", field->where.str());
    return;
  }
  const auto stem = std::filesystem::path(source_.file()).stem().string();
  topo_.name = is_safe_name(stem) ? stem : "cnfctl";
}

EngineSpec Loader::read_engine(const Field& field) const {
  EngineSpec spec;
  spec.where.self = field.where;
  if (field.node.IsScalar()) {
    spec.kind = read_enum(field, kEngineKindNames, "engine", "engines");
    spec.where.set("kind", field.where);
    return spec;
  }
  const Mapping engine(source_, field, "engine", "an engine name or a mapping with 'kind'");
  engine.allow(kEngineKeys);
  engine.record(spec.where);
  spec.kind = read_enum(engine.require("kind", "oci, lxc, docker or podman"), kEngineKindNames,
                        "engine", "engines");
  const auto kind_name = to_string(spec.kind);
  if (const auto* runtime = engine.find("runtime")) {
    if (spec.kind != EngineKind::kOci && spec.kind != EngineKind::kPodman) {
      fail(runtime->key_where,
           fmt::format("runtime: only the oci and podman engines take a runtime, not {}",
                       kind_name));
    }
    spec.runtime = read_enum(*runtime, kOciRuntimeNames, "OCI runtime", "OCI runtimes");
  }
  if (const auto* host = engine.find("host")) {
    if (spec.kind != EngineKind::kDocker && spec.kind != EngineKind::kPodman) {
      fail(host->key_where,
           fmt::format("host: only the docker and podman engines take a host, not {}", kind_name));
    }
    const auto url = read_line(*host, "a daemon URL");
    constexpr std::string_view kUnix = "unix://";
    constexpr std::string_view kTcp = "tcp://";
    bool ok = false;
    if (url.starts_with(kUnix)) {
      ok = !absolute_path_problem(std::string_view(url).substr(kUnix.size()));
    } else if (url.starts_with(kTcp)) {
      const auto rest = std::string_view(url).substr(kTcp.size());
      const auto colon = rest.rfind(':');
      const auto port =
          colon == std::string_view::npos ? std::nullopt : parse_unsigned(rest.substr(colon + 1));
      ok = port && *port >= 1 && *port <= 65535 && is_host_name(rest.substr(0, colon));
    }
    if (!ok) {
      fail(host->where,
           fmt::format("host: expected unix:///absolute/path or tcp://host:port, got {}",
                       describe(host->node)));
    }
    spec.host = url;
  }
  return spec;
}

std::vector<std::string> Loader::read_interfaces(const Field& field) const {
  std::vector<std::string> out;
  for (const auto& element : read_list(source_, field, "a list of PCI addresses")) {
    const auto text = read_scalar(element, "a PCI address");
    const auto pci = parse_pci_address(text);
    if (!pci) {
      fail(element.where, fmt::format("{}: expected a PCI address like 0000:00:06.0, got {}",
                                      element.key, describe(element.node)));
    }
    if (std::find(out.begin(), out.end(), *pci) != out.end()) {
      fail(element.where, fmt::format("{}: interface {} is listed twice", element.key, *pci));
    }
    out.push_back(*pci);
  }
  return out;
}

std::vector<std::string> Loader::read_interface_names(const Field& field) const {
  std::vector<std::string> out;
  for (const auto& element : read_list(source_, field, "a list of interface names")) {
    const auto text = read_scalar(element, "an interface name");
    const bool ok =
        !text.empty() && text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
          return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
        });
    if (!ok) {
      fail(element.where,
           fmt::format("{}: expected a VPP interface name (printable, no spaces), got {}",
                       element.key, describe(element.node)));
    }
    out.push_back(text);
  }
  return out;
}

void Loader::read_nodes(const Mapping& top, const std::vector<std::string>& interfaces,
                        const std::vector<std::string>& interface_names,
                        const Locations& topo_where) {
  const auto* field = top.find("nodes");
  if (!field || is_empty(field->node) || (field->node.IsMap() && field->node.size() == 0)) {
    Node local;
    local.name = "local";
    local.engine = topo_.engine;
    local.interfaces = interfaces;
    local.interface_names = interface_names;
    local.where.self = field ? field->where : start();
    if (topo_where.has("interfaces")) local.where.set("interfaces", topo_where.of("interfaces"));
    topo_.nodes.emplace(local.name, std::move(local));
    return;
  }
  const Mapping nodes(source_, *field, "nodes", "a mapping of node name to node");
  for (const auto& node_field : nodes.fields()) {
    require_safe_name(node_field.key, "node name", node_field.key_where.str());
    topo_.nodes.emplace(node_field.key,
                        read_node(node_field, interfaces, interface_names, topo_where));
  }
}

Node Loader::read_node(const Field& field, const std::vector<std::string>& interfaces,
                       const std::vector<std::string>& interface_names,
                       const Locations& topo_where) const {
  Node node;
  node.name = field.key;
  const Mapping mapping(source_, field, fmt::format("node '{}'", field.key));
  mapping.allow(kNodeKeys);
  mapping.record(node.where);
  node.where.self = field.key_where;

  bool has_ssh_key = false;
  for (auto key : kSshOnlyKeys) has_ssh_key = has_ssh_key || mapping.find(key);
  node.type = has_ssh_key ? NodeKind::kSsh : NodeKind::kLocal;
  if (const auto* type = mapping.find("type")) {
    node.type = read_enum(*type, kNodeKindNames, "node type", "node types");
  }
  if (node.type == NodeKind::kSsh) {
    node.ssh = read_ssh(mapping);
  } else {
    for (auto key : kSshOnlyKeys) {
      if (const auto* ssh_field = mapping.find(key)) {
        fail(ssh_field->key_where,
             fmt::format("{}: only ssh nodes take '{}'; node '{}' has type local", key, key,
                         node.name));
      }
    }
  }

  node.engine = topo_.engine;
  if (const auto* engine = mapping.find("engine")) node.engine = read_engine(*engine);
  if (const auto* lscpu = mapping.find("lscpu")) {
    auto text = read_scalar(*lscpu, "the text of `lscpu -p`");
    if (text.empty() || text.size() > kMaxLscpuBytes || text.find('\0') != std::string::npos) {
      fail(lscpu->where, fmt::format("lscpu: expected the text of `lscpu -p` (up to {} bytes), "
                                     "got {}",
                                     kMaxLscpuBytes, describe(lscpu->node)));
    }
    node.lscpu = std::move(text);
  }
  node.interfaces = interfaces;
  node.interface_names = interface_names;
  if (topo_where.has("interfaces")) node.where.set("interfaces", topo_where.of("interfaces"));
  if (topo_where.has("interface_names")) {
    node.where.set("interface_names", topo_where.of("interface_names"));
  }
  if (const auto* own = mapping.find("interfaces")) {
    node.interfaces = read_interfaces(*own);
    node.where.set("interfaces", own->where);
    node.interface_names.clear();
  }
  if (const auto* own = mapping.find("interface_names")) {
    node.interface_names = read_interface_names(*own);
    node.where.set("interface_names", own->where);
  }
  if (!node.interface_names.empty() && node.interface_names.size() != node.interfaces.size()) {
    fail(node.where.of("interface_names"),
         fmt::format("interface_names: node '{}' has {} interfaces but {} interface names",
                     node.name, node.interfaces.size(), node.interface_names.size()));
  }
  return node;
}

SshSpec Loader::read_ssh(const Mapping& node) const {
  SshSpec ssh;
  const auto& host = node.require("host", "the address of an ssh node");
  ssh.host = read_line(host, "a host name or address");
  if (!is_host_name(ssh.host)) {
    fail(host.where, fmt::format("host: expected a host name or IP address ([A-Za-z0-9._:-], "
                                 "not starting with '-'), got {}",
                                 describe(host.node)));
  }
  if (const auto* port = node.find("port")) {
    ssh.port = static_cast<std::uint16_t>(read_unsigned(*port, 1, 65535, "a TCP port (1..65535)"));
  }
  if (const auto* user = node.find("user")) {
    ssh.user = read_line(*user, "a user name");
    if (!is_user_name(ssh.user)) {
      fail(user->where, fmt::format("user: expected a Unix user name ([A-Za-z_][A-Za-z0-9_.-]*), "
                                    "got {}",
                                    describe(user->node)));
    }
  }
  if (const auto* key = node.find("key")) ssh.key = read_absolute_path(*key, "identity file");
  if (const auto* sudo = node.find("sudo")) {
    const auto text = read_scalar(*sudo, "auto, true or false");
    if (text == "auto") {
      ssh.sudo = SudoMode::kAuto;
    } else {
      const Field as_bool{"sudo", sudo->node, sudo->where, sudo->key_where};
      try {
        ssh.sudo = read_bool(as_bool) ? SudoMode::kAlways : SudoMode::kNever;
      } catch (const Error&) {
        fail(sudo->where,
             fmt::format("sudo: expected auto, true or false, got {}", describe(sudo->node)));
      }
    }
  }
  if (const auto* options = node.find("ssh_options")) {
    for (const auto& option : read_list(source_, *options, "a list of Option=value strings")) {
      const auto text = read_line(option, "Option=value");
      const auto equals = text.find('=');
      const bool ok = equals != std::string::npos && equals > 0 && equals + 1 < text.size() &&
                      std::all_of(text.begin(), text.begin() + static_cast<long>(equals),
                                  [](char c) {
                                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                           (c >= '0' && c <= '9');
                                  }) &&
                      text.front() != '-';
      if (!ok) {
        fail(option.where, fmt::format("{}: expected Option=value (as for ssh -o), got {}",
                                       option.key, describe(option.node)));
      }
      if (const auto problem = process::ssh_option_problem(text)) {
        fail(option.where, fmt::format("{}: {}", option.key, *problem));
      }
      ssh.ssh_options.push_back(text);
    }
  }
  return ssh;
}

void Loader::read_paths(const Field* field) {
  topo_.paths.where.self = field ? field->where : start();
  if (!field) return;
  const Mapping paths(source_, *field, "paths");
  paths.allow(kPathsKeys);
  paths.record(topo_.paths.where);
  // cnfctl makes a directory per run (or per container) inside the two host directories and
  // removes it at `down`, and mounts the socket dir over the guest directory: none of them may
  // be a directory of the system.
  auto directory = [&](const Field& f, std::string_view what, std::string_view use) {
    auto path = read_absolute_path(f, what);
    if (is_system_directory(path)) {
      fail(f.where, fmt::format("{}: {} is a system directory; {} (choose a directory of "
                                "cnfctl's own, e.g. the default {})",
                                f.key, path, use, default_of(f.key)));
    }
    return path;
  };
  if (const auto* f = paths.find("socket_dir")) {
    topo_.paths.socket_dir =
        directory(*f, "host directory", "cnfctl makes <socket_dir>/<run> and removes it at down");
  }
  if (const auto* f = paths.find("guest_socket_dir")) {
    topo_.paths.guest_socket_dir = directory(
        *f, "guest directory", "the run's socket directory is mounted over it in every container");
  }
  if (const auto* f = paths.find("vpp_socket_base")) {
    topo_.paths.vpp_socket_base =
        directory(*f, "host directory",
                  "cnfctl makes <vpp_socket_base>/<container id> and removes it at down");
  }
}

void Loader::read_topology(const Field* field, std::vector<std::string>& interfaces,
                           std::vector<std::string>& interface_names) {
  auto& spec = topo_.topology;
  spec.where.self = field ? field->where : start();
  spec.ipsec.where.self = spec.where.self;
  if (!field) return;
  const Mapping mapping(source_, *field, "topology", "a mapping with 'kind'");
  mapping.allow(kTopologyKeys);
  mapping.record(spec.where);
  spec.kind = read_enum(mapping.require("kind", "chain, chain_ip4, ..., or none"),
                        kTopologyKindNames, "topology kind", "topology kinds");
  if (const auto* f = mapping.find("chains")) {
    spec.chains = static_cast<unsigned>(
        read_unsigned(*f, 1, kMaxChains, fmt::format("a positive integer (1..{})", kMaxChains)));
  }
  if (const auto* f = mapping.find("nodes_per_chain")) {
    spec.nodes_per_chain = static_cast<unsigned>(read_unsigned(
        *f, 1, kMaxGroupCount, fmt::format("a positive integer (1..{})", kMaxGroupCount)));
  }
  auto pair = [&](std::string_view key, std::string_view what, auto parse,
                  std::array<std::string, 2>& out) {
    const auto* f = mapping.find(key);
    if (!f) return;
    const auto elements = read_list(source_, *f, fmt::format("a list of two {}", what));
    if (elements.size() != 2) {
      fail(f->where, fmt::format("{}: expected two {} (TG port 1 and port 2), got {}", key, what,
                                 elements.size()));
    }
    for (std::size_t i = 0; i < 2; ++i) {
      const auto parsed = parse(read_scalar(elements[i], what));
      if (!parsed) {
        fail(elements[i].where, fmt::format("{}: expected {}, got {}", elements[i].key, what,
                                            describe(elements[i].node)));
      }
      out[i] = *parsed;
    }
  };
  pair(
      "tg_mac", "MAC addresses like 02:00:00:00:00:01",
      [](const std::string& text) { return parse_mac(text); }, spec.tg_mac);
  pair(
      "tg_ip4", "IPv4 addresses", [](const std::string& text) { return parse_ipv4(text); },
      spec.tg_ip4);
  if (const auto* f = mapping.find("interfaces")) interfaces = read_interfaces(*f);
  if (const auto* f = mapping.find("interface_names")) {
    interface_names = read_interface_names(*f);
  }
  if (const auto* f = mapping.find("rx_queues")) {
    spec.rx_queues = static_cast<unsigned>(read_unsigned(*f, 1, 64, "a queue count (1..64)"));
  }
  if (const auto* f = mapping.find("rx_mode")) {
    if (spec.kind != TopologyKind::kChainFunctional) {
      fail(f->key_where, fmt::format("rx_mode: only topology kind chain_functional takes an "
                                     "rx_mode, this is {}",
                                     to_string(spec.kind)));
    }
    spec.rx_mode = read_enum(*f, kRxModeNames, "rx mode", "rx modes");
  }
  if (const auto* f = mapping.find("ipsec")) {
    if (spec.kind != TopologyKind::kChainIpsec && spec.kind != TopologyKind::kChainVswitch) {
      fail(f->key_where, fmt::format("ipsec: only topology kinds chain_vswitch and chain_ipsec "
                                     "take ipsec addressing, this is {}",
                                     to_string(spec.kind)));
    }
    spec.ipsec = read_ipsec(*f);
  }
  if (const auto* f = mapping.find("ports")) {
    if (spec.kind != TopologyKind::kChainIpsec && spec.kind != TopologyKind::kChainVswitch) {
      fail(f->key_where, fmt::format("ports: only topology kinds chain_vswitch and chain_ipsec "
                                     "have vswitch ports, this is {}",
                                     to_string(spec.kind)));
    }
    spec.ports = read_enum(*f, kPortKindNames, "port kind", "port kinds");
  }
}

IpsecSpec Loader::read_ipsec(const Field& field) const {
  IpsecSpec ipsec;
  const Mapping mapping(source_, field, "topology.ipsec");
  mapping.allow(kIpsecKeys);
  mapping.record(ipsec.where);
  const std::array<std::pair<std::string_view, std::string*>, 6> addresses{{
      {"dut1_if1_ip4", &ipsec.dut1_if1_ip4},
      {"dut1_if2_ip4", &ipsec.dut1_if2_ip4},
      {"dut2_if1_ip4", &ipsec.dut2_if1_ip4},
      {"dut2_if2_ip4", &ipsec.dut2_if2_ip4},
      {"laddr_ip4", &ipsec.laddr_ip4},
      {"raddr_ip4", &ipsec.raddr_ip4},
  }};
  for (const auto& [key, out] : addresses) {
    const auto* f = mapping.find(key);
    if (!f) continue;
    const auto parsed = parse_ipv4(read_scalar(*f, "an IPv4 address"));
    if (!parsed) {
      fail(f->where, fmt::format("{}: expected an IPv4 address, got {}", key, describe(f->node)));
    }
    *out = *parsed;
  }
  return ipsec;
}

void Loader::read_cpu(const Field* field) {
  auto& cpu = topo_.cpu;
  cpu.where.self = field ? field->where : start();
  if (!field) return;
  const Mapping mapping(source_, *field, "cpu");
  mapping.allow(kCpuKeys);
  mapping.record(cpu.where);
  if (const auto* f = mapping.find("policy")) {
    cpu.policy = read_enum(*f, kCpuPolicyNames, "cpu policy", "cpu policies");
  }
  if (const auto* f = mapping.find("numa")) {
    cpu.numa = static_cast<unsigned>(read_unsigned(*f, 0, 63, "a NUMA node number (0..63)"));
  }
  if (const auto* f = mapping.find("vs_data_cores")) {
    cpu.vs_data_cores =
        static_cast<unsigned>(read_unsigned(*f, 0, 64, "a number of cores (0..64)"));
  }
  if (const auto* f = mapping.find("nf_data_cores")) {
    constexpr std::string_view kExpected =
        "a whole number of cores (0..64) or 0.5 (one hyper-thread)";
    auto text = read_scalar(*f, kExpected);
    if (text == "0.5" || text == ".5") {
      cpu.nf_data_cores = NfDataCores{0, true};
    } else {
      if (text.ends_with(".0")) text.resize(text.size() - 2);
      const auto cores = parse_unsigned(text);
      if (!cores || *cores > 64) {
        fail(f->where,
             fmt::format("nf_data_cores: expected {}, got {}", kExpected, describe(f->node)));
      }
      cpu.nf_data_cores = NfDataCores{static_cast<unsigned>(*cores), false};
    }
  }
  if (const auto* f = mapping.find("nf_main_ratio")) {
    cpu.nf_main_ratio =
        static_cast<unsigned>(read_unsigned(*f, 1, 64, "a positive integer (1..64)"));
  }
  if (const auto* f = mapping.find("nf_data_ratio")) {
    cpu.nf_data_ratio =
        static_cast<unsigned>(read_unsigned(*f, 1, 64, "a positive integer (1..64)"));
  }
  if (const auto* f = mapping.find("allow_overlap")) cpu.allow_overlap = read_bool(*f);
}

void Loader::read_traffic(const Field* field) {
  auto& traffic = topo_.traffic;
  traffic.where.self = field ? field->where : start();
  if (!field) return;
  const Mapping mapping(source_, *field, "traffic");
  mapping.allow(kTrafficKeys);
  mapping.record(traffic.where);
  if (const auto* f = mapping.find("duration")) {
    const auto duration = parse_duration(read_scalar(*f, "a duration"));
    if (!duration || duration->count() == 0) {
      fail(f->where, fmt::format("duration: expected a duration with a unit (500ms, 5s, 2m; "
                                 "at most 24h), got {}",
                                 describe(f->node)));
    }
    traffic.duration = *duration;
  }
  if (const auto* f = mapping.find("frame_size")) {
    traffic.frame_size =
        static_cast<unsigned>(read_unsigned(*f, 64, 9216, "a frame size in bytes (64..9216)"));
  }
  if (const auto* f = mapping.find("rate")) {
    const auto rate = parse_rate_pps(read_scalar(*f, "a packet rate"));
    if (!rate) {
      fail(f->where, fmt::format("rate: expected packets per second (e.g. 0, 1000000, 500kpps, "
                                 "10Mpps; 0: as fast as possible), got {}",
                                 describe(f->node)));
    }
    traffic.rate_pps = *rate;
  }
}

// What a path that is not a regular file is, for the message.
std::string not_regular_file(mode_t mode) {
  if (S_ISDIR(mode)) return "it is a directory";
  if (S_ISFIFO(mode)) return "it is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(mode)) return "it is a character device, not a regular file";
  if (S_ISBLK(mode)) return "it is a block device, not a regular file";
  if (S_ISSOCK(mode)) return "it is a socket, not a regular file";
  return "it is not a regular file";
}

// The first byte of `text` that is not part of well-formed UTF-8, or npos. Strings of the file
// end up in JSON (plan --json, the journal), which holds UTF-8 only.
std::size_t first_invalid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    unsigned min = 0;
    if (c < 0x80) {
      // YAML's printable set: no C0 control but TAB, LF and CR, no DEL. yaml-cpp reads some
      // anyway, wrongly (NUL then 'N' became a lone 0x85 byte: a fuzzing finding).
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return i;
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3, min = 0x10000;
    } else {
      return i;
    }
    if (i + extra >= text.size()) return i;
    unsigned code = c & (0x3F >> extra);
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return i;
      code = (code << 6) | (b & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
    i += extra + 1;
  }
  return std::string_view::npos;
}

}  // namespace

Topology load_topology_text(std::string_view text, std::string source_name) {
  if (const auto bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    const auto before = text.substr(0, bad);
    const auto line = 1 + std::count(before.begin(), before.end(), '\n');
    const auto newline = before.rfind('\n');
    const auto column = bad - (newline == std::string_view::npos ? 0 : newline + 1) + 1;
    const auto byte = static_cast<unsigned char>(text[bad]);
    throw Error::bad_input(fmt::format("{}:{}:{}", source_name, line, column),
                           byte < 0x80
                               ? fmt::format("the file is not YAML text (control "
                                             "character 0x{:02X})",
                                             byte)
                               : fmt::format("the file is not UTF-8 text (byte 0x{:02X})", byte));
  }
  return Loader(std::move(source_name)).load(text);
}

Topology load_topology_file(const std::filesystem::path& path) {
  const auto name = path.string();
  auto refuse = [&](const std::string& why) {
    throw Error::bad_input(name, "cannot read the topology file: " + why);
  };
  // Only a regular file is read: a FIFO or a terminal would block forever, a device could be
  // endless or act on open. Checked before opening (stat follows symlinks; a loop fails ELOOP)
  // and again on the open descriptor (the path may change in between).
  struct stat info {};
  if (::stat(name.c_str(), &info) != 0) refuse(std::strerror(errno));
  if (!S_ISREG(info.st_mode)) refuse(not_regular_file(info.st_mode));
  const int fd = ::open(name.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) refuse(std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &info) != 0) refuse(std::strerror(errno));
  if (!S_ISREG(info.st_mode)) refuse(not_regular_file(info.st_mode));
  if (static_cast<std::uintmax_t>(info.st_size) > kMaxTopologyFileBytes) {
    throw Error::bad_input(
        name,
        fmt::format("the file is {} bytes, larger than {} bytes, the limit for topology files",
                    info.st_size, kMaxTopologyFileBytes));
  }
  // Read as it comes: a buffer of the whole limit, zero-filled, cost every command 0.3 ms of page
  // faults and memset for a file of a few hundred bytes. At most one byte more than the limit
  // is kept, in case the file grows while it is read.
  std::string text;
  text.reserve(static_cast<std::size_t>(info.st_size) + 1);
  char buffer[16384];
  while (text.size() <= kMaxTopologyFileBytes) {
    const auto got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) refuse(std::strerror(errno));
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
  }
  if (text.size() > kMaxTopologyFileBytes + 1) text.resize(kMaxTopologyFileBytes + 1);
  return load_topology_text(text, name);
}

}  // namespace cnfctl::topology
