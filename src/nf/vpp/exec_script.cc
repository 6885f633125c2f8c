#include "nf/vpp/exec_script.h"

#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace cnfctl::vpp {

namespace {

using wiring::ContainerRole;
using wiring::ContainerWiring;
using wiring::MemifLink;
using wiring::TopologyKind;

// VPP names a memif interface memif<socket-id>/<interface-id>.
std::string interface_name(const MemifLink& l) {
  return fmt::format("memif{}/{}", l.socket_id, l.interface_id);
}

// "1.2.3.4/24" -> "1.2.3.4".
std::string address_of(const std::string& ip4) {
  return ip4.substr(0, ip4.find('/'));
}

Error wiring_error(const ContainerWiring& c, std::string what) {
  Error e(std::move(what));
  e.at("container " + c.name);
  return e;
}

void require_links(const ContainerWiring& c, std::size_t count, TopologyKind kind) {
  if (c.links.size() != count) {
    throw wiring_error(c, fmt::format("{} needs {} memif links, the wiring has {}",
                                      wiring::to_string(kind), count, c.links.size()));
  }
}

void add_link_vars(TemplateVars& vars, const MemifLink& l, int n) {
  vars[fmt::format("mid{}", n)] = std::to_string(l.interface_id);
  vars[fmt::format("sid{}", n)] = std::to_string(l.socket_id);
  vars[fmt::format("socket{}", n)] = l.guest_socket_path;
}

// The ip4 kinds: own MACs, the neighbours' MACs, and the memif roles (pipeline_ip4).
void add_ip4_vars(TemplateVars& vars, const ContainerWiring& c) {
  for (int n = 1; n <= 2; ++n) {
    const MemifLink& l = c.links[static_cast<std::size_t>(n - 1)];
    vars[fmt::format("mac{}", n)] = l.mac;
    vars[fmt::format("vif{}_mac", n)] = l.neighbor_mac;
    vars[fmt::format("role{}", n)] = std::string(wiring::to_string(l.role));
  }
}

// CSIT's `instances` block of the vswitch: per NF instance, its interface on each socket bridged
// into that socket's bridge domain, then the static neighbours.
std::string vswitch_instances(const ContainerWiring& c) {
  std::string text;
  for (int instance : c.bridged_instances) {
    std::string block;
    std::string neighbours;
    for (const MemifLink& l : c.links) {
      if (l.interface_id != instance || l.nic_port) continue;
      const std::string name = interface_name(l);
      block += fmt::format("create interface memif id {} socket-id {} {}\n", l.interface_id,
                           l.socket_id, wiring::to_string(l.role));
      block += fmt::format("set interface state {} up\n", name);
      block += fmt::format("set interface l2 bridge {} {}\n", name, l.bridge_domain);
      if (!l.neighbor_ip4.empty()) {
        neighbours +=
            fmt::format("set ip neighbor {} {} {} static\n", name, l.neighbor_ip4, l.neighbor_mac);
      }
    }
    if (!text.empty()) text += "\n\n";
    text += block + neighbours + "\n";
  }
  return text;
}

// The vswitch's memif ports where CSIT has NICs (wiring::WiringRequest::memif_ports): created
// right after the template's two sockets, so they exist when the template bridges them. Returns
// the lines and sets the red (bridge domain 1) and black (2) interface names.
std::string memif_ports(const ContainerWiring& c, std::string& red, std::string& black) {
  std::string lines;
  for (const MemifLink& l : c.links) {
    if (!l.nic_port) continue;
    lines +=
        fmt::format("\ncreate memif socket id {} filename {}", l.socket_id, l.guest_socket_path);
    lines += fmt::format("\ncreate interface memif id {} socket-id {} {}", l.interface_id,
                         l.socket_id, wiring::to_string(l.role));
    (l.bridge_domain == 1 ? red : black) = interface_name(l);
  }
  return lines;
}

TemplateVars vswitch_vars(const ContainerWiring& c) {
  std::string red;
  std::string black;
  const std::string ports = c.physical.empty() ? memif_ports(c, red, black) : "";
  const bool memif_nics = !red.empty() && !black.empty();
  if (!memif_nics && c.physical.size() != 2) {
    throw wiring_error(c, fmt::format("the vswitch needs 2 physical interfaces or 2 memif ports, "
                                      "the wiring has {}",
                                      c.physical.size()));
  }
  const MemifLink* sockets[2] = {nullptr, nullptr};
  for (const MemifLink& l : c.links) {
    if (l.socket_id == 1 || l.socket_id == 2) {
      const MemifLink*& slot = sockets[l.socket_id - 1];
      if (slot == nullptr) slot = &l;
    }
  }
  if (sockets[0] == nullptr || sockets[1] == nullptr) {
    throw wiring_error(c, "the vswitch needs memif links on sockets 1 and 2");
  }
  if (!memif_nics) {
    red = c.physical[0].name;
    black = c.physical[1].name;
  }
  return TemplateVars{
      {"socket1", sockets[0]->guest_socket_path},
      {"socket2", sockets[1]->guest_socket_path + ports},
      {"if_red_name", red},
      {"if_black_name", black},
      {"instances", vswitch_instances(c)},
  };
}

// The vswitch of the snake kinds (cnfctl's, where CSIT runs VPP on the host): every link a
// memif on its own socket, ports 2k and 2k+1 cross-connected (generator -> NF1 in, NF1 out ->
// NF2 in, ..., NFn out -> sink), the snake testpmd's --port-topology=paired makes.
TemplateVars snake_vswitch_vars(const ContainerWiring& c) {
  if (c.links.empty() || c.links.size() % 2 != 0) {
    throw wiring_error(c, fmt::format("the vswitch needs an even number of memif links, the "
                                      "wiring has {}",
                                      c.links.size()));
  }
  std::string sockets;
  std::string interfaces;
  std::string xconnects;
  for (const MemifLink& l : c.links) {
    sockets +=
        fmt::format("create memif socket id {} filename {}\n", l.socket_id, l.guest_socket_path);
    interfaces += fmt::format("create interface memif id {} socket-id {} {}\n", l.interface_id,
                              l.socket_id, wiring::to_string(l.role));
    interfaces += fmt::format("set interface state {} up\n", interface_name(l));
  }
  for (std::size_t k = 0; k + 1 < c.links.size(); k += 2) {
    const std::string a = interface_name(c.links[k]);
    const std::string b = interface_name(c.links[k + 1]);
    xconnects += fmt::format("set interface l2 xconnect {} {}\n", a, b);
    xconnects += fmt::format("set interface l2 xconnect {} {}\n", b, a);
  }
  return TemplateVars{{"sockets", sockets}, {"interfaces", interfaces}, {"xconnects", xconnects}};
}

// The tunnel CSIT's ipsec_create_tunnel_cnf_DUT<n>_<i>.config creates, in the CLI of VPP today:
// CSIT wrote `create ipsec tunnel`, which VPP no longer has (and `create ipip tunnel` needs the
// ipip plugin); an ipsec interface protected by two tunnel-mode SAs is its successor. Keys as
// CSIT: the same for both directions; aes-gcm-128 (VPP's native or openssl crypto engine).
std::string ipsec_tunnel_exec(const ContainerWiring& c) {
  const auto& t = *c.tunnel;
  require_links(c, 2, TopologyKind::kChainIpsec);
  const std::string itf = fmt::format("ipsec{}", t.instance);
  std::string text = "\n";
  text += fmt::format(
      "ipsec sa add {} spi {} esp crypto-alg aes-gcm-128 crypto-key {} salt 0x0 tunnel src {} "
      "dst {}\n",
      t.sa_out, t.sa_out, t.crypto_key, t.local_ip, t.remote_ip);
  text += fmt::format(
      "ipsec sa add {} spi {} esp crypto-alg aes-gcm-128 crypto-key {} salt 0x0 tunnel src {} "
      "dst {}\n",
      t.sa_in, t.sa_in, t.crypto_key, t.remote_ip, t.local_ip);
  text += fmt::format("ipsec itf create instance {}\n", t.instance);
  text += fmt::format("ipsec tunnel protect {} sa-in {} sa-out {}\n", itf, t.sa_in, t.sa_out);
  text += fmt::format("set interface unnumbered {} use {}\n", itf, interface_name(c.links[0]));
  text += fmt::format("set interface state {} up\n", itf);
  text += fmt::format("ip route add {}/8 via {}\n", t.tunnel_network, itf);
  return text;
}

TemplateVars ipsec_vars(const ContainerWiring& c) {
  require_links(c, 2, TopologyKind::kChainIpsec);
  if (!c.tunnel) throw wiring_error(c, "chain_ipsec needs the NF's tunnel parameters");
  TemplateVars vars;
  add_link_vars(vars, c.links[0], 1);
  add_link_vars(vars, c.links[1], 2);
  vars["mac1"] = c.links[0].mac;
  vars["mac2"] = c.links[1].mac;
  // The template's names: the TG port behind memif 2 (the seed passed tg_pf2_* instead).
  vars["tg_if2_ip4"] = c.links[1].neighbor_ip4;
  vars["tg_if2_mac"] = c.links[1].neighbor_mac;
  vars["raddr_ip4"] = c.tunnel->routed_network;
  vars["tnl_local_ip"] = c.tunnel->local_ip;
  vars["tnl_remote_ip"] = c.tunnel->remote_ip;
  vars["tnl_remote_mac"] = c.tunnel->remote_mac;
  vars["remote_ip"] = address_of(c.links[1].ip4);
  return vars;
}

}  // namespace

std::string_view exec_template_name(TopologyKind kind, ContainerRole role) {
  const bool vswitch_kind =
      kind == TopologyKind::kChainVswitch || kind == TopologyKind::kChainIpsec;
  if (role == ContainerRole::kVswitch && vswitch_kind)
    return "memif_create_chain_vswitch_ipsec.exec";
  if (role == ContainerRole::kVswitch && kind != TopologyKind::kCrossHoriz) {
    return "memif_create_vswitch_l2xc.exec";
  }
  if (role != ContainerRole::kNf) {
    throw Error::bad_input(
        "vpp", fmt::format("no VPP exec template for a {} container in topology {} (use testpmd)",
                           wiring::to_string(role), wiring::to_string(kind)));
  }
  switch (kind) {
    case TopologyKind::kChain:
      return "memif_create_chain_l2xc.exec";
    case TopologyKind::kChainFunctional:
      return "memif_create_chain_functional.exec";
    case TopologyKind::kChainIp4:
      return "memif_create_chain_ip4.exec";
    case TopologyKind::kPipelineIp4:
      return "memif_create_pipeline_ip4.exec";
    case TopologyKind::kCrossHoriz:
      return "memif_create_cross_horizon.exec";
    case TopologyKind::kChainVswitch:
    case TopologyKind::kChainIpsec:
      return "memif_create_chain_ipsec.exec";
    case TopologyKind::kChainDma:
      return "memif_create_chain_dma.exec";
  }
  throw Error("unknown topology kind");
}

TemplateVars exec_template_vars(TopologyKind kind, const ContainerWiring& c) {
  if (c.role == ContainerRole::kVswitch) {
    exec_template_name(kind, c.role);  // throws for cross_horiz
    if (kind == TopologyKind::kChainVswitch || kind == TopologyKind::kChainIpsec) {
      return vswitch_vars(c);
    }
    return snake_vswitch_vars(c);
  }
  TemplateVars vars;
  switch (kind) {
    case TopologyKind::kChain:
    case TopologyKind::kChainFunctional:
    case TopologyKind::kChainDma:
    case TopologyKind::kChainIp4:
    case TopologyKind::kPipelineIp4:
      require_links(c, 2, kind);
      add_link_vars(vars, c.links[0], 1);
      add_link_vars(vars, c.links[1], 2);
      if (kind == TopologyKind::kChainFunctional) {
        vars["rx_mode"] = c.links[0].rx_mode.empty() ? "polling" : c.links[0].rx_mode;
      }
      if (kind == TopologyKind::kChainIp4 || kind == TopologyKind::kPipelineIp4) {
        add_ip4_vars(vars, c);
      }
      return vars;
    case TopologyKind::kCrossHoriz:
      require_links(c, 1, kind);
      if (c.physical.empty()) throw wiring_error(c, "cross_horiz needs a physical interface");
      add_link_vars(vars, c.links[0], 1);
      vars["if_name"] = c.physical[0].name;
      return vars;
    case TopologyKind::kChainVswitch:
    case TopologyKind::kChainIpsec:
      return ipsec_vars(c);
  }
  throw Error("unknown topology kind");
}

ExecScript render_exec_script(TopologyKind kind, const ContainerWiring& c) {
  ExecScript script;
  try {
    script.template_name = std::string(exec_template_name(kind, c.role));
  } catch (Error& e) {
    e.at("container " + c.name);
    throw;
  }
  script.text = render_template(exec_template(script.template_name), exec_template_vars(kind, c));
  if (c.tunnel && c.role == ContainerRole::kNf) {
    if (c.tunnel->crypto_key.empty()) {
      script.append_guest_file = c.tunnel->config_guest_path;
    } else {
      script.text += ipsec_tunnel_exec(c);
    }
  }
  return script;
}

ExecScript render_exec_script(const wiring::WiringPlan& plan, std::string_view container) {
  return render_exec_script(plan.kind, plan.at(container));
}

std::string_view exec_template(std::string_view file_name) {
  for (const auto& t : detail::embedded_exec_templates()) {
    if (t.name == file_name) return t.text;
  }
  throw Error(fmt::format("no embedded VPP exec template '{}'", file_name));
}

std::vector<std::string_view> exec_template_names() {
  std::vector<std::string_view> names;
  for (const auto& t : detail::embedded_exec_templates()) names.push_back(t.name);
  return names;
}

}  // namespace cnfctl::vpp
