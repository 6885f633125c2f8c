#include "topology_writer.h"

#include <yaml-cpp/yaml.h>

#include <string_view>

namespace cnfctl::fuzz {
namespace {

using namespace cnfctl::topology;

void text(YAML::Emitter& out, std::string_view key, const std::string& value) {
  out << YAML::Key << std::string(key) << YAML::Value << YAML::DoubleQuoted << value;
}
void name(YAML::Emitter& out, std::string_view key, std::string_view value) {
  out << YAML::Key << std::string(key) << YAML::Value << std::string(value);
}
template <class T>
void number(YAML::Emitter& out, std::string_view key, T value) {
  out << YAML::Key << std::string(key) << YAML::Value << value;
}
void flag(YAML::Emitter& out, std::string_view key, bool value) {
  out << YAML::Key << std::string(key) << YAML::Value << (value ? "true" : "false");
}
void list(YAML::Emitter& out, std::string_view key, const std::vector<std::string>& values) {
  out << YAML::Key << std::string(key) << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& v : values) out << YAML::DoubleQuoted << v;
  out << YAML::EndSeq;
}

void engine(YAML::Emitter& out, const EngineSpec& e) {
  out << YAML::Key << "engine" << YAML::Value << YAML::BeginMap;
  name(out, "kind", to_string(e.kind));
  if (e.kind == EngineKind::kOci || e.kind == EngineKind::kPodman) {
    name(out, "runtime", to_string(e.runtime));
  }
  if (e.host) text(out, "host", *e.host);
  out << YAML::EndMap;
}

void node(YAML::Emitter& out, const Node& n) {
  out << YAML::Key << YAML::DoubleQuoted << n.name << YAML::Value << YAML::BeginMap;
  name(out, "type", to_string(n.type));
  if (n.ssh) {
    text(out, "host", n.ssh->host);
    number(out, "port", n.ssh->port);
    text(out, "user", n.ssh->user);
    if (n.ssh->key) text(out, "key", *n.ssh->key);
    name(out, "sudo", to_string(n.ssh->sudo));
    list(out, "ssh_options", n.ssh->ssh_options);
  }
  if (n.lscpu) text(out, "lscpu", *n.lscpu);
  engine(out, n.engine);
  list(out, "interfaces", n.interfaces);
  if (!n.interface_names.empty()) list(out, "interface_names", n.interface_names);
  out << YAML::EndMap;
}

void nf(YAML::Emitter& out, const NfSpec& spec) {
  out << YAML::Key << "nf" << YAML::Value << YAML::BeginMap;
  name(out, "kind", to_string(spec.kind));
  switch (spec.kind) {
    case NfKind::kTestpmd: {
      const auto& o = spec.testpmd();
      text(out, "binary", o.binary);
      name(out, "forward_mode", to_string(o.forward_mode));
      number(out, "memory_mb", o.memory_mb);
      number(out, "mbufs", o.mbufs);
      number(out, "ring_size", o.ring_size);
      list(out, "extra_args", o.extra_args);
      break;
    }
    case NfKind::kVpp: {
      const auto& o = spec.vpp();
      text(out, "binary", o.binary);
      text(out, "vppctl", o.vppctl);
      if (!o.plugin_path.empty()) text(out, "plugin_path", o.plugin_path);
      text(out, "page_size", o.page_size);
      text(out, "main_heap_size", o.main_heap_size);
      text(out, "statseg_size", o.statseg_size);
      number(out, "buffers_per_numa", o.buffers_per_numa);
      number(out, "poll_sleep_usec", o.poll_sleep_usec);
      list(out, "plugins", o.plugins);
      break;
    }
    case NfKind::kNginx: {
      const auto& o = spec.nginx();
      text(out, "binary", o.binary);
      number(out, "port", o.port);
      number(out, "body_size", o.body_size);
      name(out, "mode", to_string(o.mode));
      flag(out, "ldpreload", o.ldpreload);
      text(out, "vcl_config", o.vcl_config);
      break;
    }
    case NfKind::kCommand: {
      const auto& o = spec.command();
      list(out, "argv", o.argv);
      if (o.probe) list(out, "probe", *o.probe);
      break;
    }
    case NfKind::kTrafficgen: {
      const auto& o = spec.trafficgen();
      if (!o.binary.empty()) text(out, "binary", o.binary);
      name(out, "mode", to_string(o.mode));
      if (o.limit_pps != 0) number(out, "limit", o.limit_pps);
      if (o.delay_us != 0) number(out, "delay", o.delay_us);
      number(out, "memory_mb", o.memory_mb);
      number(out, "mbufs", o.mbufs);
      number(out, "ring_size", o.ring_size);
      list(out, "extra_args", o.extra_args);
      break;
    }
  }
  out << YAML::EndMap;
}

void group(YAML::Emitter& out, const ContainerGroup& g) {
  out << YAML::BeginMap;
  text(out, "prefix", g.prefix);
  number(out, "count", g.count);
  name(out, "role", to_string(g.role));
  text(out, "node", g.node);
  text(out, "image", g.image.str());
  nf(out, g.nf);
  out << YAML::Key << "mounts" << YAML::Value << YAML::BeginSeq;
  for (const auto& m : g.mounts) {
    out << YAML::Flow << YAML::BeginMap;
    text(out, "host", m.host);
    text(out, "guest", m.guest);
    flag(out, "read_only", m.read_only);
    flag(out, "create", m.create);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "env" << YAML::Value << YAML::BeginMap;
  for (const auto& e : g.env) {
    out << YAML::Key << YAML::DoubleQuoted << e.name << YAML::Value << YAML::DoubleQuoted
        << e.value;
  }
  out << YAML::EndMap;
  out << YAML::Key << "ports" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& p : g.ports) {
    out << YAML::DoubleQuoted
        << std::to_string(p.host_port) + ":" + std::to_string(p.container_port) + "/" +
               std::string(to_string(p.protocol));
  }
  out << YAML::EndSeq;
  flag(out, "privileged", g.privileged);
  if (!g.cpus.empty()) {
    out << YAML::Key << "cpus" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (unsigned cpu : g.cpus) out << cpu;
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

}  // namespace

std::string write_topology(const Topology& t) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  text(out, "name", t.name);
  engine(out, t.engine);
  text(out, "image", t.image.str());

  out << YAML::Key << "nodes" << YAML::Value << YAML::BeginMap;
  for (const auto& [key, n] : t.nodes) node(out, n);
  out << YAML::EndMap;

  out << YAML::Key << "paths" << YAML::Value << YAML::BeginMap;
  text(out, "socket_dir", t.paths.socket_dir);
  text(out, "guest_socket_dir", t.paths.guest_socket_dir);
  text(out, "vpp_socket_base", t.paths.vpp_socket_base);
  out << YAML::EndMap;

  out << YAML::Key << "containers" << YAML::Value << YAML::BeginSeq;
  for (const auto& g : t.containers) group(out, g);
  out << YAML::EndSeq;

  const auto& s = t.topology;
  out << YAML::Key << "topology" << YAML::Value << YAML::BeginMap;
  name(out, "kind", to_string(s.kind));
  number(out, "chains", s.chains);
  if (s.nodes_per_chain != 0) number(out, "nodes_per_chain", s.nodes_per_chain);
  list(out, "tg_mac", {s.tg_mac[0], s.tg_mac[1]});
  list(out, "tg_ip4", {s.tg_ip4[0], s.tg_ip4[1]});
  number(out, "rx_queues", s.rx_queues);
  if (s.kind == TopologyKind::kChainFunctional) name(out, "rx_mode", to_string(s.rx_mode));
  if (s.kind == TopologyKind::kChainVswitch || s.kind == TopologyKind::kChainIpsec) {
    out << YAML::Key << "ipsec" << YAML::Value << YAML::BeginMap;
    text(out, "dut1_if1_ip4", s.ipsec.dut1_if1_ip4);
    text(out, "dut1_if2_ip4", s.ipsec.dut1_if2_ip4);
    text(out, "dut2_if1_ip4", s.ipsec.dut2_if1_ip4);
    text(out, "dut2_if2_ip4", s.ipsec.dut2_if2_ip4);
    text(out, "laddr_ip4", s.ipsec.laddr_ip4);
    text(out, "raddr_ip4", s.ipsec.raddr_ip4);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;

  const auto& c = t.cpu;
  out << YAML::Key << "cpu" << YAML::Value << YAML::BeginMap;
  name(out, "policy", to_string(c.policy));
  number(out, "numa", c.numa);
  number(out, "vs_data_cores", c.vs_data_cores);
  text(out, "nf_data_cores", c.nf_data_cores.str());
  number(out, "nf_main_ratio", c.nf_main_ratio);
  number(out, "nf_data_ratio", c.nf_data_ratio);
  flag(out, "allow_overlap", c.allow_overlap);
  out << YAML::EndMap;

  out << YAML::Key << "traffic" << YAML::Value << YAML::BeginMap;
  name(out, "duration", std::to_string(t.traffic.duration.count()) + "ms");
  number(out, "frame_size", t.traffic.frame_size);
  number(out, "rate", t.traffic.rate_pps);
  out << YAML::EndMap;

  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace cnfctl::fuzz
