#include "nf/vpp/exec_script.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "common/error.h"

namespace cnfctl::vpp {
namespace {

using wiring::TopologyKind;

wiring::WiringRequest chain_request(TopologyKind kind, int chains, int nodes) {
  wiring::WiringRequest r;
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

// CSIT's chain_vswitch + chain_ipsec set-up: two DUTs, a vswitch and `nodes` NFs on each.
wiring::WiringRequest ipsec_request(int nodes) {
  wiring::WiringRequest r = chain_request(TopologyKind::kChainIpsec, 1, nodes);
  r.nfs.clear();
  r.duts = {wiring::DutSpec{"dut1",
                            {{"0000:00:06.0", "TenGigabitEthernet0/6/0"},
                             {"0000:00:07.0", "TenGigabitEthernet0/7/0"}}},
            wiring::DutSpec{"dut2",
                            {{"0000:00:08.0", "TenGigabitEthernet0/8/0"},
                             {"0000:00:09.0", "TenGigabitEthernet0/9/0"}}}};
  for (int d = 1; d <= 2; ++d) {
    for (int p = 1; p <= nodes; ++p) {
      r.nfs.push_back({fmt::format("DUT{}_CNF{}", d, p), 1, p, fmt::format("dut{}", d)});
    }
  }
  r.vswitches = {{"DUT1_vswitch", "dut1"}, {"DUT2_vswitch", "dut2"}};
  r.ipsec.dut1_if1_ip4 = "100.0.0.1";
  r.ipsec.dut2_if1_ip4 = "200.0.0.1";
  r.ipsec.dut2_if2_ip4 = "192.168.10.1";
  r.ipsec.laddr_ip4 = "10.0.0.0";
  r.ipsec.raddr_ip4 = "20.0.0.0";
  return r;
}

std::string render(const wiring::WiringRequest& r, const std::string& container) {
  return render_exec_script(wiring::build_wiring_plan(r), container).text;
}

TEST(ExecTemplates, EmbeddedByteForByte) {
  const auto names = exec_template_names();
  ASSERT_EQ(names.size(), 9u);
  for (std::string_view name : names) {
    std::ifstream in(std::string(CNFCTL_SOURCE_DIR) + "/src/nf/vpp/templates/" + std::string(name),
                     std::ios::binary);
    ASSERT_TRUE(in) << name;
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_EQ(exec_template(name), bytes.str()) << name;
  }
  EXPECT_THROW(exec_template("nope.exec"), Error);
}

// Expected scripts below are the seed's output (its _configure_vpp_* methods run with the same
// containers and parameters), except where the seed is wrong, as noted.

TEST(ExecScript, ChainL2xc) {
  EXPECT_EQ(render(chain_request(TopologyKind::kChain, 1, 2), "nf2"),
            R"(create memif socket id 3 filename /run/cnfctl/memif/memif-nf2-3
create interface memif id 2 socket-id 3 master
set int state memif3/2 up

create memif socket id 4 filename /run/cnfctl/memif/memif-nf2-4
create interface memif id 2 socket-id 4 master
set int state memif4/2 up

set interface l2 xconnect memif4/2 memif3/2
set interface l2 xconnect memif3/2 memif4/2
)");
}

TEST(ExecScript, ChainFunctional) {
  EXPECT_EQ(render(chain_request(TopologyKind::kChainFunctional, 1, 1), "nf1"),
            R"(create memif socket id 1 filename /run/cnfctl/memif/memif-nf1-1
create interface memif id 1 socket-id 1 master
set interface rx-mode memif1/1 interrupt
set int state memif1/1 up

create memif socket id 2 filename /run/cnfctl/memif/memif-nf1-2
create interface memif id 1 socket-id 2 master
set interface rx-mode memif2/1 interrupt
set int state memif2/1 up

set interface l2 xconnect memif2/1 memif1/1
set interface l2 xconnect memif1/1 memif2/1
)");
}

TEST(ExecScript, ChainDmaKeepsTheTemplatesMissingFinalNewline) {
  EXPECT_EQ(render(chain_request(TopologyKind::kChainDma, 1, 1), "nf1"),
            R"(create memif socket id 1 filename /run/cnfctl/memif/memif-nf1-1
create interface memif id 1 socket-id 1 master use-dma
set int state memif1/1 up

create memif socket id 2 filename /run/cnfctl/memif/memif-nf1-2
create interface memif id 1 socket-id 2 master use-dma
set int state memif2/1 up

set interface l2 xconnect memif2/1 memif1/1
set interface l2 xconnect memif1/1 memif2/1)");
}

TEST(ExecScript, ChainIp4TwoChainsTwoNodes) {
  // nf3: chain 2, position 1. Its memif 1 faces the TG, its memif 2 faces nf4.
  EXPECT_EQ(render(chain_request(TopologyKind::kChainIp4, 2, 2), "nf3"),
            R"(create memif socket id 5 filename /run/cnfctl/memif/memif-nf3-5
create interface memif id 3 socket-id 5 hw-addr 52:54:00:00:03:01 master
set interface ip address memif5/3 1.1.5.1/24
set interface state memif5/3 up

create memif socket id 6 filename /run/cnfctl/memif/memif-nf3-6
create interface memif id 3 socket-id 6 hw-addr 52:54:00:00:03:02 master
set interface ip address memif6/3 1.1.6.1/24
set interface state memif6/3 up

set ip neighbor static memif5/3 1.1.5.2 02:00:00:00:00:01
set ip neighbor static memif6/3 1.1.6.2 52:54:00:00:04:01

ip route add 10.0.0.0/8 via 1.1.5.2
ip route add 20.0.0.0/8 via 1.1.6.2
)");
}

TEST(ExecScript, PipelineMiddleNfGetsTheNextNfsMac) {
  // The seed rendered 02:00:00:00:00:02 (TG port 2) as nf2's memif 2 neighbour.
  EXPECT_EQ(render(chain_request(TopologyKind::kPipelineIp4, 1, 3), "nf2"),
            R"(create memif socket id 3 filename /run/cnfctl/memif/memif-pipe-2
create interface memif id 2 socket-id 3 hw-addr 52:54:00:00:02:01 master
set interface ip address memif3/2 1.1.3.1/24
set interface state memif3/2 up

create memif socket id 4 filename /run/cnfctl/memif/memif-pipe-3
create interface memif id 3 socket-id 4 hw-addr 52:54:00:00:02:02 slave
set interface ip address memif4/3 1.1.4.1/24
set interface state memif4/3 up

set ip neighbor static memif3/2 1.1.3.2 52:54:00:00:01:02
set ip neighbor static memif4/3 1.1.4.2 52:54:00:00:03:01

ip route add 10.0.0.0/8 via 1.1.3.2
ip route add 20.0.0.0/8 via 1.1.4.2
)");
}

TEST(ExecScript, PipelineEnds) {
  const auto r = chain_request(TopologyKind::kPipelineIp4, 1, 3);
  // The seed rendered nf3's memif 1 MAC (52:54:00:00:03:01) for nf1's neighbour on memif-pipe-2,
  // which is nf2's memif 1.
  EXPECT_EQ(render(r, "nf1"), R"(create memif socket id 1 filename /run/cnfctl/memif/memif-nf1-1
create interface memif id 1 socket-id 1 hw-addr 52:54:00:00:01:01 master
set interface ip address memif1/1 1.1.1.1/24
set interface state memif1/1 up

create memif socket id 2 filename /run/cnfctl/memif/memif-pipe-2
create interface memif id 2 socket-id 2 hw-addr 52:54:00:00:01:02 slave
set interface ip address memif2/2 1.1.2.1/24
set interface state memif2/2 up

set ip neighbor static memif1/1 1.1.1.2 02:00:00:00:00:01
set ip neighbor static memif2/2 1.1.2.2 52:54:00:00:02:01

ip route add 10.0.0.0/8 via 1.1.1.2
ip route add 20.0.0.0/8 via 1.1.2.2
)");
  EXPECT_EQ(render(r, "nf3"), R"(create memif socket id 5 filename /run/cnfctl/memif/memif-pipe-3
create interface memif id 3 socket-id 5 hw-addr 52:54:00:00:03:01 master
set interface ip address memif5/3 1.1.5.1/24
set interface state memif5/3 up

create memif socket id 6 filename /run/cnfctl/memif/memif-nf3-6
create interface memif id 3 socket-id 6 hw-addr 52:54:00:00:03:02 master
set interface ip address memif6/3 1.1.6.1/24
set interface state memif6/3 up

set ip neighbor static memif5/3 1.1.5.2 52:54:00:00:02:02
set ip neighbor static memif6/3 1.1.6.2 02:00:00:00:00:02

ip route add 10.0.0.0/8 via 1.1.5.2
ip route add 20.0.0.0/8 via 1.1.6.2
)");
}

TEST(ExecScript, CrossHoriz) {
  auto r = chain_request(TopologyKind::kCrossHoriz, 1, 1);
  r.duts = {wiring::DutSpec{"dut1", {{"0000:00:06.0", "TenGigabitEthernet0/6/0"}}}};
  EXPECT_EQ(render(r, "nf1"), R"(create memif socket id 1 filename /run/cnfctl/memif/memif-nf1-1
create interface memif id 1 socket-id 1 master

set int state memif1/1 up
set int state TenGigabitEthernet0/6/0 up

set interface l2 xconnect TenGigabitEthernet0/6/0 memif1/1
set interface l2 xconnect memif1/1 TenGigabitEthernet0/6/0
)");
}

TEST(ExecScript, IpsecRendersTheTemplatesTgVariables) {
  // The seed left $tg_if2_ip4 / $tg_if2_mac unrendered; its sockets were DUT1_memif-vswitch-<n>.
  const auto plan = wiring::build_wiring_plan(ipsec_request(2));
  const ExecScript dut1 = render_exec_script(plan, "DUT1_CNF2");
  EXPECT_EQ(dut1.template_name, "memif_create_chain_ipsec.exec");
  EXPECT_EQ(dut1.append_guest_file, "/run/cnfctl/memif/ipsec_create_tunnel_cnf_DUT1_2.config");
  EXPECT_EQ(dut1.text,
            R"(create memif socket id 1 filename /run/cnfctl/memif/memif-DUT1_vswitch-1
create interface memif id 2 socket-id 1 hw-addr 02:02:00:00:11:01 slave
set interface ip address memif1/2 200.0.0.102/24
set interface state memif1/2 up

create memif socket id 2 filename /run/cnfctl/memif/memif-DUT1_vswitch-2
create interface memif id 2 socket-id 2 hw-addr 02:02:00:00:12:01 slave
set interface ip address memif2/2 100.0.0.2/24
set interface state memif2/2 up

set ip neighbor memif2/2 10.10.10.2 02:00:00:00:00:01 static
set ip neighbor memif1/2 200.0.0.2 02:02:00:00:01:01 static
ip route add 10.0.0.0/8 via 10.10.10.2 memif2/2
)");
  EXPECT_EQ(render_exec_script(plan, "DUT2_CNF1").text,
            R"(create memif socket id 1 filename /run/cnfctl/memif/memif-DUT2_vswitch-1
create interface memif id 1 socket-id 1 hw-addr 02:02:00:00:01:00 slave
set interface ip address memif1/1 200.0.0.1/24
set interface state memif1/1 up

create memif socket id 2 filename /run/cnfctl/memif/memif-DUT2_vswitch-2
create interface memif id 1 socket-id 2 hw-addr 02:02:00:00:02:00 slave
set interface ip address memif2/1 192.168.10.1/24
set interface state memif2/1 up

set ip neighbor memif2/1 20.20.20.2 02:00:00:00:00:02 static
set ip neighbor memif1/1 200.0.0.101 02:02:00:00:11:00 static
ip route add 20.0.0.0/8 via 20.20.20.2 memif2/1
)");
}

TEST(ExecScript, VswitchBridgesTheInstances) {
  const ExecScript s =
      render_exec_script(wiring::build_wiring_plan(ipsec_request(2)), "DUT1_vswitch");
  EXPECT_EQ(s.template_name, "memif_create_chain_vswitch_ipsec.exec");
  EXPECT_EQ(s.append_guest_file, "");
  EXPECT_EQ(s.text, R"(create memif socket id 1 filename /run/cnfctl/memif/memif-DUT1_vswitch-1
create memif socket id 2 filename /run/cnfctl/memif/memif-DUT1_vswitch-2

create bridge-domain 1 learn 1 forward 1 uu-flood 1 flood 1 arp-term 0
create bridge-domain 2 learn 1 forward 1 uu-flood 1 flood 1 arp-term 0

set interface l2 bridge TenGigabitEthernet0/7/0 1
set interface l2 bridge TenGigabitEthernet0/6/0 2
set interface state TenGigabitEthernet0/7/0 up
set interface state TenGigabitEthernet0/6/0 up

create interface memif id 1 socket-id 1 master
set interface state memif1/1 up
set interface l2 bridge memif1/1 1
create interface memif id 1 socket-id 2 master
set interface state memif2/1 up
set interface l2 bridge memif2/1 2
set ip neighbor memif2/1 20.20.20.2 02:00:00:00:00:02 static



create interface memif id 2 socket-id 1 master
set interface state memif1/2 up
set interface l2 bridge memif1/2 1
create interface memif id 2 socket-id 2 master
set interface state memif2/2 up
set interface l2 bridge memif2/2 2
set ip neighbor memif2/2 20.20.20.2 02:00:00:00:00:02 static


)");
}

// Memif ports for the NICs: made right after the template's sockets, bridged where the NICs
// were (red: the DUT link, black: the TG port); the NFs' scripts end with their tunnel.
TEST(ExecScript, MemifPortsAndTunnels) {
  wiring::WiringRequest r = ipsec_request(1);
  for (auto& dut : r.duts) dut.interfaces.clear();
  r.memif_ports = true;
  r.ipsec.crypto_key = "00112233445566778899aabbccddeeff";
  const auto plan = wiring::build_wiring_plan(r);
  const std::string vs2 = render_exec_script(plan, "DUT2_vswitch").text;
  EXPECT_NE(vs2.find("create memif socket id 2 filename /run/cnfctl/memif/memif-DUT2_vswitch-2\n"
                     "create memif socket id 3 filename /run/cnfctl/memif/memif-DUT1_vswitch-dut\n"
                     "create interface memif id 1 socket-id 3 slave\n"
                     "create memif socket id 4 filename /run/cnfctl/memif/memif-DUT2_vswitch-tg\n"
                     "create interface memif id 1 socket-id 4 master\n"),
            std::string::npos)
      << vs2;
  EXPECT_NE(vs2.find("set interface l2 bridge memif3/1 1\nset interface l2 bridge memif4/1 2\n"
                     "set interface state memif3/1 up\nset interface state memif4/1 up\n"),
            std::string::npos)
      << vs2;

  const ExecScript nf = render_exec_script(plan, "DUT1_CNF1");
  EXPECT_EQ(nf.append_guest_file, "");
  const std::string tunnel = R"(
ipsec sa add 100001 spi 100001 esp crypto-alg aes-gcm-128 crypto-key 00112233445566778899aabbccddeeff salt 0x0 tunnel src 200.0.0.101 dst 200.0.0.1
ipsec sa add 200001 spi 200001 esp crypto-alg aes-gcm-128 crypto-key 00112233445566778899aabbccddeeff salt 0x0 tunnel src 200.0.0.1 dst 200.0.0.101
ipsec itf create instance 1
ipsec tunnel protect ipsec1 sa-in 200001 sa-out 100001
set interface unnumbered ipsec1 use memif1/1
set interface state ipsec1 up
ip route add 20.0.0.0/8 via ipsec1
)";
  ASSERT_GE(nf.text.size(), tunnel.size());
  EXPECT_EQ(nf.text.substr(nf.text.size() - tunnel.size()), tunnel);
  EXPECT_NE(render_exec_script(plan, "DUT2_CNF1").text.find("ip route add 10.0.0.0/8 via ipsec1"),
            std::string::npos);
}

// Every kind, every VPP container: no $name of the template is left.
TEST(ExecScript, AllKindsRenderEveryVariable) {
  const std::regex placeholder(R"(\$(\{?[A-Za-z_]))");
  for (TopologyKind kind : wiring::kAllTopologyKinds) {
    wiring::WiringRequest r = chain_request(kind, 2, 3);
    if (kind == TopologyKind::kCrossHoriz) {
      r = chain_request(kind, 1, 1);
      r.duts = {wiring::DutSpec{"dut1", {{"0000:00:06.0", "eth0"}}}};
    }
    if (kind == TopologyKind::kChainVswitch || kind == TopologyKind::kChainIpsec) {
      r = ipsec_request(3);
      r.kind = kind;
    }
    const auto plan = wiring::build_wiring_plan(r);
    for (const auto& c : plan.containers) {
      const ExecScript s = render_exec_script(plan, c.name);
      EXPECT_FALSE(std::regex_search(s.text, placeholder))
          << wiring::to_string(kind) << " " << c.name << ":\n"
          << s.text;
      // The plan's addresses are the ones the script sets.
      for (const auto& l : c.links) {
        if (!l.ip4.empty()) {
          EXPECT_NE(s.text.find(l.ip4), std::string::npos) << l.ip4;
        }
        if (!l.mac.empty()) {
          EXPECT_NE(s.text.find(l.mac), std::string::npos) << l.mac;
        }
        EXPECT_NE(s.text.find(l.guest_socket_path), std::string::npos) << l.guest_socket_path;
      }
    }
  }
}

TEST(ExecScript, NoTemplateForTestpmdRoles) {
  auto r = chain_request(TopologyKind::kChain, 1, 2);
  r.vswitches = {{"vs1", ""}};
  r.generators = {{"gen1", ""}};
  const auto plan = wiring::build_wiring_plan(r);
  try {
    render_exec_script(plan, "gen1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(e.describe().find("container gen1"), std::string::npos) << e.describe();
    EXPECT_NE(e.describe().find("no VPP exec template for a generator"), std::string::npos);
  }
  EXPECT_THROW(render_exec_script(plan, "nope"), Error);
}

// A VPP vswitch of the snake kinds cross-connects its ports in pairs: the generator's port with
// NF1's input, NF1's output with NF2's input, ..., the last NF's output with the sink's port.
TEST(ExecScript, SnakeVswitchCrossConnectsPairs) {
  auto r = chain_request(TopologyKind::kChainIp4, 1, 2);
  r.vswitches = {{"vs1", ""}};
  r.generators = {{"gen1", ""}};
  r.sinks = {{"sink1", ""}};
  const ExecScript s = render_exec_script(wiring::build_wiring_plan(r), "vs1");
  EXPECT_EQ(s.template_name, "memif_create_vswitch_l2xc.exec");
  EXPECT_EQ(s.text, R"(create memif socket id 1 filename /run/cnfctl/memif/memif-vs1-1
create memif socket id 2 filename /run/cnfctl/memif/memif-nf1-1
create memif socket id 3 filename /run/cnfctl/memif/memif-nf1-2
create memif socket id 4 filename /run/cnfctl/memif/memif-nf2-3
create memif socket id 5 filename /run/cnfctl/memif/memif-nf2-4
create memif socket id 6 filename /run/cnfctl/memif/memif-vs1-6

create interface memif id 1 socket-id 1 master
set interface state memif1/1 up
create interface memif id 1 socket-id 2 slave
set interface state memif2/1 up
create interface memif id 1 socket-id 3 slave
set interface state memif3/1 up
create interface memif id 2 socket-id 4 slave
set interface state memif4/2 up
create interface memif id 2 socket-id 5 slave
set interface state memif5/2 up
create interface memif id 1 socket-id 6 master
set interface state memif6/1 up

set interface l2 xconnect memif1/1 memif2/1
set interface l2 xconnect memif2/1 memif1/1
set interface l2 xconnect memif3/1 memif4/2
set interface l2 xconnect memif4/2 memif3/1
set interface l2 xconnect memif5/2 memif6/1
set interface l2 xconnect memif6/1 memif5/2
)");
}

}  // namespace
}  // namespace cnfctl::vpp
