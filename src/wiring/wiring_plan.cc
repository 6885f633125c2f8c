#include "wiring/wiring_plan.h"

#include <fmt/format.h>

#include "common/error.h"
#include "wiring/plan_builder.h"

namespace cnfctl::wiring {

std::string_view to_string(TopologyKind kind) {
  switch (kind) {
    case TopologyKind::kChain:
      return "chain";
    case TopologyKind::kChainFunctional:
      return "chain_functional";
    case TopologyKind::kChainIp4:
      return "chain_ip4";
    case TopologyKind::kPipelineIp4:
      return "pipeline_ip4";
    case TopologyKind::kCrossHoriz:
      return "cross_horiz";
    case TopologyKind::kChainVswitch:
      return "chain_vswitch";
    case TopologyKind::kChainIpsec:
      return "chain_ipsec";
    case TopologyKind::kChainDma:
      return "chain_dma";
  }
  return "?";
}

std::optional<TopologyKind> parse_topology_kind(std::string_view name) {
  for (TopologyKind kind : kAllTopologyKinds) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(ContainerRole role) {
  switch (role) {
    case ContainerRole::kNf:
      return "nf";
    case ContainerRole::kVswitch:
      return "vswitch";
    case ContainerRole::kGenerator:
      return "generator";
    case ContainerRole::kSink:
      return "sink";
  }
  return "?";
}

std::string_view to_string(MemifRole role) {
  return role == MemifRole::kMaster ? "master" : "slave";
}

const ContainerWiring* WiringPlan::find(std::string_view name) const {
  for (const auto& c : containers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const ContainerWiring& WiringPlan::at(std::string_view name) const {
  if (const auto* c = find(name)) return *c;
  throw Error(fmt::format("the wiring plan has no container '{}'", name));
}

WiringPlan build_wiring_plan(const WiringRequest& request) {
  return detail::PlanBuilder(request).build();
}

std::string join_socket_path(std::string_view dir, std::string_view file) {
  std::string out;
  out.reserve(dir.size() + file.size() + 1);
  for (char c : dir) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out += c;
  }
  if (out.empty() || out.back() != '/') out += '/';
  std::size_t skip = 0;
  while (skip < file.size() && file[skip] == '/') ++skip;
  out.append(file.substr(skip));
  return out;
}

}  // namespace cnfctl::wiring
