// What one container of a plan is, as the NF drivers see it: where it runs, how the NF is
// started and recognised as ready, its sockets and memif links. Defined here, below src/plan,
// because the drivers (src/nf) need it and must not include the plan; plan/plan.h builds these
// and names them nf::PlannedContainer etc.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "topology/model.h"
#include "wiring/wiring_plan.h"

namespace cnfctl::nf {

struct PlannedMount {
  std::string host;
  std::string guest;
  bool read_only = false;
  /// A user mount written with `create: true`: the run makes `host` when it is missing.
  bool create = false;
  /// Written in the topology file (a user mount); false: one of cnfctl's own (memif socket
  /// dir, VPP socket dir, DPDK runtime dir), which the run makes itself.
  bool user = false;
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

/// What an NF reads on its standard input.
enum class NfStdin {
  kNull,  // /dev/null: end of file at once
  /// An empty pipe that stays open: no data and no end of file while the NF lives. For a
  /// program that runs until its stdin ends, and whose wait for that ends on SIGTERM at once:
  /// testpmd without -i ("Press enter to exit"; testpmd_args.h).
  kHeldOpen,
};

/// How the NF is started and recognised as ready.
struct NfLaunch {
  topology::NfKind kind = topology::NfKind::kCommand;
  std::vector<std::string> argv;  // run inside the container
  std::map<std::string, std::string> env;
  NfStdin stdin_kind = NfStdin::kNull;
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

}  // namespace cnfctl::nf
