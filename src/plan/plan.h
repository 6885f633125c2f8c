// The plan: everything `up` will do, derived from a validated topology without touching any
// machine (SPEC §3, §11: file → model → plan → actions → journal).
//
// build_plan() combines the model, each node's CPU facts, CSIT's CPU placement, the wiring plan
// and the NF renderers into one PlannedContainer per container. `plan` prints it; `up` executes
// it and never re-derives any of it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cpu/machine.h"
#include "nf/planned_container.h"
#include "plan/nf_checks.h"
#include "topology/model.h"
#include "wiring/wiring_plan.h"

namespace cnfctl::plan {

// The container types live with the NF drivers that consume them (nf/planned_container.h).
using nf::HttpEndpoint;
using nf::NfLaunch;
using nf::NfStdin;
using nf::PlannedContainer;
using nf::PlannedFile;
using nf::PlannedMount;
using nf::PlannedVeth;
using nf::VppSockets;

struct PlannedNode {
  std::string name;
  topology::NodeKind type = topology::NodeKind::kLocal;
  std::string address;      // "local" or "user@host:port"
  bool sudo = false;        // commands are run through `sudo -n`
  std::string cpu_facts;    // where the CPU facts come from: "sysfs", "lscpu text in the file"
  std::string cpu_summary;  // e.g. "2 cpus, 2 cores, 1 socket, NUMA 0, SMT off"; "" unknown
  // Gathered from the node itself (empty when it was not reached: `plan --offline`).
  std::string kernel;         // "6.1.0-18-amd64"
  std::string cgroup_layout;  // "v2", "hybrid", "v1"
  std::string tools;          // engines and NF programs found: "runc 1.1.5, dpdk-testpmd, ..."
};

struct Plan {
  std::string run;
  std::string source;
  topology::TopologyKind kind = topology::TopologyKind::kNone;
  unsigned chains = 0;
  unsigned nodes_per_chain = 0;
  topology::CpuPolicy cpu_policy = topology::CpuPolicy::kAuto;
  std::string host_socket_dir;   // memif sockets of this run, on every node
  std::string guest_socket_dir;  // where that dir appears inside every container
  topology::TrafficSpec traffic;
  std::vector<PlannedNode> nodes;
  std::vector<PlannedContainer> containers;  // start order: by start stage, then file order
  std::vector<std::string> warnings;

  const PlannedContainer* find(const std::string& name) const;
};

/// Returns the CPU facts of a node, or nullopt when they are unknown without reaching it.
using MachineFacts = std::function<std::optional<cpu::Machine>(const topology::Node&)>;

/// The default facts: a node's `lscpu:` text when given, else this host's sysfs for a local
/// node, else unknown.
std::optional<cpu::Machine> default_machine_facts(const topology::Node& node);

struct PlanOptions {
  std::string run_name;  // empty: the topology's name
  MachineFacts machine_facts = default_machine_facts;
  /// Whether a file exists on a node (VPP's plugins); default_file_facts reads local nodes only.
  FileFacts file_facts = default_file_facts;
  /// A VPP install prefix (`--vpp-prefix`, CNFCTL_VPP_PREFIX) replacing every VPP NF's binary
  /// and vppctl by <prefix>/bin/vpp and <prefix>/bin/vppctl; empty: as the file says.
  std::string vpp_prefix;
};

/// Builds the plan. Pure apart from reading CPU facts through `options.machine_facts`.
/// Throws Error::bad_input (located in the topology file where possible) when the plan is
/// impossible: CPU requests the node cannot satisfy, pinned CPUs the node does not have,
/// unknown CPU facts for a node that needs them, names too long for socket paths, wiring
/// inconsistencies.
Plan build_plan(const topology::Topology& topology, const PlanOptions& options = {});

}  // namespace cnfctl::plan
