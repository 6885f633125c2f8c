#include "topology/loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"

namespace cnfctl::topology {
namespace {

using namespace std::chrono_literals;

// A file that writes every key of docs/topology-format.md at least once.
constexpr std::string_view kFullFile = R"(name: full1
engine: {kind: docker, host: "unix:///run/cnfctl/docker.sock"}
image: "dir:/srv/rootfs//base/"
nodes:
  dut1:
    type: ssh
    host: 192.0.2.10
    port: 2222
    user: cnf
    key: /root/.ssh/id_ed25519
    sudo: true
    ssh_options: ["StrictHostKeyChecking=accept-new", "ConnectTimeout=5"]
    lscpu: |
      # CPU,Core,Socket,Node,,L1d,L1i,L2,L3
      0,0,0,0,,0,0,0,0
      1,1,0,0,,1,1,1,0
    engine: {kind: podman, runtime: crun}
    interfaces: ["0000:00:08.0", "00:09.0"]
    interface_names: [GigabitEthernet0/8/0, GigabitEthernet0/9/0]
  dut2:
    type: ssh
    host: dut2.example.net
  local: {type: local}
paths:
  socket_dir: /run/test/sockets/
  guest_socket_dir: /memif
  vpp_socket_base: /tmp/vpp
containers:
  - prefix: DUT1_vs
    role: vswitch
    node: dut1
    nf:
      kind: vpp
      binary: /opt/vpp/bin/vpp
      vppctl: /opt/vpp/bin/vppctl
      plugin_path: /opt/vpp/lib/vpp_plugins
      page_size: 2M
      main_heap_size: 1g
      statseg_size: 512M
      buffers_per_numa: 16384
      poll_sleep_usec: 0
      plugins: [memif_plugin.so, dpdk_plugin.so]
  - prefix: DUT1_CNF
    count: 2
    role: nf
    node: dut1
    image: docker.io/library/debian:12
    nf: {kind: vpp}
    mounts:
      - /srv/data:/data
      - /srv/ro:/ro:ro
      - {host: /srv/a, guest: /b/./c/, read_only: false}
    env: {KEY: value, N: 3, EMPTY: }
    ports: ["8080:80", 9090, "5353:53/udp"]
    privileged: false
    cpus: [5, 3, 4]
  - prefix: DUT2_vs
    role: vswitch
    node: dut2
    nf: vpp
    ports: []
  - prefix: DUT2_CNF
    count: 2
    node: dut2
    nf: vpp
    cpus: "2-3,7"
  - prefix: gen
    role: generator
    node: local
    image: host
    nf: {kind: testpmd, binary: /usr/local/bin/dpdk-testpmd, memory_mb: 1024, mbufs: 65536,
         ring_size: 14, extra_args: ["--txpkts=64", "--burst=64"]}
topology:
  kind: chain_ipsec
  chains: 1
  nodes_per_chain: 2
  tg_mac: ["02:00:00:00:00:AA", "02-00-00-00-00-bb"]
  tg_ip4: [10.1.1.2, 20.1.1.2]
  interfaces: ["0000:00:06.0", "0000:00:07.0"]
  rx_queues: 2
  ipsec:
    dut1_if1_ip4: 172.16.1.1
    dut1_if2_ip4: 172.16.2.1
    dut2_if1_ip4: 172.16.2.2
    dut2_if2_ip4: 172.16.3.1
    laddr_ip4: 10.0.0.0
    raddr_ip4: 20.0.0.0
cpu:
  policy: shared
  numa: 1
  vs_data_cores: 2
  nf_data_cores: 0.5
  nf_main_ratio: 3
  nf_data_ratio: 2
  allow_overlap: yes
traffic:
  duration: 250ms
  frame_size: 1518
  rate: 500kpps
)";

TEST(Loader, FullFileLoadsEveryField) {
  const auto topo = load_topology_text(kFullFile, "/etc/cnfctl/full.yaml");

  EXPECT_EQ(topo.source, "/etc/cnfctl/full.yaml");
  EXPECT_EQ(topo.name, "full1");
  EXPECT_EQ(topo.engine.kind, EngineKind::kDocker);
  EXPECT_EQ(topo.engine.host, "unix:///run/cnfctl/docker.sock");
  EXPECT_EQ(topo.image.kind, ImageKind::kDirectory);
  EXPECT_EQ(topo.image.directory, "/srv/rootfs/base");
  EXPECT_EQ(topo.image.str(), "dir:/srv/rootfs/base");

  ASSERT_EQ(topo.nodes.size(), 3u);
  const auto& dut1 = topo.nodes.at("dut1");
  EXPECT_EQ(dut1.name, "dut1");
  EXPECT_EQ(dut1.type, NodeKind::kSsh);
  ASSERT_TRUE(dut1.ssh);
  EXPECT_EQ(dut1.ssh->host, "192.0.2.10");
  EXPECT_EQ(dut1.ssh->port, 2222);
  EXPECT_EQ(dut1.ssh->user, "cnf");
  EXPECT_EQ(dut1.ssh->key, "/root/.ssh/id_ed25519");
  EXPECT_EQ(dut1.ssh->sudo, SudoMode::kAlways);
  EXPECT_TRUE(dut1.ssh->uses_sudo());
  EXPECT_EQ(dut1.ssh->ssh_options,
            (std::vector<std::string>{"StrictHostKeyChecking=accept-new", "ConnectTimeout=5"}));
  ASSERT_TRUE(dut1.lscpu);
  EXPECT_NE(dut1.lscpu->find("1,1,0,0,,1,1,1,0\n"), std::string::npos);
  EXPECT_EQ(dut1.engine.kind, EngineKind::kPodman);
  EXPECT_EQ(dut1.engine.runtime, OciRuntime::kCrun);
  EXPECT_EQ(dut1.interfaces, (std::vector<std::string>{"0000:00:08.0", "0000:00:09.0"}));
  EXPECT_EQ(dut1.interface_names,
            (std::vector<std::string>{"GigabitEthernet0/8/0", "GigabitEthernet0/9/0"}));
  EXPECT_EQ(dut1.where.of("interfaces").line, 18);
  EXPECT_EQ(dut1.where.self.str(), "/etc/cnfctl/full.yaml:5:3");

  const auto& dut2 = topo.nodes.at("dut2");
  EXPECT_EQ(dut2.ssh->port, 22);
  EXPECT_EQ(dut2.ssh->user, "root");
  EXPECT_EQ(dut2.ssh->sudo, SudoMode::kAuto);
  EXPECT_FALSE(dut2.ssh->uses_sudo());
  EXPECT_EQ(dut2.engine.kind, EngineKind::kDocker);  // the top-level engine
  // The topology section's interfaces are the default, located there.
  EXPECT_EQ(dut2.interfaces, (std::vector<std::string>{"0000:00:06.0", "0000:00:07.0"}));
  EXPECT_EQ(dut2.where.of("interfaces").line, 79);
  EXPECT_EQ(topo.nodes.at("local").type, NodeKind::kLocal);
  EXPECT_FALSE(topo.nodes.at("local").ssh);

  EXPECT_EQ(topo.paths.socket_dir, "/run/test/sockets");
  EXPECT_EQ(topo.paths.guest_socket_dir, "/memif");
  EXPECT_EQ(topo.paths.vpp_socket_base, "/tmp/vpp");

  ASSERT_EQ(topo.containers.size(), 5u);
  const auto& vs = topo.containers[0];
  EXPECT_EQ(vs.role, Role::kVswitch);
  EXPECT_EQ(vs.node, "dut1");
  EXPECT_EQ(vs.image.kind, ImageKind::kDirectory);  // inherited
  ASSERT_EQ(vs.nf.kind, NfKind::kVpp);
  const auto& vpp = vs.nf.vpp();
  EXPECT_EQ(vpp.binary, "/opt/vpp/bin/vpp");
  EXPECT_EQ(vpp.vppctl, "/opt/vpp/bin/vppctl");
  EXPECT_EQ(vpp.plugin_path, "/opt/vpp/lib/vpp_plugins");
  EXPECT_EQ(vpp.page_size, "2M");
  EXPECT_EQ(vpp.main_heap_size, "1G");
  EXPECT_EQ(vpp.statseg_size, "512M");
  EXPECT_EQ(vpp.buffers_per_numa, 16384u);
  EXPECT_EQ(vpp.poll_sleep_usec, 0u);
  EXPECT_EQ(vpp.plugins, (std::vector<std::string>{"memif_plugin.so", "dpdk_plugin.so"}));

  const auto& cnf = topo.containers[1];
  EXPECT_EQ(cnf.prefix, "DUT1_CNF");
  EXPECT_EQ(cnf.count, 2u);
  EXPECT_EQ(cnf.container_name(2), "DUT1_CNF2");
  EXPECT_EQ(cnf.image.kind, ImageKind::kNative);
  EXPECT_EQ(cnf.image.reference, "docker.io/library/debian:12");
  EXPECT_EQ(cnf.nf.vpp().plugins, (std::vector<std::string>{"memif_plugin.so", "ping_plugin.so"}));
  ASSERT_EQ(cnf.mounts.size(), 3u);
  EXPECT_EQ(cnf.mounts[0].host, "/srv/data");
  EXPECT_EQ(cnf.mounts[0].guest, "/data");
  EXPECT_FALSE(cnf.mounts[0].read_only);
  EXPECT_TRUE(cnf.mounts[1].read_only);
  EXPECT_EQ(cnf.mounts[2].guest, "/b/c");
  EXPECT_EQ(cnf.mounts[2].where.str(), "/etc/cnfctl/full.yaml:52:9");
  ASSERT_EQ(cnf.env.size(), 3u);
  EXPECT_EQ(cnf.env[0].name, "KEY");
  EXPECT_EQ(cnf.env[1].value, "3");
  EXPECT_EQ(cnf.env[2].value, "");
  ASSERT_EQ(cnf.ports.size(), 3u);
  EXPECT_EQ(cnf.ports[0].host_port, 8080);
  EXPECT_EQ(cnf.ports[0].container_port, 80);
  EXPECT_EQ(cnf.ports[1].host_port, 9090);
  EXPECT_EQ(cnf.ports[1].container_port, 9090);
  EXPECT_EQ(cnf.ports[2].protocol, Protocol::kUdp);
  EXPECT_FALSE(cnf.privileged);
  EXPECT_EQ(cnf.cpus, (std::vector<unsigned>{3, 4, 5}));
  EXPECT_EQ(cnf.where.of("cpus").str(), "/etc/cnfctl/full.yaml:56:11");
  EXPECT_EQ(topo.containers[3].cpus, (std::vector<unsigned>{2, 3, 7}));

  const auto& gen = topo.containers[4].nf.testpmd();
  EXPECT_EQ(gen.binary, "/usr/local/bin/dpdk-testpmd");
  EXPECT_EQ(gen.forward_mode, ForwardMode::kTxonly);  // by role
  EXPECT_EQ(gen.memory_mb, 1024u);
  EXPECT_EQ(gen.mbufs, 65536u);
  EXPECT_EQ(gen.ring_size, 14u);
  EXPECT_EQ(gen.extra_args, (std::vector<std::string>{"--txpkts=64", "--burst=64"}));
}

TEST(Loader, FullFileSectionsAndLocations) {
  const auto topo = load_topology_text(kFullFile, "full.yaml");
  const auto& spec = topo.topology;
  EXPECT_EQ(spec.kind, TopologyKind::kChainIpsec);
  EXPECT_TRUE(spec.wired());
  EXPECT_EQ(spec.chains, 1u);
  EXPECT_EQ(spec.nodes_per_chain, 2u);
  EXPECT_EQ(spec.tg_mac[0], "02:00:00:00:00:aa");
  EXPECT_EQ(spec.tg_mac[1], "02:00:00:00:00:bb");
  EXPECT_EQ(spec.tg_ip4[1], "20.1.1.2");
  EXPECT_EQ(spec.rx_queues, 2u);
  EXPECT_EQ(spec.ipsec.dut2_if1_ip4, "172.16.2.2");
  EXPECT_EQ(spec.where.of("ipsec").line, 82);  // a mapping value is located at its first key
  EXPECT_EQ(spec.ipsec.where.of("laddr_ip4").line, 86);
  EXPECT_EQ(spec.where.of("nodes_per_chain").str(), "full.yaml:76:20");

  const auto& cpu = topo.cpu;
  EXPECT_EQ(cpu.policy, CpuPolicy::kShared);
  EXPECT_EQ(cpu.numa, 1u);
  EXPECT_EQ(cpu.vs_data_cores, 2u);
  EXPECT_EQ(cpu.nf_data_cores, (NfDataCores{0, true}));
  EXPECT_EQ(cpu.nf_data_cores.str(), "0.5");
  EXPECT_DOUBLE_EQ(cpu.nf_data_cores.value(), 0.5);
  EXPECT_EQ(cpu.nf_main_ratio, 3u);
  EXPECT_EQ(cpu.nf_data_ratio, 2u);
  EXPECT_TRUE(cpu.allow_overlap);
  EXPECT_EQ(cpu.where.self.str(), "full.yaml:89:3");
  EXPECT_EQ(cpu.where.of("nf_data_cores").str(), "full.yaml:92:18");

  EXPECT_EQ(topo.traffic.duration, 250ms);
  EXPECT_EQ(topo.traffic.frame_size, 1518u);
  EXPECT_EQ(topo.traffic.rate_pps, 500000u);

  // NF positions are per node, in file order.
  const auto instances = expand_containers(topo);
  ASSERT_EQ(instances.size(), 7u);
  EXPECT_EQ(instances[0].name, "DUT1_vs1");
  EXPECT_FALSE(instances[0].position);
  EXPECT_EQ(instances[2].name, "DUT1_CNF2");
  ASSERT_TRUE(instances[2].position);
  EXPECT_EQ(instances[2].position->nf_node, 2u);
  EXPECT_EQ(instances[4].name, "DUT2_CNF1");
  EXPECT_EQ(instances[4].group, 3u);
  EXPECT_EQ(instances[4].ordinal, 1u);
  EXPECT_EQ(instances[4].position->nf_id, 1u);
  EXPECT_FALSE(instances[6].position);  // generator
}

TEST(Loader, NginxAndCommandOptions) {
  const auto topo = load_topology_text(R"(containers:
  - prefix: web
    nf: {kind: nginx, binary: /usr/sbin/nginx, port: 8081, body_size: 0, mode: cps,
         ldpreload: true, vcl_config: /etc/vpp/vcl-nginx.conf}
  - prefix: sleeper
    role: sink
    nf: {kind: command, argv: [sleep, infinity], probe: [test, -e, /tmp/ready]}
  - {prefix: other, nf: nginx}
)",
                                       "nginx.yaml");
  const auto& web = topo.containers[0].nf.nginx();
  EXPECT_EQ(web.binary, "/usr/sbin/nginx");
  EXPECT_EQ(web.port, 8081);
  EXPECT_EQ(web.body_size, 0u);
  EXPECT_EQ(web.mode, NginxMode::kCps);
  EXPECT_TRUE(web.ldpreload);
  EXPECT_EQ(web.vcl_config, "/etc/vpp/vcl-nginx.conf");
  EXPECT_FALSE(topo.containers[0].nf.speaks_memif());

  const auto& sleeper = topo.containers[1].nf.command();
  EXPECT_EQ(sleeper.argv, (std::vector<std::string>{"sleep", "infinity"}));
  EXPECT_EQ(sleeper.probe, (std::vector<std::string>{"test", "-e", "/tmp/ready"}));

  const auto& other = topo.containers[2].nf.nginx();
  EXPECT_EQ(other.port, 8080);
  EXPECT_EQ(other.body_size, 64u);
  EXPECT_EQ(other.mode, NginxMode::kRps);
  EXPECT_FALSE(other.ldpreload);
}

TEST(Loader, DefaultsForAMinimalFile) {
  const auto topo = load_topology_text("containers:\n  - prefix: nf\n", "/x/minimal.yaml");
  EXPECT_EQ(topo.name, "minimal");
  EXPECT_EQ(topo.engine.kind, EngineKind::kOci);
  EXPECT_EQ(topo.engine.runtime, OciRuntime::kRunc);
  EXPECT_FALSE(topo.engine.host);
  EXPECT_EQ(topo.image.kind, ImageKind::kHost);
  ASSERT_EQ(topo.nodes.size(), 1u);
  const auto& local = topo.nodes.at("local");
  EXPECT_EQ(local.type, NodeKind::kLocal);
  EXPECT_EQ(local.engine.kind, EngineKind::kOci);
  EXPECT_TRUE(local.interfaces.empty());
  EXPECT_EQ(topo.paths.socket_dir, "/run/cnfctl/sockets");
  EXPECT_EQ(topo.paths.guest_socket_dir, "/run/cnfctl/memif");
  EXPECT_EQ(topo.paths.vpp_socket_base, "/tmp/vpp_sockets");

  ASSERT_EQ(topo.containers.size(), 1u);
  const auto& group = topo.containers[0];
  EXPECT_EQ(group.count, 1u);
  EXPECT_EQ(group.container_name(1), "nf1");
  EXPECT_EQ(group.role, Role::kNf);
  EXPECT_EQ(group.node, "local");
  EXPECT_EQ(group.image.kind, ImageKind::kHost);
  EXPECT_EQ(group.nf.kind, NfKind::kTestpmd);
  EXPECT_EQ(group.nf.testpmd().binary, "/usr/bin/dpdk-testpmd");
  EXPECT_EQ(group.nf.testpmd().forward_mode, ForwardMode::kIo);
  EXPECT_EQ(group.nf.testpmd().memory_mb, 512u);
  EXPECT_EQ(group.nf.testpmd().mbufs, 32768u);
  EXPECT_EQ(group.nf.testpmd().ring_size, 0u);
  EXPECT_TRUE(group.privileged);
  EXPECT_TRUE(group.mounts.empty());
  EXPECT_TRUE(group.env.empty());
  EXPECT_TRUE(group.cpus.empty());
  // A defaulted key points at its mapping.
  EXPECT_EQ(group.where.of("count").str(), "/x/minimal.yaml:2:5");

  EXPECT_EQ(topo.topology.kind, TopologyKind::kNone);
  EXPECT_FALSE(topo.topology.wired());
  EXPECT_EQ(topo.topology.tg_mac[0], "02:fe:00:00:00:01");
  EXPECT_EQ(topo.cpu.policy, CpuPolicy::kAuto);
  EXPECT_EQ(topo.cpu.vs_data_cores, 1u);
  EXPECT_EQ(topo.cpu.nf_data_cores, (NfDataCores{1, false}));
  EXPECT_EQ(topo.cpu.nf_main_ratio, 2u);
  EXPECT_EQ(topo.cpu.nf_data_ratio, 1u);
  EXPECT_FALSE(topo.cpu.allow_overlap);
  EXPECT_EQ(topo.cpu.where.self.str(), "/x/minimal.yaml:1:1");
  EXPECT_EQ(topo.traffic.duration, 5s);
  EXPECT_EQ(topo.traffic.frame_size, 64u);
  EXPECT_EQ(topo.traffic.rate_pps, 0u);
  EXPECT_FALSE(expand_containers(topo)[0].position);
}

TEST(Loader, EmptyNodesMeansTheLocalNode) {
  const auto topo = load_topology_text("nodes: {}\ncontainers: [{prefix: a}]", "n.yaml");
  ASSERT_EQ(topo.nodes.size(), 1u);
  EXPECT_EQ(topo.containers[0].node, "local");
}

TEST(Loader, NameFallsBackWhenTheStemIsUnsafe) {
  EXPECT_EQ(load_topology_text("containers: [{prefix: a}]", "<stdin>").name, "cnfctl");
}

// The lead's example: a testpmd chain of 3 NFs, a vswitch, a generator and a sink, locally.
TEST(Loader, TestpmdChainExample) {
  const auto topo = load_topology_text(R"(name: chain3
engine: oci
image: host
containers:
  - {prefix: vswitch, role: vswitch, nf: testpmd}
  - {prefix: nf, count: 3, nf: testpmd}
  - {prefix: gen, role: generator}
  - {prefix: sink, role: sink}
topology: {kind: chain, nodes_per_chain: 3}
cpu: {policy: shared}
traffic: {duration: 3s}
)",
                                       "chain3.yaml");
  EXPECT_EQ(topo.containers[3].nf.testpmd().forward_mode, ForwardMode::kRxonly);
  EXPECT_EQ(topo.containers[0].nf.testpmd().forward_mode, ForwardMode::kIo);
  const auto instances = expand_containers(topo);
  ASSERT_EQ(instances.size(), 6u);
  EXPECT_EQ(instances[3].name, "nf3");
  EXPECT_EQ(instances[3].position->nf_id, 3u);
}

TEST(Loader, NodesPerChainDefaultsToTheNfCountOverChains) {
  const auto topo = load_topology_text(R"(containers:
  - {prefix: nf, count: 6, nf: vpp}
topology: {kind: pipeline_ip4, chains: 2}
)",
                                       "p.yaml");
  EXPECT_EQ(topo.topology.nodes_per_chain, 3u);
  const auto instances = expand_containers(topo);
  EXPECT_EQ(instances[4].position->nf_chain, 2u);
  EXPECT_EQ(instances[4].position->nf_node, 2u);
  EXPECT_EQ(instances[4].position->nf_id, 5u);
}

// The lead's example: a VPP chain on two ssh nodes; every node runs the whole chain set.
TEST(Loader, VppChainAcrossTwoSshNodes) {
  const auto topo = load_topology_text(R"(nodes:
  dut1: {type: ssh, host: 10.0.0.1}
  dut2: {host: 10.0.0.2, user: cnf}
containers:
  - {prefix: DUT1_vswitch, role: vswitch, node: dut1, nf: vpp}
  - {prefix: DUT1_CNF, count: 2, node: dut1, nf: vpp}
  - {prefix: DUT2_vswitch, role: vswitch, node: dut2, nf: vpp}
  - {prefix: DUT2_CNF, count: 2, node: dut2, nf: vpp}
topology: {kind: chain, chains: 1, nodes_per_chain: 2}
)",
                                       "2node.yaml");
  EXPECT_EQ(topo.nodes.at("dut2").type, NodeKind::kSsh);  // inferred from host
  EXPECT_TRUE(topo.nodes.at("dut2").ssh->uses_sudo());
  const auto instances = expand_containers(topo);
  EXPECT_EQ(instances[5].name, "DUT2_CNF2");
  EXPECT_EQ(instances[5].position->nf_id, 2u);
}

TEST(Loader, TopologyKindsWithTheirRequirementsMet) {
  EXPECT_NO_THROW(load_topology_text(R"(containers:
  - {prefix: nf, nf: vpp}
topology: {kind: cross_horiz, interfaces: ["0000:00:06.0"]}
)",
                                     "c.yaml"));
  const auto functional = load_topology_text(R"(containers:
  - {prefix: nf, count: 2, nf: vpp}
topology: {kind: chain_functional, rx_mode: polling}
)",
                                             "f.yaml");
  EXPECT_EQ(functional.topology.rx_mode, RxMode::kPolling);
  EXPECT_NO_THROW(load_topology_text(R"(containers:
  - {prefix: vs, role: vswitch, nf: vpp}
  - {prefix: nf, count: 4, nf: {kind: vpp, page_size: 4K}}
topology: {kind: chain_vswitch, interfaces: ["0000:00:06.0", "0000:00:07.0"]}
)",
                                     "v.yaml"));
  EXPECT_NO_THROW(load_topology_text(R"(containers:
  - {prefix: nf, count: 2, nf: vpp}
topology: {kind: chain_dma}
)",
                                     "d.yaml"));
  EXPECT_NO_THROW(load_topology_text(R"(containers:
  - {prefix: nf, count: 2, nf: testpmd}
topology: {kind: chain_ip4}
)",
                                     "i.yaml"));
}

TEST(Loader, ReadsAFileFromDisk) {
  const auto dir = std::filesystem::temp_directory_path() / "cnfctl_topology_loader_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / "disk.yaml";
  std::ofstream(path) << "containers:\n  - prefix: nf\n";
  const auto topo = load_topology_file(path);
  EXPECT_EQ(topo.name, "disk");
  EXPECT_EQ(topo.source, path.string());
  std::filesystem::remove_all(dir);
}

TEST(Loader, MissingFileAndDirectoryAreBadInput) {
  try {
    load_topology_file("/nonexistent/topo.yaml");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_EQ(e.describe(),
              "/nonexistent/topo.yaml: cannot read the topology file: No such file or directory");
  }
  try {
    load_topology_file("/");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_EQ(e.describe(), "/: cannot read the topology file: it is a directory");
  }
}

// Only regular files are read: a FIFO would block the reader forever, a device may be endless.
TEST(Loader, OnlyRegularFilesAreRead) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("cnfctl_topology_loader_fifo_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto fifo = dir / "fifo.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto loop = dir / "loop.yaml";
  std::filesystem::create_symlink(loop, loop);
  const auto device = dir / "zero.yaml";
  std::filesystem::create_symlink("/dev/zero", device);
  const auto big = dir / "big.yaml";
  std::ofstream(big) << std::string(kMaxTopologyFileBytes + 1, '#');
  for (const auto& [path, why] : std::vector<std::pair<std::filesystem::path, std::string>>{
           {fifo, "it is a FIFO (named pipe), not a regular file"},
           {loop, "Too many levels of symbolic links"},
           {device, "it is a character device, not a regular file"},
           {big, "the file is 1048577 bytes, larger than 1048576 bytes"}}) {
    try {
      load_topology_file(path);
      ADD_FAILURE() << path << ": no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_EQ(e.describe().rfind(path.string() + ": ", 0), 0U) << e.describe();
      EXPECT_NE(e.describe().find(why), std::string::npos) << e.describe();
    }
  }
  std::filesystem::remove_all(dir);
}

// 110,000 keys in one mapping load, each found (an index, not a scan per key). How long it
// takes is bench/topology_load's business, not a test's.
TEST(Loader, AHundredThousandKeysLoad) {
  // "n" and 4 base-36 digits: 9 bytes a key, 990 kB in all (the limit is 1 MiB).
  auto name = [](int i) {
    std::string out = "n0000";
    for (int pos = 4; pos > 0; --pos, i /= 36) {
      out[static_cast<std::size_t>(pos)] = "0123456789abcdefghijklmnopqrstuvwxyz"[i % 36];
    }
    return out;
  };
  std::string text = "containers:\n  - {prefix: nf, node: n0000}\nnodes:\n";
  for (int i = 0; i < 110000; ++i) text += "  " + name(i) + ":\n";
  ASSERT_LT(text.size(), kMaxTopologyFileBytes);
  const auto topo = load_topology_text(text, "keys.yaml");
  EXPECT_EQ(topo.nodes.size(), 110000u);
  EXPECT_TRUE(topo.nodes.count(name(109999)));
  EXPECT_EQ(topo.containers.front().node, "n0000");
}

TEST(Loader, MountCreateKey) {
  const auto topo = load_topology_text(
      "containers:\n  - prefix: c\n    mounts:\n      - {host: /srv/new, guest: /data, create: "
      "true}\n      - /srv/old:/old\n",
      "m.yaml");
  const auto& mounts = topo.containers.front().mounts;
  ASSERT_EQ(mounts.size(), 2u);
  EXPECT_TRUE(mounts[0].create);
  EXPECT_FALSE(mounts[1].create);
}

TEST(ModelNames, RoundTripThroughToString) {
  EXPECT_EQ(to_string(EngineKind::kPodman), "podman");
  EXPECT_EQ(to_string(TopologyKind::kChainFunctional), "chain_functional");
  EXPECT_EQ(to_string(CpuPolicy::kShared), "shared");
  EXPECT_EQ(to_string(ForwardMode::kMacswap), "macswap");
  EXPECT_EQ(to_string(SudoMode::kNever), "false");
  EXPECT_EQ(to_string(Role::kGenerator), "generator");
}

}  // namespace
}  // namespace cnfctl::topology
