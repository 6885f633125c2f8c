#include "wiring/wiring_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "common/error.h"

namespace cnfctl::wiring {
namespace {

// chains x nodes NFs named nf1..nfN in order, on one unnamed DUT.
WiringRequest chain_request(TopologyKind kind, int chains, int nodes) {
  WiringRequest r;
  r.kind = kind;
  r.chains = chains;
  r.nodes_per_chain = nodes;
  r.host_socket_dir = "/run/cnfctl/sockets/run1";
  r.guest_socket_dir = "/run/cnfctl/memif";
  r.tg.mac[0] = "02:00:00:00:00:01";
  r.tg.mac[1] = "02:00:00:00:00:02";
  r.tg.ip4[0] = "10.10.10.2";
  r.tg.ip4[1] = "20.20.20.2";
  int n = 1;
  for (int c = 1; c <= chains; ++c) {
    for (int p = 1; p <= nodes; ++p) r.nfs.push_back({"nf" + std::to_string(n++), c, p, ""});
  }
  return r;
}

// Two DUTs with a vswitch and `nodes` IPsec NFs each (CSIT's names).
WiringRequest ipsec_request(int nodes) {
  WiringRequest r = chain_request(TopologyKind::kChainIpsec, 1, nodes);
  r.nfs.clear();
  r.duts = {DutSpec{"dut1",
                    {{"0000:00:06.0", "TenGigabitEthernet0/6/0"},
                     {"0000:00:07.0", "TenGigabitEthernet0/7/0"}}},
            DutSpec{"dut2",
                    {{"0000:00:08.0", "TenGigabitEthernet0/8/0"},
                     {"0000:00:09.0", "TenGigabitEthernet0/9/0"}}}};
  for (const char* dut : {"dut1", "dut2"}) {
    const std::string prefix = dut == std::string("dut1") ? "DUT1_CNF" : "DUT2_CNF";
    for (int p = 1; p <= nodes; ++p) r.nfs.push_back({prefix + std::to_string(p), 1, p, dut});
  }
  r.vswitches = {{"DUT1_vswitch", "dut1"}, {"DUT2_vswitch", "dut2"}};
  r.ipsec.dut1_if1_ip4 = "100.0.0.1";
  r.ipsec.dut2_if1_ip4 = "200.0.0.1";
  r.ipsec.dut2_if2_ip4 = "192.168.10.1";
  r.ipsec.laddr_ip4 = "10.0.0.0";
  r.ipsec.raddr_ip4 = "20.0.0.0";
  r.rx_queues = 2;
  return r;
}

void expect_bad_input(const WiringRequest& r, const std::string& fragment) {
  try {
    build_wiring_plan(r);
    FAIL() << "no error, expected: " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.describe();
    EXPECT_NE(e.describe().find(fragment), std::string::npos) << e.describe();
  }
}

TEST(JoinSocketPath, NeverDoubleSlash) {
  EXPECT_EQ(join_socket_path("/run/x", "memif-a-1"), "/run/x/memif-a-1");
  EXPECT_EQ(join_socket_path("/run/x/", "memif-a-1"), "/run/x/memif-a-1");
  EXPECT_EQ(join_socket_path("/run//x///", "/memif-a-1"), "/run/x/memif-a-1");
  EXPECT_EQ(join_socket_path("/", "memif-a-1"), "/memif-a-1");
}

TEST(TopologyKindNames, RoundTrip) {
  for (TopologyKind kind : kAllTopologyKinds) EXPECT_EQ(parse_topology_kind(to_string(kind)), kind);
  EXPECT_EQ(parse_topology_kind("l2xc"), std::nullopt);
  EXPECT_EQ(to_string(MemifRole::kSlave), "slave");
  EXPECT_EQ(to_string(ContainerRole::kGenerator), "generator");
}

TEST(WiringPlan, ChainTwoByTwoIdsAndSockets) {
  const WiringPlan plan = build_wiring_plan(chain_request(TopologyKind::kChain, 2, 2));
  ASSERT_EQ(plan.containers.size(), 4u);
  const ContainerWiring& nf3 = plan.at("nf3");
  EXPECT_EQ(nf3.chain, 2);
  EXPECT_EQ(nf3.position, 1);
  EXPECT_EQ(nf3.nf_id, 3);
  ASSERT_EQ(nf3.links.size(), 2u);
  const MemifLink& in = nf3.links[0];
  EXPECT_EQ(in.socket_file, "memif-nf3-5");
  EXPECT_EQ(in.host_socket_path, "/run/cnfctl/sockets/run1/memif-nf3-5");
  EXPECT_EQ(in.guest_socket_path, "/run/cnfctl/memif/memif-nf3-5");
  EXPECT_EQ(in.socket_id, 5);
  EXPECT_EQ(in.interface_id, 3);
  EXPECT_TRUE(in.is_server());
  EXPECT_EQ(in.peer, "");  // the vswitch is outside the plan (CSIT's host VPP)
  EXPECT_EQ(nf3.links[1].socket_file, "memif-nf3-6");
  EXPECT_EQ(nf3.links[1].socket_id, 6);
  EXPECT_EQ(nf3.links[1].interface_id, 3);
  EXPECT_TRUE(in.mac.empty());
  EXPECT_TRUE(in.ip4.empty());
  EXPECT_TRUE(nf3.routes.empty());
  for (const auto& c : plan.containers) EXPECT_EQ(c.start_stage, 0);
}

TEST(WiringPlan, FunctionalAndDmaFlags) {
  const auto functional = build_wiring_plan(chain_request(TopologyKind::kChainFunctional, 1, 1));
  EXPECT_EQ(functional.at("nf1").links[1].rx_mode, "interrupt");
  EXPECT_FALSE(functional.at("nf1").links[1].use_dma);
  const auto dma = build_wiring_plan(chain_request(TopologyKind::kChainDma, 1, 1));
  EXPECT_TRUE(dma.at("nf1").links[0].use_dma);
  EXPECT_EQ(dma.at("nf1").links[0].rx_mode, "");
}

TEST(WiringPlan, ChainIp4NeighboursFollowTheChain) {
  const WiringPlan plan = build_wiring_plan(chain_request(TopologyKind::kChainIp4, 2, 2));
  const ContainerWiring& nf1 = plan.at("nf1");
  EXPECT_EQ(nf1.links[0].mac, "52:54:00:00:01:01");
  EXPECT_EQ(nf1.links[0].ip4, "1.1.1.1/24");
  EXPECT_EQ(nf1.links[0].neighbor_ip4, "1.1.1.2");
  EXPECT_EQ(nf1.links[0].neighbor_mac, "02:00:00:00:00:01");  // TG port 1
  EXPECT_EQ(nf1.links[1].mac, "52:54:00:00:01:02");
  EXPECT_EQ(nf1.links[1].neighbor_mac, "52:54:00:00:02:01");  // nf2's memif 1
  const ContainerWiring& nf2 = plan.at("nf2");
  EXPECT_EQ(nf2.links[0].neighbor_mac, "52:54:00:00:01:02");  // nf1's memif 2
  EXPECT_EQ(nf2.links[1].neighbor_mac, "02:00:00:00:00:02");  // TG port 2
  const ContainerWiring& nf3 = plan.at("nf3");                // chain 2 starts at the TG again
  EXPECT_EQ(nf3.links[0].neighbor_mac, "02:00:00:00:00:01");
  EXPECT_EQ(nf3.links[1].ip4, "1.1.6.1/24");
  ASSERT_EQ(nf3.routes.size(), 2u);
  EXPECT_EQ(nf3.routes[0], (Route{"10.0.0.0/8", "1.1.5.2", 0}));
  EXPECT_EQ(nf3.routes[1], (Route{"20.0.0.0/8", "1.1.6.2", 1}));
}

TEST(WiringPlan, PipelineMiddleNfGetsItsNeighboursMac) {
  const WiringPlan plan = build_wiring_plan(chain_request(TopologyKind::kPipelineIp4, 1, 3));
  const ContainerWiring& nf1 = plan.at("nf1");
  const ContainerWiring& nf2 = plan.at("nf2");
  const ContainerWiring& nf3 = plan.at("nf3");
  EXPECT_EQ(nf1.links[0].socket_file, "memif-nf1-1");
  EXPECT_EQ(nf1.links[1].socket_file, "memif-pipe-2");
  EXPECT_EQ(nf1.links[1].role, MemifRole::kSlave);
  EXPECT_EQ(nf1.links[1].interface_id, 2);
  EXPECT_EQ(nf1.links[1].peer, "nf2");

  EXPECT_EQ(nf2.links[0].socket_file, "memif-pipe-2");
  EXPECT_EQ(nf2.links[0].role, MemifRole::kMaster);
  EXPECT_EQ(nf2.links[0].interface_id, 2);
  EXPECT_EQ(nf2.links[0].neighbor_mac, "52:54:00:00:01:02");
  EXPECT_EQ(nf2.links[1].socket_file, "memif-pipe-3");
  EXPECT_EQ(nf2.links[1].interface_id, 3);
  EXPECT_EQ(nf2.links[1].socket_id, 4);
  EXPECT_EQ(nf2.links[1].mac, "52:54:00:00:02:02");
  // The seed gave the TG's MAC here (it tested the already bumped mid2).
  EXPECT_EQ(nf2.links[1].neighbor_mac, "52:54:00:00:03:01");

  EXPECT_EQ(nf3.links[1].socket_file, "memif-nf3-6");
  EXPECT_EQ(nf3.links[1].role, MemifRole::kMaster);
  EXPECT_EQ(nf3.links[1].neighbor_mac, "02:00:00:00:00:02");
  // Servers first: nf3 serves nf2, which serves nf1.
  EXPECT_EQ(nf3.start_stage, 0);
  EXPECT_EQ(nf2.start_stage, 1);
  EXPECT_EQ(nf1.start_stage, 2);
}

TEST(WiringPlan, TestpmdSnakeThroughVswitch) {
  WiringRequest r = chain_request(TopologyKind::kChain, 1, 3);
  r.vswitches = {{"vs1", ""}};
  r.generators = {{"gen1", ""}};
  r.sinks = {{"sink1", ""}};
  const WiringPlan plan = build_wiring_plan(r);
  ASSERT_EQ(plan.containers.size(), 6u);
  EXPECT_EQ(plan.containers[3].name, "vs1");
  EXPECT_EQ(plan.containers[4].name, "gen1");
  EXPECT_EQ(plan.containers[5].name, "sink1");

  const ContainerWiring& vs = plan.at("vs1");
  EXPECT_EQ(vs.role, ContainerRole::kVswitch);
  ASSERT_EQ(vs.links.size(), 8u);  // 2N + 2
  EXPECT_EQ(vs.links[0].socket_file, "memif-vs1-1");
  EXPECT_EQ(vs.links[0].role, MemifRole::kMaster);
  EXPECT_EQ(vs.links[0].peer, "gen1");
  const char* inner[] = {"memif-nf1-1", "memif-nf1-2", "memif-nf2-3",
                         "memif-nf2-4", "memif-nf3-5", "memif-nf3-6"};
  for (int port = 1; port <= 6; ++port) {
    const MemifLink& l = vs.links[port];
    EXPECT_EQ(l.socket_file, inner[port - 1]);
    EXPECT_EQ(l.role, MemifRole::kSlave);
    EXPECT_EQ(l.interface_id, (port + 1) / 2);
    EXPECT_EQ(l.peer, "nf" + std::to_string((port + 1) / 2));
  }
  EXPECT_EQ(vs.links[7].socket_file, "memif-vs1-8");
  EXPECT_EQ(vs.links[7].peer, "sink1");
  EXPECT_TRUE(vs.links[7].is_server());

  const ContainerWiring& gen = plan.at("gen1");
  ASSERT_EQ(gen.links.size(), 1u);
  EXPECT_EQ(gen.links[0].guest_socket_path, "/run/cnfctl/memif/memif-vs1-1");
  EXPECT_EQ(gen.links[0].role, MemifRole::kSlave);
  EXPECT_EQ(gen.links[0].peer, "vs1");
  EXPECT_EQ(plan.at("sink1").links[0].socket_file, "memif-vs1-8");
  EXPECT_EQ(plan.at("nf2").links[0].peer, "vs1");

  EXPECT_EQ(plan.at("nf1").start_stage, 0);
  EXPECT_EQ(vs.start_stage, 1);
  EXPECT_EQ(gen.start_stage, 2);
  EXPECT_EQ(plan.at("sink1").start_stage, 2);
}

TEST(WiringPlan, VswitchWithoutTrafficEndsKeepsItsOuterPorts) {
  WiringRequest r = chain_request(TopologyKind::kChain, 1, 1);
  r.vswitches = {{"vs1", ""}};
  const WiringPlan plan = build_wiring_plan(r);
  const ContainerWiring& vs = plan.at("vs1");
  ASSERT_EQ(vs.links.size(), 4u);
  EXPECT_EQ(vs.links[0].peer, "");
  EXPECT_EQ(vs.links[3].peer, "");
}

TEST(WiringPlan, PipelineSnakeUsesOnlyChainEnds) {
  WiringRequest r = chain_request(TopologyKind::kPipelineIp4, 2, 2);
  r.vswitches = {{"vs1", ""}};
  const WiringPlan plan = build_wiring_plan(r);
  const ContainerWiring& vs = plan.at("vs1");
  // Per chain: an outer port, the chain's two ends, an outer port.
  ASSERT_EQ(vs.links.size(), 8u);
  EXPECT_EQ(vs.links[0].socket_file, "memif-vs1-1");
  EXPECT_EQ(vs.links[1].socket_file, "memif-nf1-1");
  EXPECT_EQ(vs.links[2].socket_file, "memif-nf2-4");
  EXPECT_EQ(vs.links[3].socket_file, "memif-vs1-4");
  EXPECT_EQ(vs.links[4].socket_file, "memif-vs1-5");
  EXPECT_EQ(vs.links[5].socket_file, "memif-nf3-5");
  EXPECT_EQ(vs.links[6].socket_file, "memif-nf4-8");
  EXPECT_EQ(vs.links[7].socket_file, "memif-vs1-8");
}

// chain_ip4 / pipeline_ip4 route: the generator's frames must be addressed to the first NF's
// memif MAC, with a destination in the far network (20.0.0.0/8), one port per chain.
TEST(WiringPlan, Ip4GeneratorAddressesEachChainsFirstNf) {
  for (TopologyKind kind : {TopologyKind::kChainIp4, TopologyKind::kPipelineIp4}) {
    WiringRequest r = chain_request(kind, 2, 2);
    r.vswitches = {{"vs1", ""}};
    r.generators = {{"gen1", ""}};
    r.sinks = {{"sink1", ""}};
    const WiringPlan plan = build_wiring_plan(r);
    const ContainerWiring& gen = plan.at("gen1");
    EXPECT_EQ(gen.flow_src_ip4, "10.0.0.1");
    EXPECT_EQ(gen.flow_dst_ip4, "20.0.0.1");
    ASSERT_EQ(gen.links.size(), 2u) << to_string(kind);
    EXPECT_EQ(gen.links[0].socket_file, "memif-vs1-1");
    EXPECT_EQ(gen.links[0].socket_id, 1);
    EXPECT_EQ(gen.links[0].mac, "02:00:00:00:00:01");
    EXPECT_EQ(gen.links[0].neighbor_mac, plan.at("nf1").links[0].mac);
    EXPECT_EQ(gen.links[1].socket_id, 2);
    EXPECT_EQ(gen.links[1].neighbor_mac, plan.at("nf3").links[0].mac);
    EXPECT_EQ(gen.links[1].neighbor_mac, "52:54:00:00:03:01");
    const ContainerWiring& sink = plan.at("sink1");
    ASSERT_EQ(sink.links.size(), 2u);
    EXPECT_EQ(sink.links[0].mac, "02:00:00:00:00:02");  // the last NF's neighbour
    EXPECT_EQ(sink.links[1].socket_file,
              "memif-vs1-" + std::to_string(plan.at("vs1").links.size()));
    EXPECT_TRUE(sink.flow_dst_ip4.empty());
  }
  // l2 kinds: no addressing.
  WiringRequest r = chain_request(TopologyKind::kChain, 1, 2);
  r.vswitches = {{"vs1", ""}};
  r.generators = {{"gen1", ""}};
  const WiringPlan plan = build_wiring_plan(r);
  EXPECT_TRUE(plan.at("gen1").flow_dst_ip4.empty());
  EXPECT_TRUE(plan.at("gen1").links[0].neighbor_mac.empty());
  EXPECT_TRUE(plan.at("gen1").links[0].mac.empty());
}

TEST(WiringPlan, GeneratorAndSinkConnectDirectlyToEachPipeline) {
  WiringRequest r = chain_request(TopologyKind::kPipelineIp4, 2, 3);
  r.generators = {{"gen1", ""}};
  r.sinks = {{"sink1", ""}};
  const WiringPlan plan = build_wiring_plan(r);
  const ContainerWiring& gen = plan.at("gen1");
  ASSERT_EQ(gen.links.size(), 2u);
  EXPECT_EQ(gen.links[0].socket_file, "memif-nf1-1");
  EXPECT_EQ(gen.links[0].peer, "nf1");
  EXPECT_EQ(gen.links[1].socket_file, "memif-nf4-7");
  EXPECT_EQ(gen.links[1].peer, "nf4");
  EXPECT_EQ(gen.links[1].neighbor_mac, "52:54:00:00:04:01");
  const ContainerWiring& sink = plan.at("sink1");
  ASSERT_EQ(sink.links.size(), 2u);
  EXPECT_EQ(sink.links[0].socket_file, "memif-nf3-6");
  EXPECT_EQ(sink.links[1].socket_file, "memif-nf6-12");
  EXPECT_EQ(plan.at("nf6").links[1].peer, "sink1");
}

TEST(WiringPlan, GeneratorAndSinkConnectDirectlyToASingleNf) {
  WiringRequest r = chain_request(TopologyKind::kChain, 1, 1);
  r.generators = {{"gen1", ""}};
  r.sinks = {{"sink1", ""}};
  const WiringPlan plan = build_wiring_plan(r);
  EXPECT_EQ(plan.at("gen1").links[0].socket_file, "memif-nf1-1");
  EXPECT_EQ(plan.at("gen1").links[0].interface_id, 1);
  EXPECT_EQ(plan.at("gen1").links[0].role, MemifRole::kSlave);
  EXPECT_EQ(plan.at("sink1").links[0].socket_file, "memif-nf1-2");
  EXPECT_EQ(plan.at("nf1").links[0].peer, "gen1");
  EXPECT_EQ(plan.at("nf1").links[1].peer, "sink1");
  EXPECT_EQ(plan.at("sink1").start_stage, 1);

  r = chain_request(TopologyKind::kChain, 1, 2);
  r.generators = {{"gen1", ""}};
  expect_bad_input(r, "without a vswitch container");
}

TEST(WiringPlan, CrossHorizOneMemifOnePhysical) {
  WiringRequest r = chain_request(TopologyKind::kCrossHoriz, 1, 1);
  r.duts = {DutSpec{"dut1", {{"0000:00:06.0", "TenGigabitEthernet0/6/0"}}},
            DutSpec{"dut2", {{"0000:00:07.0", "TenGigabitEthernet0/7/0"}}}};
  r.nfs = {{"DUT1_CNF1", 1, 1, "dut1"}, {"DUT2_CNF1", 1, 1, "dut2"}};
  const WiringPlan plan = build_wiring_plan(r);
  const ContainerWiring& nf = plan.at("DUT2_CNF1");
  EXPECT_EQ(nf.dut_index, 2);
  ASSERT_EQ(nf.links.size(), 1u);
  EXPECT_EQ(nf.links[0].socket_file, "memif-DUT2_CNF1-1");
  EXPECT_EQ(nf.links[0].socket_id, 1);
  EXPECT_EQ(nf.links[0].interface_id, 1);
  ASSERT_EQ(nf.physical.size(), 1u);
  EXPECT_EQ(nf.physical[0].name, "TenGigabitEthernet0/7/0");

  r.chains = 2;
  expect_bad_input(r, "single NF per DUT");
}

TEST(WiringPlan, IpsecNfsFollowCsit) {
  const WiringPlan plan = build_wiring_plan(ipsec_request(2));
  // DUT1, instance 2 (hand-computed from the seed's _configure_vpp_chain_ipsec).
  const ContainerWiring& d1 = plan.at("DUT1_CNF2");
  ASSERT_TRUE(d1.tunnel);
  EXPECT_EQ(d1.tunnel->instance, 2);
  EXPECT_EQ(d1.tunnel->local_ip, "200.0.0.102");
  EXPECT_EQ(d1.tunnel->remote_ip, "200.0.0.2");
  EXPECT_EQ(d1.tunnel->remote_mac, "02:02:00:00:01:01");
  EXPECT_EQ(d1.tunnel->routed_network, "10.0.0.0");
  EXPECT_EQ(d1.tunnel->config_guest_path,
            "/run/cnfctl/memif/ipsec_create_tunnel_cnf_DUT1_2.config");
  ASSERT_EQ(d1.links.size(), 2u);
  EXPECT_EQ(d1.links[0].socket_file, "memif-DUT1_vswitch-1");
  EXPECT_EQ(d1.links[0].socket_id, 1);
  EXPECT_EQ(d1.links[0].interface_id, 2);
  EXPECT_EQ(d1.links[0].role, MemifRole::kSlave);
  EXPECT_EQ(d1.links[0].mac, "02:02:00:00:11:01");
  EXPECT_EQ(d1.links[0].ip4, "200.0.0.102/24");
  EXPECT_EQ(d1.links[1].socket_file, "memif-DUT1_vswitch-2");
  EXPECT_EQ(d1.links[1].mac, "02:02:00:00:12:01");
  EXPECT_EQ(d1.links[1].ip4, "100.0.0.2/24");
  EXPECT_EQ(d1.links[1].neighbor_ip4, "10.10.10.2");  // TG port 1
  EXPECT_EQ(d1.links[1].neighbor_mac, "02:00:00:00:00:01");
  EXPECT_EQ(d1.routes, (std::vector<Route>{{"10.0.0.0/8", "10.10.10.2", 1}}));
  EXPECT_EQ(d1.start_stage, 1);

  const ContainerWiring& d2 = plan.at("DUT2_CNF1");
  EXPECT_EQ(d2.tunnel->local_ip, "200.0.0.1");
  EXPECT_EQ(d2.tunnel->remote_ip, "200.0.0.101");
  EXPECT_EQ(d2.tunnel->remote_mac, "02:02:00:00:11:00");
  EXPECT_EQ(d2.links[0].mac, "02:02:00:00:01:00");
  EXPECT_EQ(d2.links[1].mac, "02:02:00:00:02:00");
  EXPECT_EQ(d2.links[1].ip4, "192.168.10.1/24");
  EXPECT_EQ(d2.links[1].neighbor_mac, "02:00:00:00:00:02");
  EXPECT_EQ(d2.routes[0].prefix, "20.0.0.0/8");
}

TEST(WiringPlan, IpsecVswitchBridgesEveryInstance) {
  const WiringPlan plan = build_wiring_plan(ipsec_request(2));
  const ContainerWiring& vs1 = plan.at("DUT1_vswitch");
  EXPECT_EQ(vs1.role, ContainerRole::kVswitch);
  EXPECT_EQ(vs1.rx_queues, 2);
  EXPECT_EQ(vs1.bridged_instances, (std::vector<int>{1, 2}));
  // DUT1: red is its interface 2, black its interface 1 (CSIT).
  ASSERT_EQ(vs1.physical.size(), 2u);
  EXPECT_EQ(vs1.physical[0].pci, "0000:00:07.0");
  EXPECT_EQ(vs1.physical[1].pci, "0000:00:06.0");
  ASSERT_EQ(vs1.links.size(), 4u);
  EXPECT_EQ(vs1.links[2].socket_file, "memif-DUT1_vswitch-1");
  EXPECT_EQ(vs1.links[2].interface_id, 2);
  EXPECT_EQ(vs1.links[2].bridge_domain, 1);
  EXPECT_EQ(vs1.links[3].bridge_domain, 2);
  EXPECT_EQ(vs1.links[3].neighbor_ip4, "20.20.20.2");  // TG port 2 on DUT1's vswitch (CSIT)
  EXPECT_EQ(vs1.links[3].peer, "DUT1_CNF2");
  EXPECT_EQ(vs1.start_stage, 0);
  const ContainerWiring& vs2 = plan.at("DUT2_vswitch");
  EXPECT_EQ(vs2.physical[0].pci, "0000:00:08.0");
  EXPECT_EQ(vs2.links[1].neighbor_mac, "02:00:00:00:00:01");
}

TEST(WiringPlan, IdsPerDut) {
  WiringRequest r = chain_request(TopologyKind::kChain, 1, 2);
  r.nfs = {{"b1", 1, 1, "dut2"}, {"a2", 1, 2, "dut1"}, {"b2", 1, 2, "dut2"}, {"a1", 1, 1, "dut1"}};
  const WiringPlan plan = build_wiring_plan(r);  // DUTs: the sorted names
  ASSERT_EQ(plan.containers.size(), 4u);
  EXPECT_EQ(plan.containers[0].name, "a1");
  EXPECT_EQ(plan.containers[3].name, "b2");
  EXPECT_EQ(plan.at("b2").nf_id, 2);
  EXPECT_EQ(plan.at("b2").dut_index, 2);
  EXPECT_EQ(plan.at("b2").links[1].socket_id, 4);
}

// Shuffling the request's lists changes nothing in the plan.
TEST(WiringPlan, IndependentOfListOrder) {
  std::vector<WiringRequest> requests;
  for (TopologyKind kind :
       {TopologyKind::kChain, TopologyKind::kChainFunctional, TopologyKind::kChainIp4,
        TopologyKind::kPipelineIp4, TopologyKind::kChainDma}) {
    WiringRequest r = chain_request(kind, 3, 3);
    r.vswitches = {{"vs", ""}};
    r.generators = {{"gen", ""}};
    r.sinks = {{"sink", ""}};
    // Names that sort differently from the positions.
    for (auto& nf : r.nfs) nf.name = "x" + std::to_string(97 - nf.chain * 10 - nf.position);
    requests.push_back(r);
    requests.push_back(chain_request(kind, 2, 4));
  }
  requests.push_back(ipsec_request(4));
  WiringRequest vswitch = ipsec_request(3);
  vswitch.kind = TopologyKind::kChainVswitch;
  requests.push_back(vswitch);

  std::mt19937 rng(7);
  for (const auto& request : requests) {
    const WiringPlan reference = build_wiring_plan(request);
    for (int round = 0; round < 5; ++round) {
      WiringRequest shuffled = request;
      std::shuffle(shuffled.nfs.begin(), shuffled.nfs.end(), rng);
      std::shuffle(shuffled.vswitches.begin(), shuffled.vswitches.end(), rng);
      const WiringPlan plan = build_wiring_plan(shuffled);
      ASSERT_EQ(plan.containers.size(), reference.containers.size());
      for (const auto& c : reference.containers) {
        const ContainerWiring* same = plan.find(c.name);
        ASSERT_NE(same, nullptr) << c.name;
        EXPECT_EQ(*same, c) << to_string(request.kind) << " " << c.name;
      }
    }
  }
}

TEST(WiringPlan, NoDoubleSlashAnywhere) {
  WiringRequest r = chain_request(TopologyKind::kPipelineIp4, 2, 3);
  r.host_socket_dir = "/run//cnfctl/";
  r.guest_socket_dir = "/memif/";
  r.vswitches = {{"vs", ""}};
  for (const auto& c : build_wiring_plan(r).containers) {
    for (const auto& l : c.links) {
      EXPECT_EQ(l.host_socket_path.find("//"), std::string::npos) << l.host_socket_path;
      EXPECT_EQ(l.guest_socket_path.find("//"), std::string::npos) << l.guest_socket_path;
    }
  }
}

TEST(WiringPlan, RejectsBadInput) {
  WiringRequest r = chain_request(TopologyKind::kChain, 1, 2);
  r.nfs[1].position = 1;
  expect_bad_input(r, "both sit at chain 1 position 1");

  r = chain_request(TopologyKind::kChain, 1, 2);
  r.nfs[1].chain = 2;
  expect_bad_input(r, "chain 2 is not in 1..1");

  r = chain_request(TopologyKind::kChain, 2, 2);
  r.nfs.pop_back();
  expect_bad_input(r, "no NF at chain 2 position 2");

  r = chain_request(TopologyKind::kChain, 1, 1);
  r.nfs[0].name = "../x";
  expect_bad_input(r, "unsafe container name");

  r = chain_request(TopologyKind::kChain, 1, 1);
  r.vswitches = {{"nf1", ""}};
  expect_bad_input(r, "listed twice");

  r = chain_request(TopologyKind::kChain, 1, 1);
  r.guest_socket_dir = "memif";
  expect_bad_input(r, "absolute");

  r = chain_request(TopologyKind::kChain, 1, 1);
  r.host_socket_dir = "/" + std::string(100, 'd');
  expect_bad_input(r, "sun_path");

  r = chain_request(TopologyKind::kChainIp4, 1, 1);
  r.tg.mac[1].clear();
  expect_bad_input(r, "MAC of TG port 2");

  r = chain_request(TopologyKind::kChainIp4, 128, 1);
  expect_bad_input(r, "at most 127 NFs");

  r = ipsec_request(1);
  r.vswitches.pop_back();
  expect_bad_input(r, "needs a vswitch container on DUT 'dut2'");

  r = ipsec_request(1);
  r.ipsec.dut2_if1_ip4 = "200.0.1";
  expect_bad_input(r, "dut2_if1_ip4 must be an ip4 address");

  r = ipsec_request(1);
  r.duts[1].interfaces.pop_back();
  expect_bad_input(r, "two physical interfaces");

  r = chain_request(TopologyKind::kChain, 1, 1);
  r.nfs[0].dut = "elsewhere";
  r.duts = {DutSpec{"dut1", {}}};
  expect_bad_input(r, "unknown DUT 'elsewhere'");

  r = chain_request(TopologyKind::kChain, 1, 1);
  r.generators = {{"g1", ""}, {"g2", ""}};
  expect_bad_input(r, "two generator containers");

  // The last NF of chain 1, named "pipe", would own memif-pipe-6: nf6's pipe socket.
  r = chain_request(TopologyKind::kPipelineIp4, 2, 3);
  r.nfs[2].name = "pipe";
  expect_bad_input(r, "would be created by both");
}

// Memif ports for the NICs: DUT1's vswitch serves the generator's port and the DUT link, DUT2's
// connects to that link and serves the sink. The generator addresses NF instance 1's plaintext
// memif, laddr -> raddr; the tunnels carry the key.
WiringRequest memif_port_request() {
  WiringRequest r = ipsec_request(1);
  for (auto& dut : r.duts) dut.interfaces.clear();
  r.memif_ports = true;
  r.generators = {{"gen1", "dut1"}};
  r.sinks = {{"sink1", "dut2"}};
  r.ipsec.crypto_key = "00112233445566778899aabbccddeeff";
  return r;
}

TEST(WiringPlan, MemifPortsStandForTheNics) {
  const WiringPlan plan = build_wiring_plan(memif_port_request());
  const auto& vs1 = plan.at("DUT1_vswitch");
  const auto& vs2 = plan.at("DUT2_vswitch");
  EXPECT_TRUE(vs1.physical.empty());
  ASSERT_EQ(vs1.links.size(), 4u);  // DUT link, TG port, the instance on sockets 1 and 2
  EXPECT_TRUE(vs1.links[0].nic_port);
  EXPECT_EQ(vs1.links[0].socket_file, "memif-DUT1_vswitch-dut");
  EXPECT_EQ(vs1.links[0].role, MemifRole::kMaster);
  EXPECT_EQ(vs1.links[0].peer, "DUT2_vswitch");
  EXPECT_EQ(vs1.links[0].bridge_domain, 1);
  EXPECT_EQ(vs1.links[1].socket_file, "memif-DUT1_vswitch-tg");
  EXPECT_EQ(vs1.links[1].peer, "gen1");
  EXPECT_EQ(vs1.links[1].bridge_domain, 2);
  EXPECT_EQ(vs1.bridged_instances, std::vector<int>{1});
  EXPECT_EQ(vs2.links[0].socket_file, "memif-DUT1_vswitch-dut");
  EXPECT_EQ(vs2.links[0].role, MemifRole::kSlave);
  EXPECT_EQ(vs2.links[0].peer, "DUT1_vswitch");
  EXPECT_EQ(vs2.links[1].socket_file, "memif-DUT2_vswitch-tg");
  EXPECT_EQ(vs2.links[1].peer, "sink1");

  const auto& gen = plan.at("gen1");
  EXPECT_EQ(gen.role, ContainerRole::kGenerator);
  ASSERT_EQ(gen.links.size(), 1u);
  EXPECT_EQ(gen.links[0].socket_file, "memif-DUT1_vswitch-tg");
  EXPECT_EQ(gen.links[0].role, MemifRole::kSlave);
  EXPECT_EQ(gen.links[0].mac, "02:00:00:00:00:01");
  EXPECT_EQ(gen.links[0].neighbor_mac, plan.at("DUT1_CNF1").links[1].mac);
  EXPECT_EQ(gen.flow_src_ip4, "10.0.0.1");
  EXPECT_EQ(gen.flow_dst_ip4, "20.0.0.1");
  EXPECT_EQ(gen.start_stage, 1);
  const auto& sink = plan.at("sink1");
  EXPECT_EQ(sink.links[0].socket_file, "memif-DUT2_vswitch-tg");
  EXPECT_EQ(sink.links[0].mac, "02:00:00:00:00:02");

  const auto& t1 = *plan.at("DUT1_CNF1").tunnel;
  const auto& t2 = *plan.at("DUT2_CNF1").tunnel;
  EXPECT_EQ(t1.tunnel_network, "20.0.0.0");
  EXPECT_EQ(t2.tunnel_network, "10.0.0.0");
  EXPECT_EQ(t1.sa_out, t2.sa_in);
  EXPECT_EQ(t1.sa_in, t2.sa_out);
  EXPECT_EQ(t1.crypto_key, "00112233445566778899aabbccddeeff");
}

TEST(WiringPlan, MemifPortsRejectMisplacedEnds) {
  WiringRequest r = memif_port_request();
  r.sinks = {{"sink1", "dut1"}};
  expect_bad_input(r, "the sink belongs on DUT2, not on DUT 'dut1'");
  r = memif_port_request();
  r.generators = {{"gen1", "dut2"}};
  expect_bad_input(r, "the generator belongs on DUT1");
  r = memif_port_request();
  r.memif_ports = false;
  expect_bad_input(r, "no generator or sink container");
}

}  // namespace
}  // namespace cnfctl::wiring
