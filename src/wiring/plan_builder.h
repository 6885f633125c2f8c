// The internals of build_wiring_plan (wiring_plan.h), shared by the files that wire each
// topology family: plan_builder.cc (validation, DUTs, the order of the build), chain_links.cc
// (the snake kinds and pipeline_ip4), traffic_ends.cc (generator, sink and snake vswitch),
// ipsec_links.cc (chain_vswitch / chain_ipsec), plan_checks.cc (socket ownership, start order).
// Not part of the module's interface.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wiring/wiring_plan.h"

namespace cnfctl::wiring::detail {

inline constexpr const char* kWhere = "topology";
// sun_path holds 108 bytes including the terminating NUL.
inline constexpr std::size_t kMaxSocketPathLength = 107;
// The ip4 kinds put the socket id into an address octet (1.1.<sid>.1), sid = 2 * nf_id.
inline constexpr int kMaxIp4NfId = 127;
// chain_ipsec puts instance + 100 into an address octet.
inline constexpr int kMaxIpsecInstance = 155;
// The generator's flow in the ip4 kinds: in the networks the NFs route back (10.0.0.0/8) and
// forward (20.0.0.0/8), as CSIT's traffic profiles for chain_ip4 / pipeline_ip4.
inline constexpr const char* kFlowSrcIp4 = "10.0.0.1";
inline constexpr const char* kFlowDstIp4 = "20.0.0.1";

[[noreturn]] void bad_input(std::string what);
std::string dut_label(std::string_view dut);
bool is_snake_kind(TopologyKind kind);
bool is_vswitch_kind(TopologyKind kind);
std::string chain_mac(int id, int port);
std::string ipsec_mac(int octet, int instance);
// "a.b.c.d" -> "a.b.c" (CSIT's rsplit(".", 1)[0]); bad input unless `ip` is a dotted quad.
std::string ip4_base(const std::string& ip, std::string_view what);

// One DUT with its containers, NFs sorted by nf_id.
struct Dut {
  std::string name;
  int index = 1;
  const DutSpec* spec = nullptr;
  std::vector<std::pair<int, const NfPlacement*>> nfs;  // (nf_id, placement)
  const AuxContainer* vswitch = nullptr;
  const AuxContainer* generator = nullptr;
  const AuxContainer* sink = nullptr;
};

class PlanBuilder {
 public:
  explicit PlanBuilder(const WiringRequest& request) : request_(request) {}

  WiringPlan build();

 private:
  void validate_scalars() const;
  void resolve_duts();
  Dut& dut_of(const std::string& dut, const std::string& container);
  void place_aux(const std::vector<AuxContainer>& list, const AuxContainer* Dut::*slot,
                 std::string_view role);

  MemifLink link(std::string file, int socket_id, int interface_id, MemifRole role) const;
  ContainerWiring nf_entry(const Dut& dut, int id, const NfPlacement& nf) const;
  void add_chain_links(ContainerWiring& c, const Dut& dut, int nodes) const;
  void add_pipeline_links(ContainerWiring& c, const Dut& dut) const;
  void add_ipsec_links(ContainerWiring& c, const Dut& dut) const;
  /// The vswitch container of `dut` (name, role, DUT, rx queues), links still empty.
  ContainerWiring vswitch_entry(const Dut& dut) const;
  ContainerWiring ipsec_vswitch(const Dut& dut) const;
  ContainerWiring memif_port_vswitch(const Dut& dut) const;
  void add_bridged_instances(ContainerWiring& c, const Dut& dut) const;
  void add_port_ends(const Dut& dut, std::vector<ContainerWiring>& entries) const;
  void connect_traffic_ends(const Dut& dut, std::vector<ContainerWiring>& entries) const;

  const WiringRequest& request_;
  std::vector<Dut> duts_;
};

// Every socket file is created by exactly one container, and every slave's socket has a master
// in the plan. A clash (e.g. a container named "pipe" in pipeline_ip4) is bad input.
void check_sockets(const std::vector<ContainerWiring>& entries, const std::string& dut);
// start_stage = 1 + the highest stage of the servers a container is a client of.
void assign_start_stages(std::vector<ContainerWiring>& entries);

}  // namespace cnfctl::wiring::detail
