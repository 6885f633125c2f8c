// The internals of build_plan (plan.h), shared by the files that make the plan: plan.cc (the
// plan's structure: nodes, CPU facts and placement, wiring, each container's id, mounts, links
// and cpus, the start order) and the files that render what each NF kind runs from that
// structure: render_nf.cc (by kind; command NFs), render_vpp.cc, render_nginx.cc,
// render_testpmd.cc, render_trafficgen.cc. Not part of the module's interface.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cpu/machine.h"
#include "cpu/placement.h"
#include "plan/plan.h"
#include "topology/model.h"
#include "wiring/wiring_plan.h"

namespace cnfctl::plan::detail {

// Where VPP's sockets live inside a VPP container (CSIT's layout): mounted there from the node,
// named there in startup.conf.
inline constexpr const char* kVppGuestSocketDir = "/run/vpp";

// Everything that needs a node's CPU facts, computed once per node.
struct NodeCpus {
  std::optional<cpu::Machine> machine;
  std::optional<cpu::CpuPlacement> placement;
};

// Builds one Plan: build_plan() calls run() once and takes `plan`.
struct Builder {
  const topology::Topology& topo;
  const PlanOptions& options;
  Plan plan;
  std::vector<topology::ContainerInstance> instances;
  std::map<std::string, NodeCpus> node_cpus;
  std::optional<wiring::WiringPlan> wiring;

  const topology::ContainerGroup& group_of(const topology::ContainerInstance& i) const {
    return topo.containers.at(i.group);
  }

  // --- the plan's structure (plan.cc) ---------------------------------------------------------

  void run();
  void plan_nodes();
  // The CPU facts of a node; bad input when they are unknown (`why` says what needs them).
  const cpu::Machine& machine_of(const std::string& node_name, const std::string& why);
  // CSIT's placement for the role-nf containers of one node.
  const cpu::CpuPlacement& placement_of(const std::string& node_name);
  int nf_count_on(const std::string& node_name) const;
  void plan_wiring();
  void assign_cpus(PlannedContainer& c, const topology::ContainerGroup& group,
                   const topology::ContainerInstance& instance);
  int nf_index_on_node(const topology::ContainerInstance& instance) const;
  PlannedContainer plan_container(const topology::ContainerInstance& instance);
  // Bad input at the group's prefix when `path` is too long for a Unix socket.
  void require_socket_path(const std::string& path, const topology::ContainerGroup& group) const;
  void mark_shared_cores_and_render();
  // The first cpu of a node (the lcore of an NF placed on no cpu).
  int first_cpu_of(const std::string& node_name);
  // The group of the container called `container`; bad input when there is none.
  const topology::ContainerGroup& group_named(const std::string& container) const;
  // An LD_PRELOADed nginx attaches to its VPP's app socket, which no memif link says: it starts
  // a stage after that VPP, whatever assign_start_stages made of the links.
  void order_ldp_after_vpp();

  // --- what each NF kind runs: its argv, files, readiness (render_*.cc) -----------------------

  // By the NF's kind; `cores_shared`: another busy-polling NF shares one of its cpus.
  void render_nf(PlannedContainer& c, const topology::ContainerGroup& group, bool cores_shared);
  void render_testpmd(PlannedContainer& c, const topology::ContainerGroup& group,
                      bool cores_shared);
  // The container of `role` on the DUT of `self` whose NF is trafficgen in `mode`, or nullptr.
  const wiring::ContainerWiring* trafficgen_peer(const wiring::ContainerWiring& self,
                                                 wiring::ContainerRole role,
                                                 topology::TrafficgenMode mode) const;
  void render_trafficgen(PlannedContainer& c, const topology::ContainerGroup& group,
                         bool cores_shared);
  void render_vpp(PlannedContainer& c, const topology::ContainerGroup& group);
  // `--vpp-prefix` names a VPP tree on the node, e.g. a build, which may sit where container `c`
  // does not see the node's files (under /tmp, or outside what docker's host image binds): then
  // the tree is bind-mounted read-only at the same path, so `path` (in it) is found inside.
  void mount_vpp_prefix_if_hidden(PlannedContainer& c, const std::string& path) const;
  // `program` of a VPP NF, or <vpp_prefix>/bin/<name> when a prefix replaces it.
  std::string vpp_program(const std::string& program, const std::string& name) const;
  // Whether an LD_PRELOADed nginx uses the host stack of VPP container `name`.
  bool serves_ldp(const std::string& name) const;
  void render_nginx(PlannedContainer& c, const topology::ContainerGroup& group);
  // nginx LD_PRELOADed with VCL, attached to its VPP's host stack through the app socket in the
  // VPP's socket dir (bind-mounted read-only), served on VPP's veth address. It starts after VPP.
  void render_nginx_ldp(PlannedContainer& c, const topology::NginxOptions& o);
};

}  // namespace cnfctl::plan::detail
