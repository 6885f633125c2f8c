#include "nf/testpmd/testpmd_args.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"

namespace cnfctl::testpmd {
namespace {

using wiring::TopologyKind;
using Argv = std::vector<std::string>;

wiring::WiringPlan plan(TopologyKind kind, int nodes, bool vswitch, bool ends) {
  wiring::WiringRequest r;
  r.kind = kind;
  r.nodes_per_chain = nodes;
  r.host_socket_dir = "/run/cnfctl/sockets/run1";
  r.guest_socket_dir = "/run/cnfctl/memif";
  r.tg.mac[0] = "02:00:00:00:00:01";
  r.tg.mac[1] = "02:00:00:00:00:02";
  for (int p = 1; p <= nodes; ++p) r.nfs.push_back({"nf" + std::to_string(p), 1, p, ""});
  if (vswitch) r.vswitches = {{"vs", ""}};
  if (ends) {
    r.generators = {{"gen", ""}};
    r.sinks = {{"sink", ""}};
  }
  return wiring::build_wiring_plan(r);
}

TestpmdOptions options(std::vector<int> cpus, std::string prefix) {
  TestpmdOptions o;
  o.cpus = std::move(cpus);
  o.file_prefix = std::move(prefix);
  return o;
}

bool contains(const Argv& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

void expect_bad_input(const wiring::ContainerWiring& c, const TestpmdOptions& o,
                      const std::string& fragment) {
  try {
    testpmd_argv(c, o);
    FAIL() << "no error, expected: " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.describe();
    EXPECT_NE(e.describe().find(fragment), std::string::npos) << e.describe();
    EXPECT_NE(e.describe().find("container " + c.name), std::string::npos) << e.describe();
  }
}

TEST(ForwardMode, NamesAndDefaults) {
  for (auto mode : {ForwardMode::kIo, ForwardMode::kMac, ForwardMode::kMacSwap,
                    ForwardMode::kTxOnly, ForwardMode::kRxOnly}) {
    EXPECT_EQ(parse_forward_mode(to_string(mode)), mode);
  }
  EXPECT_EQ(parse_forward_mode("flowgen"), std::nullopt);
  EXPECT_EQ(default_forward_mode(wiring::ContainerRole::kNf), ForwardMode::kIo);
  EXPECT_EQ(default_forward_mode(wiring::ContainerRole::kVswitch), ForwardMode::kIo);
  EXPECT_EQ(default_forward_mode(wiring::ContainerRole::kGenerator), ForwardMode::kTxOnly);
  EXPECT_EQ(default_forward_mode(wiring::ContainerRole::kSink), ForwardMode::kRxOnly);
}

TEST(TestpmdArgv, NfFullCommandLine) {
  const auto p = plan(TopologyKind::kChain, 2, true, true);
  EXPECT_EQ(testpmd_argv(p.at("nf2"), options({2, 3}, "run1-nf2")),
            (Argv{"/usr/bin/dpdk-testpmd", "--no-huge", "-m", "512", "--no-pci",
                  "--file-prefix=run1-nf2", "--lcores", "0@2,1@3",
                  "--vdev=net_memif0,role=server,socket=/run/cnfctl/memif/memif-nf2-3,id=2,"
                  "socket-abstract=no",
                  "--vdev=net_memif1,role=server,socket=/run/cnfctl/memif/memif-nf2-4,id=2,"
                  "socket-abstract=no",
                  "--", "--forward-mode=io", "--total-num-mbufs=32768", "--nb-cores=1",
                  "--auto-start", "--disable-link-check", "--no-mlockall"}));
}

TEST(TestpmdArgv, VswitchIsThePairedSnake) {
  const auto p = plan(TopologyKind::kChain, 2, true, true);
  const Argv argv = testpmd_argv(p.at("vs"), options({1}, "run1-vs"));
  EXPECT_TRUE(contains(argv, "0@1,1@1"));  // one CPU: both lcores on it
  EXPECT_TRUE(contains(argv, "--port-topology=paired"));
  EXPECT_TRUE(contains(argv, "--forward-mode=io"));
  const Argv vdevs(argv.begin() + 8, argv.begin() + 14);
  EXPECT_EQ(vdevs, (Argv{"--vdev=net_memif0,role=server,socket=/run/cnfctl/memif/memif-vs-1,id=1,"
                         "socket-abstract=no",
                         "--vdev=net_memif1,role=client,socket=/run/cnfctl/memif/memif-nf1-1,id=1,"
                         "socket-abstract=no",
                         "--vdev=net_memif2,role=client,socket=/run/cnfctl/memif/memif-nf1-2,id=1,"
                         "socket-abstract=no",
                         "--vdev=net_memif3,role=client,socket=/run/cnfctl/memif/memif-nf2-3,id=2,"
                         "socket-abstract=no",
                         "--vdev=net_memif4,role=client,socket=/run/cnfctl/memif/memif-nf2-4,id=2,"
                         "socket-abstract=no",
                         "--vdev=net_memif5,role=server,socket=/run/cnfctl/memif/memif-vs-6,id=1,"
                         "socket-abstract=no"}));
  EXPECT_EQ(argv[14], "--");
}

TEST(TestpmdArgv, GeneratorAndSink) {
  const auto p = plan(TopologyKind::kChain, 2, true, true);
  const Argv gen = testpmd_argv(p.at("gen"), options({0}, "gen"));
  EXPECT_TRUE(contains(gen, "--forward-mode=txonly"));
  EXPECT_TRUE(contains(gen,
                       "--vdev=net_memif0,role=client,socket=/run/cnfctl/memif/memif-vs-1,"
                       "id=1,socket-abstract=no"));
  EXPECT_FALSE(contains(gen, "--port-topology=paired"));
  const Argv sink = testpmd_argv(p.at("sink"), options({0}, "sink"));
  EXPECT_TRUE(contains(sink, "--forward-mode=rxonly"));
  EXPECT_TRUE(contains(sink,
                       "--vdev=net_memif0,role=client,socket=/run/cnfctl/memif/memif-vs-6,"
                       "id=1,socket-abstract=no"));
}

// chain_ip4 routes: the generator's frames go to nf1's memif MAC, from 10/8 to 20/8; the l2
// kinds keep testpmd's default addressing.
TEST(TestpmdArgv, Ip4GeneratorAddressesTheFirstNf) {
  const auto p = plan(TopologyKind::kChainIp4, 2, true, true);
  const Argv gen = testpmd_argv(p.at("gen"), options({0}, "gen"));
  EXPECT_TRUE(contains(gen, "--forward-mode=txonly"));
  EXPECT_TRUE(contains(gen, "--eth-peer=0,52:54:00:00:01:01"));
  EXPECT_TRUE(contains(gen, "--tx-ip=10.0.0.1,20.0.0.1"));
  EXPECT_NE(gen[8].find(",mac=02:00:00:00:00:01"), std::string::npos) << gen[8];
  const Argv sink = testpmd_argv(p.at("sink"), options({0}, "sink"));
  EXPECT_FALSE(std::any_of(sink.begin(), sink.end(), [](const std::string& a) {
    return a.rfind("--tx-ip", 0) == 0 || a.rfind("--eth-peer", 0) == 0;
  }));
  const Argv l2 =
      testpmd_argv(plan(TopologyKind::kChain, 2, true, true).at("gen"), options({0}, "gen"));
  EXPECT_FALSE(std::any_of(l2.begin(), l2.end(), [](const std::string& a) {
    return a.rfind("--tx-ip", 0) == 0 || a.rfind("--eth-peer", 0) == 0;
  }));
}

TEST(TestpmdArgv, SharedCoresUseLargeRings) {
  const auto p = plan(TopologyKind::kChain, 1, false, false);
  TestpmdOptions o = options({0, 1}, "nf1");
  o.cores_shared = true;
  Argv argv = testpmd_argv(p.at("nf1"), o);
  EXPECT_TRUE(contains(argv,
                       "--vdev=net_memif0,role=server,socket=/run/cnfctl/memif/memif-nf1-1,"
                       "id=1,socket-abstract=no,rsize=14"));
  o.ring_size_log2 = 12;
  argv = testpmd_argv(p.at("nf1"), o);
  EXPECT_TRUE(contains(argv,
                       "--vdev=net_memif1,role=server,socket=/run/cnfctl/memif/memif-nf1-2,"
                       "id=1,socket-abstract=no,rsize=12"));
}

TEST(TestpmdArgv, HostPathsAndOptions) {
  const auto p = plan(TopologyKind::kChain, 1, false, false);
  TestpmdOptions o = options({4, 5, 6}, "bare-nf1");
  o.binary = "/opt/dpdk/bin/dpdk-testpmd";
  o.host_paths = true;
  o.memory_mb = 256;
  o.mbufs = 8192;
  o.forward_mode = ForwardMode::kMacSwap;
  o.lock_memory = true;
  o.stats_period_s = 86400;
  o.extra_eal_args = {"--log-level=pmd.net.memif:debug"};
  o.extra_args = {"--burst=64"};
  const Argv argv = testpmd_argv(p.at("nf1"), o);
  EXPECT_EQ(argv[0], "/opt/dpdk/bin/dpdk-testpmd");
  EXPECT_EQ(argv[3], "256");
  EXPECT_EQ(argv[7], "0@4,1@5");
  EXPECT_EQ(argv[8],
            "--vdev=net_memif0,role=server,socket=/run/cnfctl/sockets/run1/memif-nf1-1,"
            "id=1,socket-abstract=no");
  EXPECT_EQ(argv[10], "--log-level=pmd.net.memif:debug");
  EXPECT_EQ(argv[11], "--");
  EXPECT_TRUE(contains(argv, "--forward-mode=macswap"));
  EXPECT_TRUE(contains(argv, "--total-num-mbufs=8192"));
  EXPECT_FALSE(contains(argv, "--no-mlockall"));
  EXPECT_EQ(argv[argv.size() - 2], "--stats-period=86400");
  EXPECT_EQ(argv.back(), "--burst=64");
}

TEST(TestpmdArgv, MacModeSetsPortMacsAndPeers) {
  const auto p = plan(TopologyKind::kChainIp4, 2, false, false);
  TestpmdOptions o = options({1}, "nf1");
  o.forward_mode = ForwardMode::kMac;
  const Argv argv = testpmd_argv(p.at("nf1"), o);
  EXPECT_TRUE(contains(argv,
                       "--vdev=net_memif0,role=server,socket=/run/cnfctl/memif/memif-nf1-1,"
                       "id=1,socket-abstract=no,mac=52:54:00:00:01:01"));
  EXPECT_TRUE(contains(argv, "--eth-peer=0,02:00:00:00:00:01"));
  EXPECT_TRUE(contains(argv, "--eth-peer=1,52:54:00:00:02:01"));
  // io mode needs no peers.
  EXPECT_FALSE(
      contains(testpmd_argv(p.at("nf1"), options({1}, "nf1")), "--eth-peer=0,02:00:00:00:00:01"));
}

TEST(TestpmdArgv, PipelineSlaveIsAClient) {
  const auto p = plan(TopologyKind::kPipelineIp4, 2, false, false);
  const Argv argv = testpmd_argv(p.at("nf1"), options({1}, "nf1"));
  EXPECT_TRUE(contains(argv,
                       "--vdev=net_memif1,role=client,socket=/run/cnfctl/memif/memif-pipe-2,"
                       "id=2,socket-abstract=no,mac=52:54:00:00:01:02"));
}

TEST(TestpmdArgv, RejectsWhatTestpmdCannotDo) {
  const auto p = plan(TopologyKind::kChain, 1, false, false);
  const auto& nf = p.at("nf1");
  expect_bad_input(nf, options({}, "nf1"), "at least one CPU");
  expect_bad_input(nf, options({1}, ""), "DPDK file prefix");
  expect_bad_input(nf, options({1}, "a/b"), "DPDK file prefix");
  TestpmdOptions o = options({1}, "nf1");
  o.extra_eal_args = {"--no-telemetry"};
  expect_bad_input(nf, o, "--no-telemetry");
  o = options({1}, "nf1");
  o.ring_size_log2 = 15;
  expect_bad_input(nf, o, "ring size");
  o = options({1}, "nf1");
  o.memory_mb = 0;
  expect_bad_input(nf, o, "memory");

  wiring::ContainerWiring cross = nf;
  cross.physical.push_back({"0000:00:06.0", "eth0"});
  expect_bad_input(cross, options({1}, "nf1"), "physical interfaces");
  wiring::ContainerWiring none = nf;
  none.links.clear();
  expect_bad_input(none, options({1}, "nf1"), "at least one memif link");

  const auto big = plan(TopologyKind::kChain, 16, true, false);  // 2 * 16 + 2 ports
  expect_bad_input(big.at("vs"), options({1}, "vs"), "at most 32 ports");
}

TEST(TestpmdPaths, RuntimeDirAndTelemetry) {
  EXPECT_EQ(testpmd_runtime_dir("run1-nf1"), "/var/run/dpdk/run1-nf1");
  EXPECT_EQ(testpmd_telemetry_socket("run1-nf1"), "/var/run/dpdk/run1-nf1/dpdk_telemetry.v2");
}

}  // namespace
}  // namespace cnfctl::testpmd
