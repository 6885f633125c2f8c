#include "nf/vpp/vpp_driver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "process/local_runner.h"
#include "support/fake_engine.h"
#include "support/temp_dir.h"
#include "support/vpp_replay_server.h"

namespace cnfctl::vpp {
namespace {

using nf::testing::FakeEngine;
using nf::testing::TempDir;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

// `show interface` as VPP prints it (VPP docs, "progressivevpp" interface pages): a header, one
// line per interface with its first non-zero counter, continuation lines for the others; the
// CLI socket ends lines in \r\n.
constexpr const char* kShowInterface =
    "              Name               Idx    State  MTU (L3/IP4/IP6/MPLS)     Counter          "
    "Count     \r\n"
    "local0                            0     down          0/0/0/0       \r\n"
    "memif1/1                          1      up          9000/0/0/0     rx packets          "
    "  1234567\r\n"
    "                                                                    rx bytes            "
    " 79012288\r\n"
    "                                                                    tx packets          "
    "  1234000\r\n"
    "                                                                    tx bytes            "
    " 78976000\r\n"
    "                                                                    drops               "
    "      500\r\n"
    "                                                                    rx-miss             "
    "       60\r\n"
    "                                                                    tx-error            "
    "        7\r\n"
    "memif2/2                          2      up          9000/0/0/0     rx packets          "
    "       10\r\n"
    "                                                                    tx packets          "
    "  1233990\r\n"
    "                                                                    ip4                 "
    "       10\r\n";

wiring::MemifLink link(int socket_id, int id, wiring::MemifRole role, const std::string& peer) {
  wiring::MemifLink l;
  l.socket_id = socket_id;
  l.interface_id = id;
  l.role = role;
  l.peer = peer;
  return l;
}

TEST(ShowInterface, ParsesVppsTable) {
  auto table = parse_show_interface(kShowInterface);
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table[0].name, "local0");
  EXPECT_FALSE(table[0].up);
  EXPECT_TRUE(table[0].counters.empty());
  EXPECT_EQ(table[1].name, "memif1/1");
  EXPECT_EQ(table[1].index, 1);
  EXPECT_TRUE(table[1].up);
  EXPECT_EQ(table[1].get("rx packets"), 1234567u);
  EXPECT_EQ(table[1].get("tx bytes"), 78976000u);
  EXPECT_EQ(table[1].get("rx-miss"), 60u);
  EXPECT_EQ(table[1].get("punt"), 0u);
  EXPECT_EQ(table[2].get("ip4"), 10u);
  EXPECT_TRUE(parse_show_interface("").empty());
  EXPECT_TRUE(parse_show_interface("garbage\r\n   more garbage\r\n").empty());
}

TEST(ShowInterface, MemifCountersPerLink) {
  std::vector<wiring::MemifLink> links = {link(1, 1, wiring::MemifRole::kSlave, "vs"),
                                          link(2, 2, wiring::MemifRole::kSlave, "vs"),
                                          link(3, 3, wiring::MemifRole::kMaster, "nf2")};
  EXPECT_EQ(memif_interface_name(links[1]), "memif2/2");
  auto ports = memif_port_counters(links, parse_show_interface(kShowInterface));
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0].port, 0);
  EXPECT_EQ(ports[0].peer, "vs");
  EXPECT_EQ(ports[0].rx_packets, 1234567u);
  EXPECT_EQ(ports[0].tx_packets, 1234000u);
  EXPECT_EQ(ports[0].rx_dropped, 560u);
  EXPECT_EQ(ports[0].tx_dropped, 7u);
  EXPECT_EQ(ports[1].tx_packets, 1233990u);
  EXPECT_EQ(ports[2].rx_packets, 0u);  // no such interface (yet)
  EXPECT_EQ(ports[2].peer, "nf2");
}

// `show errors` of a VPP vswitch (26.10) whose memif3/1 ring to the next VPP was full, as the
// CLI socket sends it; a second thread's lines repeat node and reason.
constexpr const char* kShowErrors =
    "   Count                  Node                              Reason               Severity \r\n"
    "   6809344             l2-output                      L2 output packets            error  \r\n"
    "         8              l2-learn                       L2 learn misses             error  \r\n"
    "    277632            memif3/1-tx                      no free tx slots            error  \r\n"
    "     18944            memif2/1-tx                      no free tx slots            error  \r\n"
    "         0            memif2/1-tx                 no enough space in tx buffers    error  \r\n"
    "       100            memif3/1-tx                      no free tx slots            error  "
    "\r\n";

TEST(ShowErrors, ParsesVppsTableSummingThreads) {
  const auto errors = parse_show_errors(kShowErrors);
  EXPECT_EQ(errors,
            (std::map<std::string, std::uint64_t>{{"l2-output/L2 output packets", 6809344},
                                                  {"l2-learn/L2 learn misses", 8},
                                                  {"memif3/1-tx/no free tx slots", 277732},
                                                  {"memif2/1-tx/no free tx slots", 18944}}));
  EXPECT_TRUE(parse_show_errors("").empty());
  EXPECT_TRUE(parse_show_errors("garbage\r\n12 x\r\n").empty());
}

// What VPP counts when a memif ring to the next NF is full: /if/tx counts the frames
// (interface-output), the memif device's tx node frees those that found no slot and counts them
// only as the error memif<s>/<i>-tx/no_free_slots. They are that port's tx drops.
TEST(StatsCounters, MemifTxNodeErrorsAreThatPortsTxDrops) {
  std::vector<wiring::MemifLink> links = {link(1, 1, wiring::MemifRole::kSlave, "gen"),
                                          link(1, 10, wiring::MemifRole::kMaster, "nf2"),
                                          link(3, 1, wiring::MemifRole::kMaster, "nf3")};
  StatsSnapshot stats;
  stats.interface_names = {"local0", "memif1/1", "memif1/10", "memif3/1"};
  stats.combined_packets["/if/rx"] = {0, 1000, 0, 0};
  stats.combined_packets["/if/tx"] = {0, 0, 1000, 0};
  stats.simple["/if/drops"] = {0, 3, 0, 0};
  stats.simple["/if/tx-error"] = {0, 0, 2, 0};
  stats.errors = {{"/err/memif1/10-tx/no_free_slots", 120},
                  {"/err/memif1/10-tx/rollback", 1},
                  {"/err/memif3/1-output/interface is down", 3},
                  {"/err/ip4-input/ip4 ttl <= 1", 3},
                  {"/err/memif-input/bad_desc", 4}};
  const auto ports = memif_port_counters(links, stats);
  ASSERT_EQ(ports.size(), 3u);
  EXPECT_EQ(ports[0].rx_packets, 1000u);
  EXPECT_EQ(ports[0].rx_dropped, 3u);
  EXPECT_EQ(ports[0].tx_dropped, 0u);  // memif1/10's errors are not memif1/1's
  EXPECT_EQ(ports[0].reasons, (std::map<std::string, std::uint64_t>{{"ip4-input/ip4 ttl <= 1", 3},
                                                                    {"memif-input/bad_desc", 4}}));
  EXPECT_EQ(ports[1].tx_packets, 1000u);
  EXPECT_EQ(ports[1].tx_dropped, 2u + 120u + 1u);
  EXPECT_EQ(ports[1].reasons,
            (std::map<std::string, std::uint64_t>{{"memif1/10-tx/no_free_slots", 120},
                                                  {"memif1/10-tx/rollback", 1}}));
  // Dropped by interface-output through error-drop: in /if/drops of the rx interface already.
  EXPECT_EQ(ports[2].tx_dropped, 0u);
  EXPECT_EQ(ports[2].reasons,
            (std::map<std::string, std::uint64_t>{{"memif3/1-output/interface is down", 3}}));
}

// Over SSH the same comes from `show interface` and `show errors`.
TEST(ShowErrors, AddedToTheCliCounters) {
  std::vector<wiring::MemifLink> links = {link(3, 1, wiring::MemifRole::kSlave, "d2vs1"),
                                          link(2, 1, wiring::MemifRole::kMaster, "d1nf1")};
  std::vector<nf::PortCounters> ports(2);
  ports[1].port = 1;
  ports[1].tx_dropped = 5;
  add_error_counters(links, parse_show_errors(kShowErrors), ports);
  EXPECT_EQ(ports[0].tx_dropped, 277732u);
  EXPECT_EQ(ports[1].tx_dropped, 5u + 18944u);
  EXPECT_EQ(ports[0].reasons.at("l2-output/L2 output packets"), 6809344u);
  EXPECT_EQ(ports[1].reasons,
            (std::map<std::string, std::uint64_t>{{"memif2/1-tx/no free tx slots", 18944}}));
}

class VppDriverTest : public ::testing::Test {
 protected:
  VppDriverTest()
      : engine_([this](const engine::ExecRequest& r) {
          if (r.argv.size() > 3 && r.argv[3] == "cnfctl-alive") {
            return FakeEngine::exited(alive_ ? 0 : 1);
          }
          if (r.argv.size() == 2 && r.argv[0] == "cat") return FakeEngine::exited(0, "31\n");
          if (!r.argv.empty() && r.argv[0] == "tail") {
            return FakeEngine::exited(0, "vpp: unknown input `bogus'");
          }
          return FakeEngine::exited(0);
        }) {
    nf::VppSockets s;
    s.host_dir = dir_.path() + "/sockets/run1-vpp1";
    s.guest_dir = "/run/vpp";
    s.api = s.host_dir + "/api.sock";
    s.cli = s.host_dir + "/cli.sock";
    s.stats = s.host_dir + "/stats.sock";
    container_.id = "run1-vpp1";
    container_.vpp_sockets = s;
    container_.nf.argv = {"/usr/bin/vpp", "-c", "/etc/vpp/startup.conf"};
    wiring::MemifLink served = link(1, 1, wiring::MemifRole::kMaster, "nf2");
    served.host_socket_path = dir_.path() + "/memif-1";
    container_.links = {served};
  }
  nf::NfContext ctx() { return {container_, engine_, runner_}; }

  TempDir dir_;
  std::atomic<bool> alive_{true};
  FakeEngine engine_;
  process::LocalRunner runner_;
  nf::PlannedContainer container_;
};

std::vector<testing::RecordedFrame> recording(const std::string& name) {
  return testing::load_recording(std::string(CNFCTL_SHARED_DIR) + "/reference/vpp/" + name);
}

TEST_F(VppDriverTest, ReadyWhenBothCliAndApiAnswer) {
  // A VPP without memifs in its plan: answering is all there is to check. (With memifs, the
  // probe reads memif_dump and sw_interface_dump, which the recording does not hold: the real
  // VPP tests in tests/integration/vpp check that.)
  container_.links.clear();
  testing::ReplayServer cli(recording("cli-socket-show-version.json"));
  testing::ReplayServer api(recording("api-socket-show-version.json"));
  container_.vpp_sockets->host_dir = fs::path(cli.socket_path()).parent_path();
  container_.vpp_sockets->cli = cli.socket_path();
  container_.vpp_sockets->api = api.socket_path();
  auto driver = make_vpp_driver({.api_client_name = "cnfctl-fixture"});
  auto r = driver->probe(ctx(), milliseconds(3000));
  EXPECT_TRUE(r.ready) << r.detail;
  EXPECT_NE(r.detail.find("CLI: vpp v26.10-rc0~374-gb575ec2c56d"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("API: vpe 26.10-rc0~374-gb575ec2c56d"), std::string::npos) << r.detail;
  EXPECT_EQ(cli.finish(), "");
  EXPECT_EQ(api.finish(), "");
}

TEST_F(VppDriverTest, CliAloneIsNotReady) {
  testing::ReplayServer cli(recording("cli-socket-show-version.json"));
  container_.vpp_sockets->host_dir = fs::path(cli.socket_path()).parent_path();
  container_.vpp_sockets->cli = cli.socket_path();
  container_.vpp_sockets->api = dir_.path() + "/no-api.sock";
  auto r = make_vpp_driver()->probe(ctx(), milliseconds(1000));
  EXPECT_FALSE(r.ready);
  EXPECT_FALSE(r.fatal);
  EXPECT_NE(r.detail.find("CLI: vpp v26.10"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("no-api.sock: cannot connect"), std::string::npos) << r.detail;
  EXPECT_EQ(cli.finish(), "");
}

TEST_F(VppDriverTest, NothingListeningYetIsNotReadyAndDeadVppIsFatal) {
  auto driver = make_vpp_driver();
  auto r = driver->probe(ctx(), milliseconds(200));
  EXPECT_FALSE(r.ready);
  EXPECT_FALSE(r.fatal);
  EXPECT_NE(r.detail.find("cli.sock: cannot connect"), std::string::npos) << r.detail;
  alive_ = false;
  r = driver->probe(ctx(), milliseconds(200));
  EXPECT_TRUE(r.fatal);
  EXPECT_NE(r.detail.find("unknown input `bogus'"), std::string::npos) << r.detail;
}

TEST_F(VppDriverTest, PrepareAndCleanupOwnTheSocketDir) {
  auto driver = make_vpp_driver();
  std::ofstream(dir_.path() + "/memif-1") << "stale";
  driver->prepare(ctx());
  EXPECT_TRUE(fs::is_directory(container_.vpp_sockets->host_dir));
  EXPECT_FALSE(fs::exists(dir_.path() + "/memif-1"));
  std::ofstream(container_.vpp_sockets->cli) << "stale";
  driver->prepare(ctx());
  EXPECT_FALSE(fs::exists(container_.vpp_sockets->cli));
  std::ofstream(dir_.path() + "/memif-1") << "served";
  driver->cleanup(ctx());
  EXPECT_FALSE(fs::exists(container_.vpp_sockets->host_dir));
  EXPECT_FALSE(fs::exists(dir_.path() + "/memif-1"));
  driver->cleanup(ctx());
  container_.vpp_sockets.reset();
  EXPECT_THROW(driver->prepare(ctx()), Error);
}

TEST_F(VppDriverTest, StopMatchesVppByName) {
  auto driver = make_vpp_driver();
  driver->stop(ctx(), milliseconds(100));
  auto execs = engine_.execs();
  ASSERT_EQ(execs.size(), 2u);  // the pid file, then the stop script
  EXPECT_EQ(execs[1][3], "cnfctl-stop");
  EXPECT_EQ(execs[1][5], "31");
  EXPECT_EQ(execs[1][6], "vpp");
}

}  // namespace
}  // namespace cnfctl::vpp
