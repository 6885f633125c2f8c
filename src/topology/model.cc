#include "topology/model.h"

#include <fmt/format.h>

#include "topology/enum_names.h"

namespace cnfctl::topology {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

const SourceLocation& Locations::of(std::string_view key) const {
  const auto it = keys_.find(key);
  return it == keys_.end() ? self : it->second;
}

bool Locations::has(std::string_view key) const {
  return keys_.find(key) != keys_.end();
}

void Locations::set(std::string key, SourceLocation where) {
  keys_.insert_or_assign(std::move(key), std::move(where));
}

std::string ImageSpec::str() const {
  switch (kind) {
    case ImageKind::kHost:
      return "host";
    case ImageKind::kDirectory:
      return "dir:" + directory;
    case ImageKind::kNative:
      return reference;
  }
  return "?";
}

bool SshSpec::uses_sudo() const {
  return sudo == SudoMode::kAlways || (sudo == SudoMode::kAuto && user != "root");
}

std::string ContainerGroup::container_name(unsigned ordinal) const {
  return fmt::format("{}{}", prefix, ordinal);
}

std::string NfDataCores::str() const {
  return half ? "0.5" : fmt::format("{}", cores);
}

std::vector<ContainerInstance> expand_containers(const Topology& topology) {
  std::vector<ContainerInstance> out;
  std::map<std::string, unsigned, std::less<>> nfs_on_node;
  const unsigned per_chain = topology.topology.nodes_per_chain;
  for (std::size_t g = 0; g < topology.containers.size(); ++g) {
    const auto& group = topology.containers[g];
    for (unsigned ordinal = 1; ordinal <= group.count; ++ordinal) {
      ContainerInstance instance{group.container_name(ordinal), g, ordinal, std::nullopt};
      if (group.role == Role::kNf && topology.topology.wired() && per_chain > 0) {
        const unsigned index = nfs_on_node[group.node]++;
        NfPosition position;
        position.nf_chain = index / per_chain + 1;
        position.nf_node = index % per_chain + 1;
        position.nf_id = index + 1;
        instance.position = position;
      }
      out.push_back(std::move(instance));
    }
  }
  return out;
}

std::string_view to_string(EngineKind kind) {
  return name_in(kEngineKindNames, kind);
}
std::string_view to_string(OciRuntime runtime) {
  return name_in(kOciRuntimeNames, runtime);
}
std::string_view to_string(ImageKind kind) {
  return name_in(kImageKindNames, kind);
}
std::string_view to_string(NodeKind kind) {
  return name_in(kNodeKindNames, kind);
}
std::string_view to_string(SudoMode mode) {
  return name_in(kSudoModeNames, mode);
}
std::string_view to_string(NfKind kind) {
  return name_in(kNfKindNames, kind);
}
std::string_view to_string(ForwardMode mode) {
  return name_in(kForwardModeNames, mode);
}
std::string_view to_string(NginxMode mode) {
  return name_in(kNginxModeNames, mode);
}
std::string_view to_string(TrafficgenMode mode) {
  return name_in(kTrafficgenModeNames, mode);
}
std::string_view to_string(Role role) {
  return name_in(kRoleNames, role);
}
std::string_view to_string(Protocol protocol) {
  return name_in(kProtocolNames, protocol);
}
std::string_view to_string(TopologyKind kind) {
  return name_in(kTopologyKindNames, kind);
}
std::string_view to_string(RxMode mode) {
  return name_in(kRxModeNames, mode);
}
std::string_view to_string(CpuPolicy policy) {
  return name_in(kCpuPolicyNames, policy);
}

}  // namespace cnfctl::topology
