#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "common/names.h"
#include "topology/enum_names.h"
#include "topology/readers.h"
#include "topology/values.h"

namespace cnfctl::topology {

namespace {

constexpr std::array<std::string_view, 7> kTestpmdKeys{
    "kind", "binary", "forward_mode", "memory_mb", "mbufs", "ring_size", "extra_args"};
constexpr std::array<std::string_view, 11> kVppKeys{"kind",
                                                    "binary",
                                                    "vppctl",
                                                    "plugin_path",
                                                    "page_size",
                                                    "main_heap_size",
                                                    "statseg_size",
                                                    "buffers_per_numa",
                                                    "poll_sleep_usec",
                                                    "plugins",
                                                    "veth"};
constexpr std::array<std::string_view, 8> kNginxKeys{"kind", "binary",    "port",       "body_size",
                                                     "mode", "ldpreload", "vcl_config", "ldp"};
constexpr std::array<std::string_view, 2> kVethKeys{"host_ip4", "vpp_ip4"};
constexpr std::array<std::string_view, 2> kLdpKeys{"vpp", "library"};
// Host veth subnets: at least two host addresses, at most a /8 (it becomes a route on the node).
constexpr unsigned kMinVethPrefix = 8;
constexpr unsigned kMaxVethPrefix = 30;
constexpr std::array<std::string_view, 3> kCommandKeys{"kind", "argv", "probe"};
constexpr std::array<std::string_view, 9> kTrafficgenKeys{
    "kind", "binary", "mode", "limit", "delay", "memory_mb", "mbufs", "ring_size", "extra_args"};
constexpr std::array<std::string_view, 6> kVppPageSizes{"4K", "64K",     "2M",
                                                        "1G", "default", "default-hugepage"};

bool contains(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// testpmd's defaults for a container of `role`: generators send, sinks receive, the rest
// forward.
TestpmdOptions testpmd_defaults(Role role) {
  TestpmdOptions options;
  if (role == Role::kGenerator) options.forward_mode = ForwardMode::kTxonly;
  if (role == Role::kSink) options.forward_mode = ForwardMode::kRxonly;
  return options;
}

// Rejects keys of `nf` that its kind does not take, naming the kind that does take them.
void allow_nf_keys(const Mapping& nf, std::span<const std::string_view> known) {
  const std::array<std::pair<std::string_view, std::span<const std::string_view>>, 5> kinds{{
      {"testpmd", kTestpmdKeys},
      {"vpp", kVppKeys},
      {"nginx", kNginxKeys},
      {"command", kCommandKeys},
      {"trafficgen", kTrafficgenKeys},
  }};
  std::vector<std::string> messages;
  std::vector<std::string_view> hinted;
  for (const auto& [kind, keys] : kinds) {
    for (auto key : keys) {
      if (contains(known, key) || contains(hinted, key)) continue;
      hinted.push_back(key);
      messages.push_back(fmt::format("'{}' is an option of NF kind {} (keys here: {})", key, kind,
                                     join_names(known)));
    }
  }
  std::vector<KeyHint> hints;
  for (std::size_t i = 0; i < hinted.size(); ++i) hints.push_back({hinted[i], messages[i]});
  nf.allow(known, hints);
}

TestpmdOptions read_testpmd(const Mapping& nf, Role role) {
  allow_nf_keys(nf, kTestpmdKeys);
  auto options = testpmd_defaults(role);
  if (const auto* f = nf.find("binary")) options.binary = read_absolute_path(*f, "program");
  if (const auto* f = nf.find("forward_mode")) {
    options.forward_mode = read_enum(*f, kForwardModeNames, "forward mode", "forward modes");
  }
  if (const auto* f = nf.find("memory_mb")) {
    options.memory_mb =
        static_cast<unsigned>(read_unsigned(*f, 64, 1 << 20, "a memory size in MB (64..1048576)"));
  }
  if (const auto* f = nf.find("mbufs")) {
    options.mbufs = static_cast<unsigned>(
        read_unsigned(*f, 1024, 1 << 24, "a number of mbufs (1024..16777216)"));
  }
  if (const auto* f = nf.find("ring_size")) {
    options.ring_size = static_cast<unsigned>(
        read_unsigned(*f, 0, 14, "a memif ring size as log2 (1..14), or 0 for automatic"));
  }
  if (const auto* f = nf.find("extra_args")) options.extra_args = read_argv(nf.source(), *f, true);
  return options;
}

// "198.51.100.1/24" -> address and prefix length; fails at `field` otherwise.
std::pair<std::string, unsigned> read_ipv4_interface(const Field& field) {
  const auto text = read_scalar(field, "an IPv4 address with a prefix length");
  const auto slash = text.find('/');
  const auto address = parse_ipv4(text.substr(0, slash));
  std::optional<std::uint64_t> length;
  if (slash != std::string::npos) length = parse_unsigned(text.substr(slash + 1));
  if (!address || !length || *length < kMinVethPrefix || *length > kMaxVethPrefix) {
    fail(field.where,
         fmt::format("{}: expected an IPv4 address with a prefix length /{}../{}, like "
                     "198.51.100.1/24, got {}",
                     field.key, kMinVethPrefix, kMaxVethPrefix, describe(field.node)));
  }
  return {*address, static_cast<unsigned>(*length)};
}

VethSpec read_veth(const Mapping& nf, const Field& field) {
  const Mapping mapping(nf.source(), field, "nf.veth");
  mapping.allow(kVethKeys);
  VethSpec veth;
  veth.where = field.where;
  const auto& host_field =
      mapping.require("host_ip4", "the host end's address, e.g. 198.51.100.1/24");
  const auto& vpp_field = mapping.require("vpp_ip4", "VPP's address, e.g. 198.51.100.2/24");
  const auto [host, host_length] = read_ipv4_interface(host_field);
  const auto [vpp, vpp_length] = read_ipv4_interface(vpp_field);
  if (host_length != vpp_length) {
    fail(vpp_field.where, fmt::format("vpp_ip4: prefix length /{} differs from host_ip4's /{}",
                                      vpp_length, host_length));
  }
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - host_length);
  const auto h = ipv4_bits(host);
  const auto v = ipv4_bits(vpp);
  if ((h & mask) != (v & mask)) {
    fail(vpp_field.where,
         fmt::format("vpp_ip4: {} is not in host_ip4's subnet {}/{}", vpp, host, host_length));
  }
  for (const auto& [f, value] : {std::pair{&host_field, h}, std::pair{&vpp_field, v}}) {
    if ((value & ~mask) == 0 || (value & ~mask) == ~mask) {
      fail(f->where, fmt::format("{}: the network or broadcast address of its /{} is not a "
                                 "host address",
                                 f->key, host_length));
    }
  }
  if (h == v) fail(vpp_field.where, "vpp_ip4: the same address as host_ip4");
  veth.host_ip4 = host;
  veth.vpp_ip4 = vpp;
  veth.prefix_length = host_length;
  return veth;
}

LdpSpec read_ldp(const Mapping& nf, const Field& field) {
  const Mapping mapping(nf.source(), field, "nf.ldp");
  mapping.allow(kLdpKeys);
  LdpSpec ldp;
  ldp.where = field.where;
  const auto& vpp = mapping.require("vpp", "the VPP container whose host stack nginx uses");
  ldp.vpp = read_line(vpp, "a container name");
  if (!is_safe_name(ldp.vpp)) {
    fail(vpp.where, fmt::format("vpp: expected a container name, got {}", describe(vpp.node)));
  }
  if (const auto* f = mapping.find("library")) {
    ldp.library = read_absolute_path(*f, "library");
  }
  return ldp;
}

VppOptions read_vpp(const Mapping& nf) {
  allow_nf_keys(nf, kVppKeys);
  VppOptions options;
  if (const auto* f = nf.find("binary")) options.binary = read_absolute_path(*f, "program");
  if (const auto* f = nf.find("vppctl")) options.vppctl = read_absolute_path(*f, "program");
  if (const auto* f = nf.find("plugin_path")) {
    options.plugin_path = read_absolute_path(*f, "directory");
  }
  if (const auto* f = nf.find("page_size")) {
    const auto text = read_scalar(*f, "a page size");
    if (!contains(kVppPageSizes, text)) {
      fail(f->where, fmt::format("page_size: expected one of {}, got {}", join_names(kVppPageSizes),
                                 describe(f->node)));
    }
    options.page_size = text;
  }
  auto size = [&](std::string_view key, std::string& out) {
    if (const auto* f = nf.find(key)) {
      const auto parsed = parse_vpp_size(read_scalar(*f, "a size"));
      if (!parsed) {
        fail(f->where, fmt::format("{}: expected a size like 2G, 512M or 64K, got {}", key,
                                   describe(f->node)));
      }
      out = *parsed;
    }
  };
  size("main_heap_size", options.main_heap_size);
  size("statseg_size", options.statseg_size);
  if (const auto* f = nf.find("buffers_per_numa")) {
    options.buffers_per_numa = static_cast<unsigned>(
        read_unsigned(*f, 1024, 1 << 24, "a number of buffers (1024..16777216)"));
  }
  if (const auto* f = nf.find("poll_sleep_usec")) {
    options.poll_sleep_usec = static_cast<unsigned>(
        read_unsigned(*f, 0, 1000000, "microseconds (0..1000000; 0: not set)"));
  }
  if (const auto* f = nf.find("plugins")) {
    options.plugins.clear();
    for (const auto& element : read_list(nf.source(), *f, "a list of plugin file names")) {
      const auto name = read_line(element, "a plugin file name");
      if (!is_safe_name(name) || !name.ends_with(".so")) {
        fail(element.where, fmt::format("{}: expected a plugin file name like memif_plugin.so, "
                                        "got {}",
                                        element.key, describe(element.node)));
      }
      options.plugins.push_back(name);
    }
  }
  if (const auto* f = nf.find("veth")) options.veth = read_veth(nf, *f);
  return options;
}

NginxOptions read_nginx(const Mapping& nf) {
  allow_nf_keys(nf, kNginxKeys);
  NginxOptions options;
  if (const auto* f = nf.find("binary")) options.binary = read_absolute_path(*f, "program");
  if (const auto* f = nf.find("port")) {
    options.port = static_cast<std::uint16_t>(read_unsigned(*f, 1, 65535, "a port (1..65535)"));
  }
  if (const auto* f = nf.find("body_size")) {
    options.body_size = read_unsigned(*f, 0, 1ULL << 30, "a body size in bytes (0..1073741824)");
  }
  if (const auto* f = nf.find("mode")) {
    options.mode = read_enum(*f, kNginxModeNames, "nginx mode", "nginx modes");
  }
  if (const auto* f = nf.find("ldpreload")) options.ldpreload = read_bool(*f);
  if (const auto* f = nf.find("vcl_config")) {
    options.vcl_config = read_absolute_path(*f, "VCL config file");
  }
  if (const auto* f = nf.find("ldp")) {
    const auto* preload = nf.find("ldpreload");
    if (preload && !options.ldpreload) {
      fail(preload->where, "ldpreload: false contradicts ldp (which runs nginx LD_PRELOADed)");
    }
    options.ldp = read_ldp(nf, *f);
    options.ldpreload = true;
  }
  return options;
}

CommandOptions read_command(const Mapping& nf) {
  allow_nf_keys(nf, kCommandKeys);
  CommandOptions options;
  options.argv = read_argv(nf.source(), nf.require("argv", "the program and its arguments"), false);
  if (const auto* f = nf.find("probe")) options.probe = read_argv(nf.source(), *f, false);
  return options;
}

// cnfctl-gen's defaults for a container of `role`: the generator owns both traffic ends, the
// sink's link is the generator's, every other container forwards.
TrafficgenOptions trafficgen_defaults(Role role) {
  TrafficgenOptions options;
  if (role == Role::kGenerator) options.mode = TrafficgenMode::kGen;
  if (role == Role::kSink) options.mode = TrafficgenMode::kSink;
  return options;
}

// A delay in microseconds: "50us", "2ms", "0" or a plain number of microseconds.
std::optional<std::uint32_t> parse_delay_us(std::string_view text) {
  std::uint64_t scale = 1;
  if (text.ends_with("us")) {
    text.remove_suffix(2);
  } else if (text.ends_with("ms")) {
    text.remove_suffix(2);
    scale = 1000;
  }
  const auto value = parse_unsigned(text);
  if (!value || *value > 1'000'000 / scale) return std::nullopt;
  return static_cast<std::uint32_t>(*value * scale);
}

TrafficgenOptions read_trafficgen(const Mapping& nf, Role role) {
  allow_nf_keys(nf, kTrafficgenKeys);
  auto options = trafficgen_defaults(role);
  if (const auto* f = nf.find("binary")) options.binary = read_absolute_path(*f, "program");
  if (const auto* f = nf.find("mode")) {
    options.mode = read_enum(*f, kTrafficgenModeNames, "trafficgen mode", "trafficgen modes");
  }
  if (const auto* f = nf.find("limit")) {
    const auto rate = parse_rate_pps(read_scalar(*f, "a rate"));
    if (!rate || *rate == 0) {
      fail(f->where, fmt::format("limit: expected a rate like 200000, 200kpps or 1Mpps, got {}",
                                 describe(f->node)));
    }
    options.limit_pps = *rate;
  }
  if (const auto* f = nf.find("delay")) {
    const auto delay = parse_delay_us(read_scalar(*f, "a delay"));
    if (!delay) {
      fail(f->where, fmt::format("delay: expected a delay like 50us or 2ms (at most 1 s), got {}",
                                 describe(f->node)));
    }
    options.delay_us = *delay;
  }
  if ((options.limit_pps != 0 || options.delay_us != 0) &&
      options.mode != TrafficgenMode::kForward) {
    fail(nf.find("limit") ? nf.find("limit")->where : nf.find("delay")->where,
         fmt::format("limit and delay are options of trafficgen mode forward; this container's "
                     "mode is {}",
                     to_string(options.mode)));
  }
  if (const auto* f = nf.find("memory_mb")) {
    options.memory_mb =
        static_cast<unsigned>(read_unsigned(*f, 64, 1 << 20, "a memory size in MB (64..1048576)"));
  }
  if (const auto* f = nf.find("mbufs")) {
    options.mbufs = static_cast<unsigned>(
        read_unsigned(*f, 1024, 1 << 22, "a number of mbufs (1024..4194304)"));
  }
  if (const auto* f = nf.find("ring_size")) {
    options.ring_size = static_cast<unsigned>(
        read_unsigned(*f, 0, 14, "a memif ring size as log2 (1..14), or 0 for automatic"));
  }
  if (const auto* f = nf.find("extra_args")) options.extra_args = read_argv(nf.source(), *f, true);
  return options;
}

}  // namespace

NfSpec read_nf(const YamlSource& source, const Field* field, Role role,
               const SourceLocation& group_where) {
  NfSpec nf;
  nf.where.self = field ? field->where : group_where;
  if (!field) {
    nf.options = testpmd_defaults(role);
    return nf;
  }
  if (field->node.IsScalar()) {
    nf.kind = read_enum(*field, kNfKindNames, "NF kind", "NF kinds");
    nf.where.set("kind", field->where);
    switch (nf.kind) {
      case NfKind::kTestpmd:
        nf.options = testpmd_defaults(role);
        break;
      case NfKind::kVpp:
        nf.options = VppOptions{};
        break;
      case NfKind::kNginx:
        nf.options = NginxOptions{};
        break;
      case NfKind::kTrafficgen:
        nf.options = trafficgen_defaults(role);
        break;
      case NfKind::kCommand:
        fail(field->where,
             "nf: kind command needs an argv: write nf: {kind: command, argv: "
             "[program, args...]}");
    }
    return nf;
  }
  Mapping mapping(source, *field, "nf", "an NF kind or a mapping with 'kind'");
  mapping.record(nf.where);
  nf.kind = read_enum(mapping.require("kind", "testpmd, vpp, nginx, command or trafficgen"),
                      kNfKindNames, "NF kind", "NF kinds");
  mapping.set_context(fmt::format("nf (kind {})", to_string(nf.kind)));
  switch (nf.kind) {
    case NfKind::kTestpmd:
      nf.options = read_testpmd(mapping, role);
      break;
    case NfKind::kVpp:
      nf.options = read_vpp(mapping);
      break;
    case NfKind::kNginx:
      nf.options = read_nginx(mapping);
      break;
    case NfKind::kCommand:
      nf.options = read_command(mapping);
      break;
    case NfKind::kTrafficgen:
      nf.options = read_trafficgen(mapping, role);
      break;
  }
  return nf;
}

}  // namespace cnfctl::topology
