// The spelling of every model enum in topology files: one table per enum, used both to parse
// (loader) and to print (to_string), so the two cannot drift apart.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "topology/model.h"

namespace cnfctl::topology {

/// One spelling of an enum value.
template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

// clang-format off
inline constexpr std::array<EnumName<EngineKind>, 4> kEngineKindNames{{
    {"oci", EngineKind::kOci}, {"lxc", EngineKind::kLxc}, {"docker", EngineKind::kDocker},
    {"podman", EngineKind::kPodman}}};
inline constexpr std::array<EnumName<OciRuntime>, 2> kOciRuntimeNames{{
    {"runc", OciRuntime::kRunc}, {"crun", OciRuntime::kCrun}}};
inline constexpr std::array<EnumName<ImageKind>, 3> kImageKindNames{{
    {"host", ImageKind::kHost}, {"dir", ImageKind::kDirectory}, {"native", ImageKind::kNative}}};
inline constexpr std::array<EnumName<NodeKind>, 2> kNodeKindNames{{
    {"local", NodeKind::kLocal}, {"ssh", NodeKind::kSsh}}};
inline constexpr std::array<EnumName<SudoMode>, 3> kSudoModeNames{{
    {"auto", SudoMode::kAuto}, {"true", SudoMode::kAlways}, {"false", SudoMode::kNever}}};
inline constexpr std::array<EnumName<NfKind>, 5> kNfKindNames{{
    {"testpmd", NfKind::kTestpmd}, {"vpp", NfKind::kVpp}, {"nginx", NfKind::kNginx},
    {"command", NfKind::kCommand}, {"trafficgen", NfKind::kTrafficgen}}};
inline constexpr std::array<EnumName<TrafficgenMode>, 3> kTrafficgenModeNames{{
    {"gen", TrafficgenMode::kGen}, {"forward", TrafficgenMode::kForward},
    {"sink", TrafficgenMode::kSink}}};
inline constexpr std::array<EnumName<ForwardMode>, 5> kForwardModeNames{{
    {"io", ForwardMode::kIo}, {"mac", ForwardMode::kMac}, {"txonly", ForwardMode::kTxonly},
    {"rxonly", ForwardMode::kRxonly}, {"macswap", ForwardMode::kMacswap}}};
inline constexpr std::array<EnumName<NginxMode>, 2> kNginxModeNames{{
    {"rps", NginxMode::kRps}, {"cps", NginxMode::kCps}}};
inline constexpr std::array<EnumName<Role>, 4> kRoleNames{{
    {"nf", Role::kNf}, {"vswitch", Role::kVswitch}, {"generator", Role::kGenerator},
    {"sink", Role::kSink}}};
inline constexpr std::array<EnumName<Protocol>, 2> kProtocolNames{{
    {"tcp", Protocol::kTcp}, {"udp", Protocol::kUdp}}};
inline constexpr std::array<EnumName<TopologyKind>, 9> kTopologyKindNames{{
    {"none", TopologyKind::kNone}, {"chain", TopologyKind::kChain},
    {"chain_functional", TopologyKind::kChainFunctional}, {"chain_ip4", TopologyKind::kChainIp4},
    {"pipeline_ip4", TopologyKind::kPipelineIp4}, {"cross_horiz", TopologyKind::kCrossHoriz},
    {"chain_vswitch", TopologyKind::kChainVswitch}, {"chain_ipsec", TopologyKind::kChainIpsec},
    {"chain_dma", TopologyKind::kChainDma}}};
inline constexpr std::array<EnumName<RxMode>, 3> kRxModeNames{{
    {"interrupt", RxMode::kInterrupt}, {"polling", RxMode::kPolling},
    {"adaptive", RxMode::kAdaptive}}};
inline constexpr std::array<EnumName<PortKind>, 2> kPortKindNames{{
    {"nic", PortKind::kNic}, {"memif", PortKind::kMemif}}};
inline constexpr std::array<EnumName<CpuPolicy>, 4> kCpuPolicyNames{{
    {"auto", CpuPolicy::kAuto}, {"csit", CpuPolicy::kCsit}, {"shared", CpuPolicy::kShared},
    {"none", CpuPolicy::kNone}}};
// clang-format on

/// The spelling of `value` in `table` ("?" if absent, which would be a bug in the table).
template <class E, std::size_t N>
constexpr std::string_view name_in(const std::array<EnumName<E>, N>& table, E value) {
  for (const auto& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

/// The value spelled `name` in `table`.
template <class E, std::size_t N>
constexpr std::optional<E> value_in(const std::array<EnumName<E>, N>& table,
                                    std::string_view name) {
  for (const auto& entry : table) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

/// All spellings of `table`, in table order.
template <class E, std::size_t N>
std::vector<std::string_view> names_in(const std::array<EnumName<E>, N>& table) {
  std::vector<std::string_view> names;
  for (const auto& entry : table) names.push_back(entry.name);
  return names;
}

}  // namespace cnfctl::topology
