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
#include "topology/model.h"
#include "wiring/wiring_plan.h"

namespace cnfctl::plan {

struct PlannedMount {
  std::string host;
  std::string guest;
  bool read_only = false;
};

/// A file the NF needs inside its container, written as bytes before the NF starts.
struct PlannedFile {
  std::string guest_path;
  std::string content;
};

/// An HTTP resource the NF serves (nginx: the fixed-size response), for the readiness probe
/// and load generators.
struct HttpEndpoint {
  int port = 0;               // on the node: the listen port (host network) or its published port
  std::string path;           // "/64B"
  std::size_t body_size = 0;  // bytes of the response body
  std::string host = "127.0.0.1";  // the address the node connects to (VPP's veth address: LDP)
  bool keep_alive = true;          // false: one request per connection (cps, `Connection: close`)
};

/// A veth pair cnfctl makes on the node for a VPP NF (`veth:`): the host end has an address, VPP
/// opens the other end as an af_packet interface (`host-<vpp_if>`). Made before any container
/// starts, removed by `down` and rollback.
struct PlannedVeth {
  std::string host_if;   // the node's end, e.g. "cnfh-1a2b3c4d" (at most 15 characters)
  std::string vpp_if;    // VPP's end, "cnfv-1a2b3c4d"
  std::string host_ip4;  // "198.51.100.1/24"
  std::string vpp_ip4;   // "198.51.100.2/24"
};

/// How the NF is started and recognised as ready.
struct NfLaunch {
  topology::NfKind kind = topology::NfKind::kCommand;
  std::vector<std::string> argv;  // run inside the container
  std::map<std::string, std::string> env;
  std::vector<PlannedFile> files;
  std::optional<std::vector<std::string>> probe;  // command NFs: ready when this exits 0
  std::string readiness;                          // what "ready" means for this NF, for humans
  std::optional<HttpEndpoint> http;               // nginx
};

/// VPP's sockets: host paths (what cnfctl connects to) and where VPP creates them in the guest.
struct VppSockets {
  std::string host_dir;
  std::string guest_dir;
  std::string api;    // host path of the binary-API socket (socksvr)
  std::string cli;    // host path of the CLI socket
  std::string stats;  // host path of the stats segment socket
};

struct PlannedContainer {
  std::string name;  // as in the topology file: <prefix><n>
  std::string id;    // the engine's name for it: <run>-<name>, unique on the node
  std::string node;
  topology::EngineKind engine = topology::EngineKind::kOci;
  topology::OciRuntime runtime = topology::OciRuntime::kRunc;
  topology::ImageSpec image;
  topology::Role role = topology::Role::kNf;
  std::optional<topology::NfPosition> position;  // role nf in a wired topology

  std::vector<int> cpus;  // the cpuset; empty: not pinned
  std::optional<int> main_cpu;
  std::vector<int> workers;
  std::vector<int> mems;  // NUMA nodes of `cpus`

  std::vector<PlannedMount> mounts;
  std::vector<std::pair<std::string, std::string>> env;  // MICROSERVICE_LABEL first
  std::vector<topology::PortMapping> ports;
  bool privileged = true;
  /// Shares the node's network namespace (nginx, so load generators on the node reach it);
  /// every other NF talks only over memif and gets no network.
  bool host_network = false;

  std::optional<VppSockets> vpp_sockets;
  std::optional<std::string> dpdk_runtime_dir;  // testpmd: /var/run/dpdk/<id>, on the host too
  std::optional<PlannedVeth> veth;              // VPP with `veth:` (af_packet on a host veth)
  std::vector<wiring::MemifLink> links;
  int start_stage = 0;  // servers (stage 0) start and are verified before their clients

  NfLaunch nf;
};

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
  topology::CpuPolicy cpu_policy = topology::CpuPolicy::kCsit;
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
};

/// Builds the plan. Pure apart from reading CPU facts through `options.machine_facts`.
/// Throws Error::bad_input (located in the topology file where possible) when the plan is
/// impossible: CPU requests the node cannot satisfy, pinned CPUs the node does not have,
/// unknown CPU facts for a node that needs them, names too long for socket paths, wiring
/// inconsistencies.
Plan build_plan(const topology::Topology& topology, const PlanOptions& options = {});

}  // namespace cnfctl::plan
