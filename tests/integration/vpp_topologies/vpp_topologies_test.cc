// Every VPP topology kind without NICs, for real: `cnfctl up` with real VPP NFs (and testpmd
// generator, sink, vswitch where the kind has them) in oci containers made from the host's root
// filesystem, `cnfctl traffic --json` for a short window, then checks that the sink received
// frames and that every port of every hop counted them (each port of a one-way snake receives
// or sends), and that `cnfctl down` leaves nothing of the run on this machine.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "integration/engines/engine_harness.h"
#include "nf/vpp/stats_segment.h"
#include "nf/vpp/vpp_driver.h"
#include "process/local_runner.h"
#include "support/vpp_build.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;
using engine::testing::cgroup_dirs_matching;
using engine::testing::mounts_under;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// How the NFs of a topology are wired to the traffic ends.
enum class Vswitch { kNone, kTestpmd, kVpp };

struct Topology {
  std::string kind;
  int chains = 1;
  int nodes = 1;
  Vswitch vswitch = Vswitch::kTestpmd;
};

class VppTopologiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    const auto vpp = test_support::find_vpp_build();  // throws (fails) when broken
    if (!vpp) GTEST_SKIP() << test_support::kNoVppBuild;
    vpp_ = *vpp;
    char pattern[] = "/tmp/cnfctl-vt.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    setenv("CNFCTL_STATE_DIR", (root_ + "/state").c_str(), 1);
    setenv("CNFCTL_RUN_DIR", (root_ + "/run").c_str(), 1);
  }

  void TearDown() override {
    if (root_.empty()) return;
    for (const auto& run : runs_) cnfctl({"down", "-q", run});
    engine::testing::remove_tree_with_mounts(root_);
    unsetenv("CNFCTL_STATE_DIR");
    unsetenv("CNFCTL_RUN_DIR");
  }

  process::Outcome cnfctl(std::vector<std::string> args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(180)) {
    process::Command command;
    command.argv = {CNFCTL_PROGRAM};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.timeout = timeout;
    return runner_.run(command);
  }

  std::string vpp_nf() const {
    // As the examples write it (VPP where a package installs it); `up --vpp-prefix` points
    // it at the extracted build.
    return "{kind: vpp, binary: /usr/bin/vpp, vppctl: /usr/bin/vppctl, page_size: 4K, "
           "main_heap_size: 256M, statseg_size: 64M, buffers_per_numa: 16384}";
  }

  // The start of every topology file here: its name, engine, image, scratch paths, cpu policy.
  std::string file_head(const std::string& run) const {
    return "name: " + run + "\nengine: oci\nimage: host\npaths:\n  socket_dir: " + root_ +
           "/sockets\n  vpp_socket_base: " + root_ + "/vpp\ncpu:\n  policy: shared\n";
  }

  // Writes the topology file of run `run`; returns its path.
  std::string write_topology(const std::string& run, const Topology& t) {
    runs_.push_back(run);
    const auto path = root_ + "/" + run + ".yaml";
    std::ofstream out(path);
    out << file_head(run) << "containers:\n"
        << "  - {prefix: gen, role: generator, nf: testpmd}\n";
    if (t.vswitch == Vswitch::kTestpmd) out << "  - {prefix: vs, role: vswitch, nf: testpmd}\n";
    if (t.vswitch == Vswitch::kVpp)
      out << "  - {prefix: vs, role: vswitch, nf: " << vpp_nf() << "}\n";
    out << "  - {prefix: nf, count: " << t.chains * t.nodes << ", nf: " << vpp_nf() << "}\n"
        << "  - {prefix: sink, role: sink, nf: testpmd}\n"
        << "topology:\n  kind: " << t.kind << "\n  chains: " << t.chains
        << "\n  nodes_per_chain: " << t.nodes << "\n";
    return path;
  }

  // Everything of `run` still on this machine; empty when nothing is left.
  std::vector<std::string> leftovers(const std::string& run) {
    std::vector<std::string> found;
    for (const auto& m : mounts_under("/")) {
      if (m.find(run + "-") != std::string::npos) found.push_back("mount " + m);
    }
    for (const auto& d : cgroup_dirs_matching({run + "-"})) found.push_back("cgroup " + d);
    std::error_code ec;
    for (const auto& dir : {root_ + "/state/runs/" + run, root_ + "/sockets/" + run}) {
      if (fs::exists(dir, ec)) found.push_back("dir " + dir);
    }
    for (const auto& base :
         {root_ + "/run/engines/oci", root_ + "/vpp", std::string("/var/run/dpdk")}) {
      for (const auto& e : fs::directory_iterator(base, ec)) {
        if (e.path().filename().string().rfind(run + "-", 0) == 0) {
          found.push_back("dir " + e.path().string());
        }
      }
    }
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
      auto cmdline = read_file(e.path().string() + "/cmdline");
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      if (cmdline.find("--file-prefix=" + run + "-") != std::string::npos) {
        found.push_back("process " + e.path().filename().string() + ": " + cmdline);
      }
      if (cmdline.rfind(vpp_.vpp() + " ", 0) == 0 &&
          read_file(e.path().string() + "/environ").find("MICROSERVICE_LABEL=") !=
              std::string::npos) {
        // A VPP of this build still running in a container of some run: ours when the run's
        // socket dir is what it serves.
        const auto mountinfo = read_file(e.path().string() + "/mountinfo");
        if (mountinfo.find(root_ + "/vpp/" + run + "-") != std::string::npos) {
          found.push_back("vpp " + e.path().filename().string());
        }
      }
    }
    return found;
  }

  // chain_vswitch / chain_ipsec on this machine: two local DUTs, each a VPP vswitch and one
  // VPP IPsec NF; `ports: memif` puts memifs where CSIT has the vswitches' NICs (generator ->
  // DUT1's vswitch, DUT1's vswitch <-> DUT2's vswitch, DUT2's vswitch -> sink).
  std::string write_memif_port_topology(const std::string& run, const std::string& kind) {
    runs_.push_back(run);
    const auto path = root_ + "/" + run + ".yaml";
    std::ofstream out(path);
    out << file_head(run) << "nodes:\n  dut1: {type: local}\n  dut2: {type: local}\n"
        << "containers:\n"
        << "  - {prefix: gen, role: generator, node: dut1, nf: testpmd}\n"
        << "  - {prefix: d1vs, role: vswitch, node: dut1, nf: " << vpp_nf() << "}\n"
        << "  - {prefix: d1nf, node: dut1, nf: " << vpp_nf() << "}\n"
        << "  - {prefix: d2vs, role: vswitch, node: dut2, nf: " << vpp_nf() << "}\n"
        << "  - {prefix: d2nf, node: dut2, nf: " << vpp_nf() << "}\n"
        << "  - {prefix: sink, role: sink, node: dut2, nf: testpmd}\n"
        << "topology:\n  kind: " << kind << "\n  ports: memif\n";
    return path;
  }

  // Packets each VPP NF of `run` counted on its IPsec SAs (the stats segment's /net/ipsec/sa),
  // by container directory name.
  std::map<std::string, std::uint64_t> sa_packets(const std::string& run) {
    std::map<std::string, std::uint64_t> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ + "/vpp", ec)) {
      const auto name = e.path().filename().string();
      if (name.rfind(run + "-", 0) != 0 || name.find("nf") == std::string::npos) continue;
      const auto stats =
          vpp::read_stats_socket(e.path().string() + "/stats.sock", std::chrono::seconds(5));
      std::uint64_t total = 0;
      auto it = stats.combined_packets.find(vpp::kIpsecSaCounter);
      if (it != stats.combined_packets.end()) {
        for (auto n : it->second) total += n;
      }
      found[name] = total;
    }
    return found;
  }

  // up, traffic, checks, down, checks. Returns the traffic report.
  // `while_up` runs after the traffic, before `down`.
  nlohmann::json run_topology(const std::string& run, const Topology& t,
                              const std::function<void()>& while_up = {}) {
    return run_file(run, write_topology(run, t), t.kind, while_up);
  }

  // As run_topology, for a written file.
  nlohmann::json run_file(const std::string& run, const std::string& file, const std::string& kind,
                          const std::function<void()>& while_up = {}) {
    const auto start = std::chrono::steady_clock::now();
    auto up =
        cnfctl({"up", file, "--name", run, "--timeout-ready", "60s", "--vpp-prefix", vpp_.prefix});
    const auto up_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - start)
                           .count();
    EXPECT_EQ(up.exit_code, 0) << up.out << up.err;
    if (up.exit_code != 0) return {};
    std::cerr << "[ up " << kind << " ] " << up_ms << " ms\n";

    auto traffic = cnfctl({"traffic", run, "--duration", "2s", "--json"});
    EXPECT_EQ(traffic.exit_code, 0) << traffic.out << traffic.err;
    nlohmann::json report;
    if (traffic.exit_code == 0) {
      report = nlohmann::json::parse(traffic.out);
      last_report_ = report;
      check_crossed(report);
      auto text = cnfctl({"traffic", run, "--duration", "1s"});
      std::cerr << text.out;
    }
    if (while_up) while_up();
    auto down = cnfctl({"down", run});
    EXPECT_EQ(down.exit_code, 0) << down.out << down.err;
    EXPECT_EQ(leftovers(run), std::vector<std::string>{});
    return report;
  }

  static void check_crossed(const nlohmann::json& report) {
    ASSERT_TRUE(report["end_to_end_mpps"].is_number()) << report.dump(2);
    EXPECT_GT(report["end_to_end_mpps"].get<double>(), 0.0) << report.dump(2);
    ASSERT_FALSE(report["hops"].empty());
    for (const auto& hop : report["hops"]) {
      const auto rx = hop["rx_packets"].get<std::uint64_t>();
      const auto tx = hop["tx_packets"].get<std::uint64_t>();
      EXPECT_GT(rx + tx, 0u) << hop["container"] << " port " << hop["port"] << " counted "
                             << "nothing:\n"
                             << report.dump(2);
      EXPECT_TRUE(hop.contains("reasons")) << hop.dump();
    }
  }

  // The pids of the run's generators (testpmd, found by their DPDK file prefix).
  static std::vector<pid_t> generator_pids(const std::string& run) {
    std::vector<pid_t> pids;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
      auto cmdline = read_file(e.path().string() + "/cmdline");
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      if (cmdline.find("--file-prefix=" + run + "-gen") != std::string::npos) {
        pids.push_back(static_cast<pid_t>(std::stol(e.path().filename().string())));
      }
    }
    return pids;
  }

  // Every VPP container's memif ports of `run`, read from its stats segment with cnfctl's own
  // mapping (vpp::memif_port_counters): port k is the k-th memif interface VPP created (the exec
  // script creates them in link order). By container name.
  std::map<std::string, std::vector<nf::PortCounters>> vpp_ports(const std::string& run) {
    std::map<std::string, std::vector<nf::PortCounters>> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root_ + "/vpp", ec)) {
      const auto name = e.path().filename().string();
      if (name.rfind(run + "-", 0) != 0) continue;
      const auto stats =
          vpp::read_stats_socket(e.path().string() + "/stats.sock", std::chrono::seconds(5));
      std::vector<wiring::MemifLink> links;
      for (const auto& ifname : stats.interface_names) {
        wiring::MemifLink l;
        if (std::sscanf(ifname.c_str(), "memif%d/%d", &l.socket_id, &l.interface_id) == 2) {
          links.push_back(l);
        }
      }
      found[name.substr(run.size() + 1)] = vpp::memif_port_counters(links, stats);
    }
    return found;
  }

  // Every frame a VPP port sent to another VPP is accounted (issue 9): what the sender counted
  // as sent is what the receiver counted as received plus the sender's counted tx drops (a full
  // memif ring: VPP counts the frame in /if/tx, then frees it as memif<s>/<i>-tx/no_free_slots).
  // Rates over two containers' windows never agree exactly while frames flow (the machine
  // deschedules whole chains for milliseconds): the counters are read with the generators
  // paused (SIGSTOP) and every ring drained, where they must add up to the frame. The links are
  // those `report` (cnfctl traffic --json) pairs (peer, peer_port). Before cnfctl counted the
  // memif tx drops, 0.4-11% of what nf1 sent to nf2 was in no counter.
  void check_vpp_links_accounted(const std::string& run, const nlohmann::json& report,
                                 const std::function<bool(const std::string&)>& is_vpp) {
    ASSERT_FALSE(report.empty());
    const auto gens = generator_pids(run);
    ASSERT_FALSE(gens.empty()) << "no generator process of run " << run;
    for (auto pid : gens) ::kill(pid, SIGSTOP);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::map<std::string, std::vector<nf::PortCounters>> ports;
    try {
      ports = vpp_ports(run);
    } catch (...) {
      for (auto pid : gens) ::kill(pid, SIGCONT);
      throw;
    }
    for (auto pid : gens) ::kill(pid, SIGCONT);
    int links = 0;
    for (const auto& h : report["hops"]) {
      const auto sender = h["container"].get<std::string>();
      const auto peer = h["peer"].get<std::string>();
      if (h["tx_packets"].get<std::uint64_t>() == 0 || !is_vpp(sender) || !is_vpp(peer)) continue;
      ASSERT_TRUE(h.contains("peer_port") && h["peer_port"].is_number()) << h.dump();
      const auto port = h["port"].get<std::size_t>();
      const auto peer_port = h["peer_port"].get<std::size_t>();
      ASSERT_LT(port, ports[sender].size()) << sender;
      ASSERT_LT(peer_port, ports[peer].size()) << peer;
      const auto& s = ports[sender][port];
      const auto& r = ports[peer][peer_port];
      const auto sent = static_cast<std::int64_t>(s.tx_packets);
      const auto dropped = static_cast<std::int64_t>(s.tx_dropped);
      const auto received = static_cast<std::int64_t>(r.rx_packets);
      const auto unaccounted = sent - received - dropped;
      std::cerr << "[ link ] " << sender << ":" << port << " -> " << peer << ":" << peer_port
                << " sent " << sent << " received " << received << " tx drops " << dropped
                << " unaccounted " << unaccounted << "\n";
      EXPECT_GT(sent, 0) << sender << " port " << port;
      EXPECT_EQ(unaccounted, 0) << sender << " port " << port << " -> " << peer << " port "
                                << peer_port << ": " << sent << " sent, " << received
                                << " received, " << dropped << " counted as dropped";
      ++links;
    }
    EXPECT_GT(links, 0);
  }

  nlohmann::json last_report_;  // the last run_file()'s traffic report, for `while_up`
  test_support::VppBuild vpp_;
  std::string root_;
  std::vector<std::string> runs_;
  process::LocalRunner runner_;
};

// CSIT's chain_ip4: the NFs route; the generator's frames go to nf1's memif MAC, 10/8 -> 20/8.
TEST_F(VppTopologiesTest, ChainIp4ThroughTestpmdVswitch) {
  run_topology("vt-cip4-" + std::to_string(::getpid()), {"chain_ip4", 1, 2, Vswitch::kTestpmd});
}

// CSIT's pipeline_ip4: NFs connected directly; generator and sink on the pipeline's ends.
TEST_F(VppTopologiesTest, PipelineIp4GeneratorToSink) {
  const std::string run = "vt-pip4-" + std::to_string(::getpid());
  run_topology(run, {"pipeline_ip4", 1, 3, Vswitch::kNone}, [&] {
    check_vpp_links_accounted(run, last_report_,
                              [](const std::string& name) { return name.starts_with("nf"); });
  });
}

// CSIT's chain (l2 cross-connect) snaked by a testpmd vswitch.
TEST_F(VppTopologiesTest, ChainThroughTestpmdVswitch) {
  run_topology("vt-chain-" + std::to_string(::getpid()), {"chain", 1, 2, Vswitch::kTestpmd});
}

// A chain of VPP needs testpmd only as generator and sink: the vswitch is VPP too.
TEST_F(VppTopologiesTest, ChainThroughVppVswitch) {
  run_topology("vt-vppvs-" + std::to_string(::getpid()), {"chain", 1, 2, Vswitch::kVpp});
}

// CSIT's chain_functional: the NFs' memifs in rx-mode interrupt, behind a VPP vswitch.
TEST_F(VppTopologiesTest, ChainFunctionalInterruptMode) {
  run_topology("vt-func-" + std::to_string(::getpid()), {"chain_functional", 1, 2, Vswitch::kVpp});
}

// Two chains: the generator and the sink have a port per chain, each chain its own stretch of
// the VPP vswitch's ports; each generator port addresses its own chain's first NF.
TEST_F(VppTopologiesTest, ChainIp4TwoChainsThroughVppVswitch) {
  const auto report =
      run_topology("vt-2ch-" + std::to_string(::getpid()), {"chain_ip4", 2, 1, Vswitch::kVpp});
  int sink_ports = 0;
  for (const auto& hop : report.value("hops", nlohmann::json::array())) {
    if (hop["container"] == "sink1") {
      ++sink_ports;
      EXPECT_GT(hop["rx_packets"].get<std::uint64_t>(), 0u) << "sink port " << hop["port"];
    }
  }
  EXPECT_EQ(sink_ports, 2);
}

// chain_ipsec with memif ports for the NICs: DUT1's NF routes the generator's frames into its
// IPsec tunnel (encrypt), DUT1's vswitch bridges the ESP frames over the DUT link memif to DUT2's
// vswitch, DUT2's NF decrypts and routes them to the sink. Both NFs' SAs count the frames.
TEST_F(VppTopologiesTest, ChainIpsecThroughMemifPorts) {
  const std::string run = "vt-ipsec-" + std::to_string(::getpid());
  const auto report =
      run_file(run, write_memif_port_topology(run, "chain_ipsec"), "chain_ipsec", [&] {
        const auto sas = sa_packets(run);
        EXPECT_EQ(sas.size(), 2u);
        for (const auto& [nf, packets] : sas) {
          std::cerr << "[ ipsec ] " << nf << ": " << packets << " packets on its SAs\n";
          EXPECT_GT(packets, 0u) << nf;
        }
      });
  EXPECT_FALSE(report.empty());
}

// chain_vswitch: the same wiring (CSIT pairs the two), the vswitches bridging memif ports.
TEST_F(VppTopologiesTest, ChainVswitchThroughMemifPorts) {
  const std::string run = "vt-vsw-" + std::to_string(::getpid());
  const auto report =
      run_file(run, write_memif_port_topology(run, "chain_vswitch"), "chain_vswitch", [&] {
        for (const auto& [nf, packets] : sa_packets(run)) EXPECT_GT(packets, 0u) << nf;
        check_vpp_links_accounted(run, last_report_, [](const std::string& name) {
          return !name.starts_with("gen") && !name.starts_with("sink");
        });
      });
  EXPECT_FALSE(report.empty());
}

}  // namespace
}  // namespace cnfctl
