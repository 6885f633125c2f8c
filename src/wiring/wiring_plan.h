// The wiring plan: the NF-neutral result of a topology (SPEC §2, §7).
//
// A WiringRequest says which containers exist (NFs with their chain and position, plus optional
// vswitch, generator and sink containers per DUT) and the parameters of the topology kind.
// build_wiring_plan() turns it into one ContainerWiring per container: its memif links (socket
// paths on the host and in the guest, socket id, interface id, master/slave, MAC, IP, the static
// neighbour behind each link), routes, physical interfaces, bridged instances and IPsec tunnel
// parameters. NF renderers (VPP exec scripts, testpmd argv) read only this plan.
//
// Every id comes from an NF's chain and position (nf_id = (chain-1) * nodes_per_chain + position,
// counted per DUT), never from the order in which containers are listed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnfctl::wiring {

/// The CSIT topology kinds (SPEC §7).
enum class TopologyKind {
  kChain,            // l2 cross-connect NFs snaked by a vswitch (CSIT "chain", l2xc template)
  kChainFunctional,  // as kChain, memif rx-mode interrupt
  kChainIp4,         // as kChain, NFs route ip4 with static neighbours
  kPipelineIp4,      // NFs of a chain connected directly; only the ends touch the vswitch
  kCrossHoriz,       // one memif and one physical interface per NF, one NF per DUT
  kChainVswitch,     // a VPP vswitch container owns the NICs and bridges N memif pairs; its
                     // NFs are wired as in kChainIpsec (CSIT pairs the two)
  kChainIpsec,       // IPsec NFs behind that vswitch container
  kChainDma,         // as kChain, memif use-dma
};

/// All kinds, in declaration order.
inline constexpr TopologyKind kAllTopologyKinds[] = {
    TopologyKind::kChain,       TopologyKind::kChainFunctional, TopologyKind::kChainIp4,
    TopologyKind::kPipelineIp4, TopologyKind::kCrossHoriz,      TopologyKind::kChainVswitch,
    TopologyKind::kChainIpsec,  TopologyKind::kChainDma,
};

/// The kind's name as written in topology files ("chain_ip4").
std::string_view to_string(TopologyKind kind);
/// The kind named `name`, or nullopt when there is none.
std::optional<TopologyKind> parse_topology_kind(std::string_view name);

/// What a container does in the wiring.
enum class ContainerRole {
  kNf,         // a network function in a chain
  kVswitch,    // connects the NFs to each other / to the traffic ends (or to the NICs)
  kGenerator,  // sends traffic into the first NF (testpmd txonly)
  kSink,       // receives traffic from the last NF (testpmd rxonly)
};

/// "nf", "vswitch", "generator", "sink".
std::string_view to_string(ContainerRole role);

/// The memif role of one end of a link. The master is the server: it creates the socket file
/// and must be running before the slave (client) connects (a testpmd client never retries).
enum class MemifRole { kMaster, kSlave };

/// "master" or "slave" (VPP's words).
std::string_view to_string(MemifRole role);

// ---------------------------------------------------------------------------------------------
// Input

/// A physical interface of a DUT: its PCI address (for the NF's startup config) and the name the
/// NF gives it (VPP's "TenGigabitEthernet0/6/0").
struct PhysicalInterface {
  std::string pci;
  std::string name;

  bool operator==(const PhysicalInterface&) const = default;
};

/// One DUT: a node that runs a complete set of NFs. Its position in WiringRequest::duts is its
/// ordinal (DUT1, DUT2, ...), which decides the sides of chain_vswitch and chain_ipsec.
struct DutSpec {
  std::string name;                           // the node's name, as in NfPlacement::dut
  std::vector<PhysicalInterface> interfaces;  // CSIT's dutN_if1, dutN_if2 (in that order)
};

/// One NF container: where it sits in the chains. nf_id is derived from chain and position.
struct NfPlacement {
  std::string name;  // container name (safe name)
  int chain = 1;     // 1..chains
  int position = 1;  // 1..nodes_per_chain: the NF's node position in its chain
  std::string dut;   // DutSpec::name; empty when the request has a single DUT
};

/// A vswitch, generator or sink container; at most one of each per DUT.
struct AuxContainer {
  std::string name;
  std::string dut;  // DutSpec::name; empty when the request has a single DUT
};

/// The traffic generator's two ports (CSIT's tg_pf1 / tg_pf2).
struct TgPorts {
  std::string mac[2];
  std::string ip4[2];
};

/// chain_ipsec / chain_vswitch addressing (CSIT's kwargs of the same names). Only the first three
/// octets of the dutN_ifM addresses are used: tunnel and memif addresses are <base>.<instance>.
struct IpsecParams {
  std::string dut1_if1_ip4;  // DUT1's memif2 addresses: <base>.<instance>
  std::string dut2_if1_ip4;  // tunnel endpoints: DUT1 <base>.<instance+100>, DUT2 <base>.<instance>
  std::string dut2_if2_ip4;  // DUT2's memif2 addresses: <base>.<instance>
  std::string laddr_ip4;     // the network DUT1's NFs route (/8) towards the TG
  std::string raddr_ip4;     // the network DUT2's NFs route (/8) towards the TG
  /// The aes-gcm-128 key (32 hex digits) of every tunnel, both DUTs. Set: the exec script
  /// creates the tunnels itself (IpsecTunnel). Empty: they come from CSIT's tunnel file
  /// (IpsecTunnel::config_guest_path), made outside the plan.
  std::string crypto_key;
};

/// Everything build_wiring_plan needs. Pure data: nothing here touches a machine.
struct WiringRequest {
  TopologyKind kind = TopologyKind::kChain;
  int chains = 1;
  int nodes_per_chain = 1;

  /// The DUTs in ordinal order. May be empty: then every container's `dut` must be empty (one
  /// unnamed DUT), or the DUTs are the distinct `dut` names in sorted order.
  std::vector<DutSpec> duts;
  std::vector<NfPlacement> nfs;
  std::vector<AuxContainer> vswitches;
  std::vector<AuxContainer> generators;
  std::vector<AuxContainer> sinks;

  /// The memif socket directory on the node (one per run) and where it appears in containers.
  /// Both absolute.
  std::string host_socket_dir;
  std::string guest_socket_dir;

  TgPorts tg;         // chain_ip4, pipeline_ip4 (MACs); chain_vswitch, chain_ipsec (MACs, IPs)
  int rx_queues = 1;  // the vswitch's rx queues (chain_vswitch)
  IpsecParams ipsec;  // chain_vswitch, chain_ipsec

  /// chain_vswitch / chain_ipsec: memif ports stand where CSIT has the vswitch's two NICs. Needs
  /// exactly two DUTs on one machine: DUT1's vswitch serves the generator (TG port 1) and the
  /// DUT link, DUT2's vswitch connects to that link and serves the sink (TG port 2).
  bool memif_ports = false;
};

// ---------------------------------------------------------------------------------------------
// Output

/// One memif interface of a container. For a testpmd container, links are its ports in order
/// (link k is port k, vdev net_memif<k>).
struct MemifLink {
  std::string socket_file;        // file name in the socket dir: "memif-nf1-1", "memif-pipe-2"
  std::string host_socket_path;   // socket_file in WiringRequest::host_socket_dir
  std::string guest_socket_path;  // socket_file in WiringRequest::guest_socket_dir
  int socket_id = 0;              // VPP "create memif socket id N" (local to this container)
  int interface_id = 0;           // memif id, the same on both ends of the socket
  MemifRole role = MemifRole::kMaster;
  std::string peer;  // the container at the other end; empty: outside the plan
                     // (e.g. CSIT's vswitch on the host)

  std::string mac;           // own MAC; empty: the NF's default
  std::string ip4;           // own address with prefix ("1.1.1.1/24"); empty: none (l2)
  std::string neighbor_ip4;  // the static neighbour reached through this link; empty: none
  std::string neighbor_mac;  // its MAC (a TG port, or the next NF's MAC)
  std::string rx_mode;       // memif rx-mode ("interrupt"); empty: default
  bool use_dma = false;      // memif use-dma (chain_dma)
  int bridge_domain = 0;     // the vswitch's bridge domain of this link (chain_vswitch); 0: none
  /// A vswitch port standing where CSIT has a NIC (WiringRequest::memif_ports): bridge domain 1
  /// is the DUT link ("red"), 2 the TG port ("black").
  bool nic_port = false;

  /// True when this end creates the socket (master).
  bool is_server() const { return role == MemifRole::kMaster; }
  bool operator==(const MemifLink&) const = default;
};

/// A static ip4 route.
struct Route {
  std::string prefix;  // "10.0.0.0/8"
  std::string via;     // next hop "1.1.1.2"
  int link = -1;       // index into ContainerWiring::links of the link `via` is reached through

  bool operator==(const Route&) const = default;
};

/// chain_ipsec: the tunnel of one NF instance. The tunnel itself (SAs, keys) comes from a file
/// made outside the plan, appended to the exec script as CSIT does.
struct IpsecTunnel {
  int instance = 0;               // the NF instance (its nf_id)
  std::string local_ip;           // tunnel endpoint on memif1
  std::string remote_ip;          // the peer DUT's endpoint
  std::string remote_mac;         // the peer NF's memif1 MAC
  std::string routed_network;     // CSIT's raddr_ip4 (routed /8 via the TG)
  std::string config_guest_path;  // <guest dir>/ipsec_create_tunnel_cnf_DUT<n>_<instance>.config
  /// Set when IpsecParams::crypto_key is: the tunnel the exec script creates (an ipsec
  /// interface protected by two tunnel-mode SAs, VPP's successor of CSIT's `create ipsec
  /// tunnel`), the network it routes into the tunnel (DUT1: raddr, DUT2: laddr), its SA ids.
  std::string crypto_key;
  std::string tunnel_network;
  int sa_out = 0;
  int sa_in = 0;

  bool operator==(const IpsecTunnel&) const = default;
};

/// The wiring of one container.
struct ContainerWiring {
  std::string name;
  ContainerRole role = ContainerRole::kNf;
  std::string dut;    // DutSpec::name (empty for the unnamed single DUT)
  int dut_index = 1;  // 1-based DUT ordinal
  int chain = 0;      // NFs only: chain, position and nf_id; 0 otherwise
  int position = 0;
  int nf_id = 0;

  std::vector<MemifLink> links;
  std::vector<Route> routes;
  /// Physical interfaces the container owns, in startup-config order (cross_horiz: one;
  /// chain_vswitch: the red then the black interface).
  std::vector<PhysicalInterface> physical;
  std::vector<int> bridged_instances;  // chain_vswitch's vswitch: the NF instances it bridges
  std::optional<IpsecTunnel> tunnel;   // chain_ipsec NFs
  int rx_queues = 0;                   // the vswitch's rx queues (chain_vswitch); 0: default

  /// A generator's flow in the ip4 kinds (chain_ip4, pipeline_ip4): the source and destination
  /// addresses its frames carry (testpmd --tx-ip), so that every NF routes them towards the sink
  /// (the NFs route 10.0.0.0/8 back and 20.0.0.0/8 forward). Each generator link then also has
  /// `mac` = TG port 1 and `neighbor_mac` = the MAC of the first NF memif its frames reach.
  /// Empty for every other container and kind (l2 kinds need no addressing).
  std::string flow_src_ip4;
  std::string flow_dst_ip4;

  /// Start order: 0 for containers that are clients of no other container in the plan, else one
  /// more than the highest stage of the servers they connect to. Starting stage by stage (each
  /// stage verified) brings every server up before its clients. Stop in the same order: servers
  /// first (a testpmd server may crash when its client goes away first).
  int start_stage = 0;

  bool operator==(const ContainerWiring&) const = default;
};

/// The whole plan. Containers are ordered by DUT, then NFs by nf_id, then vswitch, generator,
/// sink: independent of the order of the request's lists.
struct WiringPlan {
  TopologyKind kind = TopologyKind::kChain;
  int chains = 1;
  int nodes_per_chain = 1;
  std::vector<ContainerWiring> containers;

  /// The container named `name`, or nullptr.
  const ContainerWiring* find(std::string_view name) const;
  /// The container named `name`; throws cnfctl::Error when there is none.
  const ContainerWiring& at(std::string_view name) const;
};

/// Builds the plan. Pure and deterministic. Throws cnfctl::Error (bad input, exit code 2, located
/// at "topology") when the request is inconsistent: unknown or duplicate positions, unsafe or
/// duplicate names, relative socket dirs, socket paths too long for sun_path, missing TG / IPsec
/// parameters or interfaces the kind needs, a generator or sink that cannot be connected, ids
/// too large for the kind's MAC / IP scheme.
WiringPlan build_wiring_plan(const WiringRequest& request);

/// `dir` + "/" + `file`, with repeated and trailing slashes of `dir` collapsed: never "//".
std::string join_socket_path(std::string_view dir, std::string_view file);

}  // namespace cnfctl::wiring
