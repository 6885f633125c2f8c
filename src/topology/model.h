// The validated, typed model of a topology file (docs/topology-format.md).
//
// A Topology is produced only by the loader (topology/loader.h), which checks every value, so
// later stages can rely on it: names are safe, paths are absolute and clean, node references
// resolve, container names are unique, the topology kind's requirements hold. What the loader
// cannot know without a machine (CPUs that exist, free cores) is the plan builder's to check; it
// points its errors at the Locations kept here. Field names are the YAML keys.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cnfctl::topology {

/// A position in a topology file, 1-based.
struct SourceLocation {
  std::string file;
  int line = 0;  // 0: unknown (only the file is printed)
  int column = 0;

  /// "file:line:col", or "file" when the line is unknown: the `where` of Error::bad_input.
  std::string str() const;
};

/// Where a mapping and each of its keys' values were written, for errors found after loading
/// ("topo.yaml:31:18: nf_data_cores: 2 data cores per NF need 14 CPUs on numa 0, it has 8").
class Locations {
 public:
  /// The mapping itself; when the section was absent, the place it was defaulted from.
  SourceLocation self;

  /// Where the value of `key` was written, or `self` when the key was not written (defaulted).
  const SourceLocation& of(std::string_view key) const;
  /// Whether `key` was written in the file.
  bool has(std::string_view key) const;
  /// Records where `key`'s value was written (used by the loader).
  void set(std::string key, SourceLocation where);

 private:
  std::map<std::string, SourceLocation, std::less<>> keys_;
};

// --- engine and image ---------------------------------------------------------------------

/// The container technology of a node.
enum class EngineKind { kOci, kLxc, kDocker, kPodman };
/// The OCI runtime binary driven by the oci engine (and passed to podman as --runtime).
enum class OciRuntime { kRunc, kCrun };

/// `engine:` (top level, or per node).
struct EngineSpec {
  EngineKind kind = EngineKind::kOci;
  /// oci and podman only; runc by default (crun needs a cgroup fix on hybrid hosts).
  OciRuntime runtime = OciRuntime::kRunc;
  /// docker and podman only: the daemon / service URL, "unix:///abs/path" or "tcp://host:port".
  /// Empty: the engine's default (the engine module may start a private daemon).
  std::optional<std::string> host;
  Locations where;
};

/// Where a container's root filesystem comes from.
enum class ImageKind {
  kHost,       // `host`: the node's own / as a read-only lower layer, private upper layer
  kDirectory,  // `dir:/abs/path`: a root filesystem directory on the node
  kNative,     // an engine-native image reference (docker, podman, lxc)
};

/// `image:` (top level, or per container group).
struct ImageSpec {
  ImageKind kind = ImageKind::kHost;
  std::string directory;  // kDirectory: absolute, normalized
  std::string reference;  // kNative: e.g. "docker.io/library/debian:12"
  SourceLocation where;

  /// As written in a file: "host", "dir:/srv/rootfs", "debian:12".
  std::string str() const;
};

// --- nodes ---------------------------------------------------------------------------------

enum class NodeKind { kLocal, kSsh };
/// Whether commands on an ssh node run under `sudo -n`.
enum class SudoMode { kAuto, kAlways, kNever };

/// How to reach an ssh node.
struct SshSpec {
  std::string host;  // host name or address (never starts with '-')
  std::uint16_t port = 22;
  std::string user = "root";
  std::optional<std::string> key;  // identity file, absolute path
  SudoMode sudo = SudoMode::kAuto;
  std::vector<std::string> ssh_options;  // "Key=Value", each passed as -o

  /// kAlways, or kAuto with a user other than root.
  bool uses_sudo() const;
};

/// A host that runs containers (`nodes:`; default: one local node named `local`).
struct Node {
  std::string name;  // safe name
  NodeKind type = NodeKind::kLocal;
  std::optional<SshSpec> ssh;  // set iff type == kSsh
  /// The node's engine: its own `engine:` or the top-level one.
  EngineSpec engine;
  /// `lscpu -p` text to plan CPU placement without reaching the node. Not parsed here.
  std::optional<std::string> lscpu;
  /// Physical NICs as normalized PCI addresses "0000:00:06.0": the node's own `interfaces:` or
  /// the topology section's. Locations::of("interfaces") points at whichever was used.
  std::vector<std::string> interfaces;
  /// VPP names of those NICs ("TenGigabitEthernet0/6/0"); empty, or as many as interfaces.
  std::vector<std::string> interface_names;
  Locations where;
};

/// `paths:` — host and guest directories, all absolute and normalized.
struct Paths {
  std::string socket_dir = "/run/cnfctl/sockets";      // host: memif sockets, a subdir per run
  std::string guest_socket_dir = "/run/cnfctl/memif";  // where socket_dir/<run> appears inside
  std::string vpp_socket_base = "/tmp/vpp_sockets";    // <base>/<container>/{api,cli,stats}.sock
  Locations where;
};

// --- network functions ---------------------------------------------------------------------

enum class NfKind { kTestpmd, kVpp, kNginx, kCommand, kTrafficgen };
enum class ForwardMode { kIo, kMac, kTxonly, kRxonly, kMacswap };
enum class NginxMode { kRps, kCps };
/// cnfctl-gen's modes: `gen` owns both traffic ends, `forward` is the reference NF, `sink` marks
/// the sink container whose link the generator's process owns (nothing runs there).
enum class TrafficgenMode { kGen, kForward, kSink };

/// `nf: {kind: testpmd, …}`.
struct TestpmdOptions {
  std::string binary = "/usr/bin/dpdk-testpmd";
  /// Default by role: generator txonly, sink rxonly, nf and vswitch io.
  ForwardMode forward_mode = ForwardMode::kIo;
  unsigned memory_mb = 512;             // -m
  unsigned mbufs = 32768;               // --total-num-mbufs
  unsigned ring_size = 0;               // memif rsize (log2, 1..14); 0 = automatic
  std::vector<std::string> extra_args;  // appended after the generated arguments
};

/// `veth:` of a VPP NF: cnfctl makes a veth pair on the node; the host end gets `host_ip4`, VPP
/// owns the other end as an af_packet interface with `vpp_ip4` (its host stack serves nginx over
/// VCL there). Both addresses are in one subnet of `prefix_length` bits.
struct VethSpec {
  std::string host_ip4;  // canonical dotted quad, no prefix
  std::string vpp_ip4;
  unsigned prefix_length = 24;  // 8..30
  SourceLocation where;
};

/// `nf: {kind: vpp, …}` — the startup.conf knobs of SPEC §9 that vary between set-ups.
struct VppOptions {
  std::string binary = "/usr/bin/vpp";
  std::string vppctl = "/usr/bin/vppctl";
  std::string plugin_path;            // plugins { path … } only when set: else VPP finds its own
  std::string page_size = "4K";       // 4K | 64K | 2M | 1G | default | default-hugepage
  std::string main_heap_size = "2G";  // normalized VPP size: digits + optional K/M/G
  std::string statseg_size = "2G";
  unsigned buffers_per_numa = 215040;
  unsigned poll_sleep_usec = 100;  // 0: not set
  std::vector<std::string> plugins = {"memif_plugin.so", "ping_plugin.so"};
  std::optional<VethSpec> veth;  // a host veth owned by VPP (af_packet)
};

/// `ldp:` of an nginx NF: nginx runs LD_PRELOADed with VPP's VCL library, attached to the host
/// stack of the VPP container `vpp` (same node, with a `veth`) through its app socket.
struct LdpSpec {
  std::string vpp;      // a container name
  std::string library;  // libvcl_ldpreload.so; "": beside that VPP's binary (../lib/<triplet>/)
  SourceLocation where;
};

/// `nf: {kind: nginx, …}`.
struct NginxOptions {
  std::string binary = "/usr/sbin/nginx";
  std::uint16_t port = 8080;
  std::uint64_t body_size = 64;  // response body, bytes
  NginxMode mode = NginxMode::kRps;
  bool ldpreload = false;  // run over VPP's host stack (LD_PRELOAD=libvcl_ldpreload.so)
  std::string vcl_config = "/etc/vpp/vcl.conf";
  std::optional<LdpSpec> ldp;  // implies ldpreload; cnfctl writes the VCL config itself
};

/// `nf: {kind: command, …}`: any program.
struct CommandOptions {
  std::vector<std::string> argv;  // non-empty
  /// Readiness probe run inside the container (exit 0 = ready); none: ready once started.
  std::optional<std::vector<std::string>> probe;
};

/// `nf: {kind: trafficgen, …}`: cnfctl's own generator / reference NF (src/trafficgen).
struct TrafficgenOptions {
  std::string binary;  // empty: cnfctl-gen beside the cnfctl program
  /// Default by role: generator gen, sink sink, nf and vswitch forward.
  TrafficgenMode mode = TrafficgenMode::kForward;
  std::uint64_t limit_pps = 0;          // forward: pass at most this rate (0: unlimited)
  std::uint32_t delay_us = 0;           // forward: hold every frame this long
  unsigned memory_mb = 512;             // EAL -m
  unsigned mbufs = 32768;               // per mbuf pool
  unsigned ring_size = 0;               // memif rsize (log2, 1..14); 0 = automatic
  std::vector<std::string> extra_args;  // appended to the application arguments
};

/// What a container runs. `options` holds the alternative matching `kind`.
struct NfSpec {
  NfKind kind = NfKind::kTestpmd;
  std::variant<TestpmdOptions, VppOptions, NginxOptions, CommandOptions, TrafficgenOptions> options;
  Locations where;

  // Accessors; each requires the matching kind (std::bad_variant_access otherwise).
  const TestpmdOptions& testpmd() const { return std::get<TestpmdOptions>(options); }
  const VppOptions& vpp() const { return std::get<VppOptions>(options); }
  const NginxOptions& nginx() const { return std::get<NginxOptions>(options); }
  const CommandOptions& command() const { return std::get<CommandOptions>(options); }
  const TrafficgenOptions& trafficgen() const { return std::get<TrafficgenOptions>(options); }
  /// testpmd, vpp and trafficgen speak memif; nginx and command cannot be wired.
  bool speaks_memif() const {
    return kind == NfKind::kTestpmd || kind == NfKind::kVpp || kind == NfKind::kTrafficgen;
  }
};

// --- container groups ----------------------------------------------------------------------

enum class Role { kNf, kVswitch, kGenerator, kSink };

/// A bind mount from the node into the container; both paths absolute and normalized.
struct Mount {
  std::string host;
  std::string guest;
  bool read_only = false;
  /// `create: true`: cnfctl makes `host` (a directory) when it is missing, records it in the
  /// run's journal and removes it at `down`. Otherwise a missing host path is bad input.
  bool create = false;
  SourceLocation where;
};

/// One environment variable (file order is kept).
struct EnvVar {
  std::string name;
  std::string value;
};

enum class Protocol { kTcp, kUdp };

/// A published port (docker / podman).
struct PortMapping {
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  Protocol protocol = Protocol::kTcp;
  SourceLocation where;
};

/// `containers: - prefix: …`: `count` containers named <prefix>1 … <prefix><count>.
struct ContainerGroup {
  std::string prefix;  // every <prefix><n> is a safe name
  unsigned count = 1;
  Role role = Role::kNf;
  std::string node;  // a key of Topology::nodes
  ImageSpec image;   // the group's or the top-level one
  NfSpec nf;
  std::vector<Mount> mounts;
  std::vector<EnvVar> env;  // MICROSERVICE_LABEL is not here: it is always added, per container
  std::vector<PortMapping> ports;
  bool privileged = true;
  /// Explicit pinning of every container of the group (sorted, unique); empty: the cpu section.
  std::vector<unsigned> cpus;
  Locations where;

  /// "<prefix><ordinal>", ordinal 1-based.
  std::string container_name(unsigned ordinal) const;
};

// --- topology, cpu, traffic ----------------------------------------------------------------

/// How NFs are wired (SPEC §7). kNone is cnfctl's addition: containers only, no memif wiring.
enum class TopologyKind {
  kNone,
  kChain,
  kChainFunctional,
  kChainIp4,
  kPipelineIp4,
  kCrossHoriz,
  kChainVswitch,
  kChainIpsec,
  kChainDma,
};

/// memif rx-mode of chain_functional.
enum class RxMode { kInterrupt, kPolling, kAdaptive };

/// What stands where CSIT's chain_vswitch / chain_ipsec vswitch has its two NICs
/// (`topology.ports`).
enum class PortKind {
  kNic,    // the node's two physical interfaces (`interfaces:`), CSIT's design
  kMemif,  // memif ports on one machine: DUT1's vswitch serves the generator, DUT2's the sink,
           // and a memif between the two vswitches stands for the DUT1-DUT2 link
};

/// Tunnel addressing of chain_ipsec (defaults are CSIT's IPsec suite addressing).
struct IpsecSpec {
  std::string dut1_if1_ip4 = "192.168.10.1";
  std::string dut1_if2_ip4 = "100.0.0.1";
  std::string dut2_if1_ip4 = "100.0.0.2";
  std::string dut2_if2_ip4 = "192.168.20.1";
  std::string laddr_ip4 = "10.0.0.0";
  std::string raddr_ip4 = "20.0.0.0";
  Locations where;
};

/// `topology:`.
struct TopologySpec {
  TopologyKind kind = TopologyKind::kNone;
  unsigned chains = 1;
  /// NFs per chain. Every node that hosts role-nf containers runs chains * nodes_per_chain of
  /// them (like CSIT's DUT1 and DUT2). When not written: that count / chains.
  unsigned nodes_per_chain = 0;
  /// TG port MACs (normalized lower case) and IPv4 addresses, [0] = port 1, [1] = port 2.
  std::array<std::string, 2> tg_mac = {"02:fe:00:00:00:01", "02:fe:00:00:00:02"};
  std::array<std::string, 2> tg_ip4 = {"192.168.10.2", "192.168.20.2"};
  RxMode rx_mode = RxMode::kInterrupt;  // chain_functional only
  unsigned rx_queues = 1;               // vswitch rx queues per NIC
  IpsecSpec ipsec;                      // chain_ipsec only
  PortKind ports = PortKind::kNic;      // chain_vswitch, chain_ipsec only
  Locations where;

  /// Every kind but kNone creates memif links.
  bool wired() const { return kind != TopologyKind::kNone; }
};

enum class CpuPolicy {
  kAuto,    // csit when CSIT's placement fits the node, else shared with a warning (default)
  kCsit,    // CpuUtils.get_affinity_nf; impossible requests are errors
  kShared,  // the same placement, oversubscription is a warning (small machines)
  kNone,    // no pinning
};

/// D of get_affinity_nf: a whole number of data cores per NF, or half a core (one hyper-thread).
struct NfDataCores {
  unsigned cores = 1;  // 0 when half
  bool half = false;

  /// 0.5, 1.0, 2.0, …
  double value() const { return half ? 0.5 : static_cast<double>(cores); }
  /// "0.5", "1", "2", …
  std::string str() const;
  bool operator==(const NfDataCores&) const = default;
};

/// `cpu:` — CSIT's placement parameters (vs_dtc, nf_dtc, nf_mtcr, nf_dtcr).
struct CpuSpec {
  CpuPolicy policy = CpuPolicy::kAuto;
  unsigned numa = 0;
  unsigned vs_data_cores = 1;  // V
  NfDataCores nf_data_cores;   // D
  unsigned nf_main_ratio = 2;  // M: NF main threads sharing one core
  unsigned nf_data_ratio = 1;  // R: NFs sharing one data-core slot
  bool allow_overlap = false;  // data CPUs of two NFs may overlap without an error
  Locations where;
};

/// `traffic:`.
struct TrafficSpec {
  std::chrono::milliseconds duration{5000};
  unsigned frame_size = 64;    // bytes, 64..9216
  std::uint64_t rate_pps = 0;  // `rate`; 0: as fast as possible
  Locations where;
};

/// A whole topology file.
struct Topology {
  std::string source;  // the file name given to the loader
  /// `name:`, else the file's stem when it is a safe name, else "cnfctl".
  std::string name;
  EngineSpec engine;  // the top-level default; use Node::engine
  ImageSpec image;    // the top-level default; use ContainerGroup::image
  std::map<std::string, Node> nodes;
  Paths paths;
  std::vector<ContainerGroup> containers;  // file order
  TopologySpec topology;
  CpuSpec cpu;
  TrafficSpec traffic;
  Locations where;  // the top-level mapping

  /// The node a group runs on (the loader guarantees it exists).
  const Node& node_of(const ContainerGroup& group) const { return nodes.at(group.node); }
};

/// CSIT's position of a role-nf container in a wired topology, per node (all 1-based).
struct NfPosition {
  unsigned nf_chain = 1;  // which chain
  unsigned nf_node = 1;   // position in the chain
  unsigned nf_id = 1;     // (nf_chain - 1) * nodes_per_chain + nf_node: memif ids derive from it
};

/// One container of a topology.
struct ContainerInstance {
  std::string name;       // <prefix><ordinal>
  std::size_t group = 0;  // index into Topology::containers
  unsigned ordinal = 1;   // 1..count
  /// Role nf in a wired topology: its chain and position, assigned on its node in file order
  /// (groups in order, then ordinals), independent of the order of creation.
  std::optional<NfPosition> position;
};

/// Every container of `topology`, groups in file order, ordinals ascending.
std::vector<ContainerInstance> expand_containers(const Topology& topology);

// --- names of enum values, as written in files ---------------------------------------------

std::string_view to_string(EngineKind kind);
std::string_view to_string(OciRuntime runtime);
std::string_view to_string(ImageKind kind);
std::string_view to_string(NodeKind kind);
std::string_view to_string(SudoMode mode);
std::string_view to_string(NfKind kind);
std::string_view to_string(ForwardMode mode);
std::string_view to_string(NginxMode mode);
std::string_view to_string(TrafficgenMode mode);
std::string_view to_string(Role role);
std::string_view to_string(Protocol protocol);
std::string_view to_string(TopologyKind kind);
std::string_view to_string(RxMode mode);
std::string_view to_string(CpuPolicy policy);

}  // namespace cnfctl::topology
