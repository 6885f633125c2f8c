#include "nf/testpmd/testpmd_driver.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "nf/detached.h"
#include "nf/testpmd/like_remote_runner_test_support.h"
#include "process/local_runner.h"
#include "support/fake_engine.h"
#include "support/fake_telemetry_server.h"
#include "support/temp_dir.h"

namespace cnfctl::testpmd {
namespace {

using nf::testing::FakeEngine;
using nf::testing::TempDir;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

wiring::MemifLink link(wiring::MemifRole role, const std::string& peer, const std::string& path) {
  wiring::MemifLink l;
  l.role = role;
  l.peer = peer;
  l.socket_file = fs::path(path).filename();
  l.host_socket_path = path;
  return l;
}

// An NF with one server link (port 0, towards gen) and one client link (port 1, towards sink).
class TestpmdDriverTest : public ::testing::Test {
 protected:
  TestpmdDriverTest()
      : engine_([this](const engine::ExecRequest& r) { return answer(r); }),
        driver_(make_testpmd_driver()) {
    container_.id = "run1-nf1";
    container_.node = "local";
    container_.dpdk_runtime_dir = dir_.path() + "/dpdk/run1-nf1";
    container_.links = {link(wiring::MemifRole::kMaster, "gen", dir_.path() + "/memif-1"),
                        link(wiring::MemifRole::kSlave, "sink", dir_.path() + "/memif-2")};
    container_.nf.argv = {"/usr/bin/dpdk-testpmd", "--no-huge"};
  }

  process::Outcome answer(const engine::ExecRequest& r) {
    if (r.argv.size() > 3 && r.argv[3] == "cnfctl-nf") return FakeEngine::exited(0, "77\n");
    if (r.argv.size() > 3 && r.argv[3] == "cnfctl-alive") return FakeEngine::exited(alive_ ? 0 : 1);
    if (r.argv.size() == 2 && r.argv[0] == "cat") return FakeEngine::exited(0, "77\n");
    if (!r.argv.empty() && r.argv[0] == "tail") return FakeEngine::exited(0, "memif: bind failed");
    return FakeEngine::exited(0);
  }

  nf::NfContext ctx() { return {container_, engine_, runner_}; }
  void make_runtime_dir() { fs::create_directories(*container_.dpdk_runtime_dir); }

  TempDir dir_;
  std::atomic<bool> alive_{true};
  FakeEngine engine_;
  process::LocalRunner runner_;
  nf::PlannedContainer container_;
  std::unique_ptr<nf::NfDriver> driver_;
};

TEST(TestpmdReadiness, NeedsOnePortPerLinkAndClientLinksUp) {
  std::vector<wiring::MemifLink> links = {link(wiring::MemifRole::kMaster, "gen", "/s/a"),
                                          link(wiring::MemifRole::kSlave, "sink", "/s/b")};
  auto none = assess_testpmd_readiness(links, {});
  EXPECT_FALSE(none.ready);
  EXPECT_FALSE(none.fatal);
  EXPECT_NE(none.detail.find("0/2 memif ports"), std::string::npos) << none.detail;
  EXPECT_NE(none.detail.find("could not be created"), std::string::npos) << none.detail;

  auto client_down = assess_testpmd_readiness(links, {{0, 1}, {true, false}, {true, true}});
  EXPECT_FALSE(client_down.ready);
  EXPECT_NE(client_down.detail.find("port 1 (client of sink) is down"), std::string::npos)
      << client_down.detail;

  // A server's link comes up only when its client connects: its port is enough.
  auto server_down = assess_testpmd_readiness(links, {{0, 1}, {false, true}, {true, true}});
  EXPECT_TRUE(server_down.ready) << server_down.detail;
  EXPECT_EQ(server_down.detail, "2/2 memif ports, 1/2 links up");

  EXPECT_FALSE(
      assess_testpmd_readiness(links, {{0, 1, 2}, {true, true, true}, {true, true, true}}).ready);
}

// A memif server's port turns clients away until testpmd started it, and a client never retries:
// a server whose port exists but is not started yet is not ready for its clients.
TEST(TestpmdReadiness, AServerPortNotStartedIsNotReady) {
  std::vector<wiring::MemifLink> links = {link(wiring::MemifRole::kMaster, "gen", "/s/a"),
                                          link(wiring::MemifRole::kMaster, "sink", "/s/b")};
  auto unstarted = assess_testpmd_readiness(links, {{0, 1}, {false, false}, {true, false}});
  EXPECT_FALSE(unstarted.ready);
  EXPECT_NE(unstarted.detail.find("port(s) 1 not started yet"), std::string::npos)
      << unstarted.detail;
  EXPECT_FALSE(assess_testpmd_readiness(links, {{0, 1}, {false, false}, {}}).ready);
  EXPECT_TRUE(assess_testpmd_readiness(links, {{0, 1}, {false, false}, {true, true}}).ready);
}

TEST_F(TestpmdDriverTest, PrepareMakesTheRuntimeDirAndRemovesServedSocketsOnly) {
  std::ofstream(dir_.path() + "/memif-1") << "stale";
  std::ofstream(dir_.path() + "/memif-2") << "the server's";
  driver_->prepare(ctx());
  EXPECT_TRUE(fs::is_directory(*container_.dpdk_runtime_dir));
  EXPECT_FALSE(fs::exists(dir_.path() + "/memif-1"));
  EXPECT_TRUE(fs::exists(dir_.path() + "/memif-2"));
  driver_->prepare(ctx());  // idempotent

  std::ofstream(*container_.dpdk_runtime_dir + "/fbarray_memzone") << "x";
  std::ofstream(dir_.path() + "/memif-1") << "left by the server";
  driver_->cleanup(ctx());
  EXPECT_FALSE(fs::exists(*container_.dpdk_runtime_dir));
  EXPECT_FALSE(fs::exists(dir_.path() + "/memif-1"));
  EXPECT_TRUE(fs::exists(dir_.path() + "/memif-2"));
  driver_->cleanup(ctx());  // idempotent
}

TEST_F(TestpmdDriverTest, RefusesToRemoveOddRuntimeDirs) {
  for (const std::string bad : {"/", "/var", "relative/dir", "/var/run/../..", "/var//run"}) {
    container_.dpdk_runtime_dir = bad;
    EXPECT_THROW(driver_->cleanup(ctx()), Error) << bad;
  }
  container_.dpdk_runtime_dir.reset();
  EXPECT_THROW(driver_->prepare(ctx()), Error);
}

TEST_F(TestpmdDriverTest, NotReadyBeforeTelemetryExists) {
  make_runtime_dir();
  auto r = driver_->probe(ctx(), milliseconds(200));
  EXPECT_FALSE(r.ready);
  EXPECT_FALSE(r.fatal);
  EXPECT_NE(r.detail.find("not there yet"), std::string::npos) << r.detail;
}

TEST_F(TestpmdDriverTest, FatalWhenTheProcessIsGone) {
  make_runtime_dir();
  driver_->start(ctx());
  alive_ = false;
  auto r = driver_->probe(ctx(), milliseconds(200));
  EXPECT_FALSE(r.ready);
  EXPECT_TRUE(r.fatal);
  EXPECT_NE(r.detail.find("testpmd exited: memif: bind failed"), std::string::npos) << r.detail;
}

TEST_F(TestpmdDriverTest, ZeroPortsIsNotReady) {
  make_runtime_dir();
  testing::FakeTelemetryServer server(*container_.dpdk_runtime_dir);
  auto r = driver_->probe(ctx(), milliseconds(10000));
  EXPECT_FALSE(r.ready);
  EXPECT_FALSE(r.fatal);
  EXPECT_NE(r.detail.find("0/2 memif ports"), std::string::npos) << r.detail;
}

TEST_F(TestpmdDriverTest, ReadyOnceTheClientLinkIsUp) {
  make_runtime_dir();
  testing::FakeTelemetryServer server(*container_.dpdk_runtime_dir);
  server.set_port(0, false);
  server.set_port(1, false);
  EXPECT_FALSE(driver_->probe(ctx(), milliseconds(10000)).ready);
  server.set_port(1, true);
  auto r = driver_->probe(ctx(), milliseconds(10000));
  EXPECT_TRUE(r.ready) << r.detail;
}

TEST_F(TestpmdDriverTest, ReadyOnlyOnceItsPortsAreStarted) {
  make_runtime_dir();
  testing::FakeTelemetryServer server(*container_.dpdk_runtime_dir);
  server.set_port(0, false);
  server.set_port(1, true);
  server.set_started(0, false);
  auto r = driver_->probe(ctx(), milliseconds(10000));
  EXPECT_FALSE(r.ready) << r.detail;
  EXPECT_NE(r.detail.find("port(s) 0 not started yet"), std::string::npos) << r.detail;
  server.set_started(0, true);
  r = driver_->probe(ctx(), milliseconds(10000));
  EXPECT_TRUE(r.ready) << r.detail;
}

TEST_F(TestpmdDriverTest, SilentTelemetryIsNotReadyWithinTheBudget) {
  make_runtime_dir();
  testing::FakeTelemetryServer server(*container_.dpdk_runtime_dir);
  server.set_silent(true);
  auto start = std::chrono::steady_clock::now();
  auto r = driver_->probe(ctx(), milliseconds(200));
  EXPECT_FALSE(r.ready);
  EXPECT_FALSE(r.fatal);
  // Returns (not ready) rather than waiting for an answer that never comes; the bound is only a
  // hang guard, generous for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(30000));
}

TEST_F(TestpmdDriverTest, CountersPerPortWithPeersAndDrops) {
  make_runtime_dir();
  testing::FakeTelemetryServer server(*container_.dpdk_runtime_dir);
  EthdevStats a;
  a.ipackets = 100;
  a.opackets = 5;
  a.imissed = 1;
  a.ierrors = 2;
  a.rx_nombuf = 3;
  a.oerrors = 4;
  server.set_port(0, true, a);
  EthdevStats b;
  b.opackets = 90;
  server.set_port(1, true, b);
  auto counters = driver_->counters(ctx());
  ASSERT_EQ(counters.size(), 2u);
  EXPECT_EQ(counters[0].port, 0);
  EXPECT_EQ(counters[0].peer, "gen");
  EXPECT_EQ(counters[0].rx_packets, 100u);
  EXPECT_EQ(counters[0].tx_packets, 5u);
  EXPECT_EQ(counters[0].rx_dropped, 6u);
  EXPECT_EQ(counters[0].tx_dropped, 4u);
  EXPECT_EQ(counters[1].peer, "sink");
  EXPECT_EQ(counters[1].tx_packets, 90u);
}

TEST_F(TestpmdDriverTest, StartAndStopGoThroughTheDetachedHelper) {
  driver_->start(ctx());
  driver_->stop(ctx(), milliseconds(100));
  auto execs = engine_.execs();
  ASSERT_EQ(execs.size(), 2u);
  EXPECT_EQ(execs[0][3], "cnfctl-nf");
  EXPECT_EQ(execs[0].back(), "--no-huge");
  EXPECT_EQ(execs[1][3], "cnfctl-stop");
  EXPECT_EQ(execs[1][5], "77");            // the pid start() saw
  EXPECT_EQ(execs[1][6], "dpdk-testpmd");  // and every process of that name
}

// A node that is not this machine: telemetry goes through python3 run by the node's runner.
TEST_F(TestpmdDriverTest, RemoteNodeProbesThroughTheRunner) {
  make_runtime_dir();
  testing::LikeRemoteRunner remote;
  nf::NfContext c{container_, engine_, remote};
  auto missing = driver_->probe(c, milliseconds(10000));
  EXPECT_FALSE(missing.ready);
  EXPECT_FALSE(missing.fatal);
  EXPECT_NE(missing.detail.find("not there yet"), std::string::npos) << missing.detail;

  testing::FakeTelemetryServer server(*container_.dpdk_runtime_dir);
  server.set_port(0, false);
  server.set_port(1, false);
  auto down = driver_->probe(c, milliseconds(10000));
  EXPECT_FALSE(down.ready);
  EXPECT_NE(down.detail.find("port 1 (client of sink) is down"), std::string::npos) << down.detail;
  server.set_port(1, true);
  auto r = driver_->probe(c, milliseconds(10000));
  EXPECT_TRUE(r.ready) << r.detail;
  bool used_python = false;
  for (const auto& command : remote.commands()) {
    used_python = used_python || (!command.argv.empty() && command.argv[0] == "python3");
  }
  EXPECT_TRUE(used_python);
}

TEST_F(TestpmdDriverTest, RemoteStaleSocketIsARealError) {
  make_runtime_dir();
  { testing::FakeTelemetryServer server(*container_.dpdk_runtime_dir); }
  // The server removed its socket; leave a stale one as a killed DPDK does.
  const auto socket = telemetry_socket_of(container_);
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket.c_str(), socket.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
  testing::LikeRemoteRunner remote;
  nf::NfContext c{container_, engine_, remote};
  auto r = driver_->probe(c, milliseconds(10000));
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.detail.find("not there yet"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("Connection refused"), std::string::npos) << r.detail;
}

TEST_F(TestpmdDriverTest, RemoteCountersMatchLocalOnes) {
  make_runtime_dir();
  testing::FakeTelemetryServer server(*container_.dpdk_runtime_dir);
  server.set_port(0, true, EthdevStats{.ipackets = 100, .opackets = 5, .imissed = 1});
  server.set_port(1, true, EthdevStats{.opackets = 90, .oerrors = 4});
  testing::LikeRemoteRunner remote;
  nf::NfContext c{container_, engine_, remote};
  auto local = driver_->counters(ctx());
  auto counted = driver_->counters(c);
  ASSERT_EQ(counted.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(counted[k].port, local[k].port);
    EXPECT_EQ(counted[k].peer, local[k].peer);
    EXPECT_EQ(counted[k].rx_packets, local[k].rx_packets);
    EXPECT_EQ(counted[k].tx_packets, local[k].tx_packets);
    EXPECT_EQ(counted[k].rx_dropped, local[k].rx_dropped);
    EXPECT_EQ(counted[k].tx_dropped, local[k].tx_dropped);
  }
  EXPECT_EQ(counted[0].rx_packets, 100u);
  EXPECT_EQ(counted[1].tx_dropped, 4u);
}

// What dpdk-testpmd 22.11 prints for a bad application option and a bad EAL option (stdout and
// stderr interleaved, usage text shortened).
TEST(TestpmdExitReason, NamesTheBadOptionNotTheUsageText) {
  const std::string app_option =
      "EAL: Detected CPU lcores: 2\n"
      "testpmd: No probed ethernet devices\n"
      "dpdk-testpmd: unrecognized option '--bogus-opt'\n"
      "\n"
      "Usage: dpdk-testpmd [EAL options] -- [testpmd options]\n"
      "\n"
      "EAL: Error - exiting with code: 1\n"
      "  --record-core-cycles: enable measurement of CPU cycles.\n"
      "    0x01 - hairpin ports loop, 0x00 - hairpin port self\n";
  EXPECT_EQ(testpmd_exit_reason(app_option), "dpdk-testpmd: unrecognized option '--bogus-opt'");
  const std::string eal_option =
      "dpdk-testpmd: unrecognized option '--bogus-eal'\n"
      "EAL: Detected CPU lcores: 2\n"
      "Usage: dpdk-testpmd [options]\n"
      "\t\t      User must specify this option to enable trace.\n"
      "EAL: Invalid 'command line' arguments.\n";
  EXPECT_EQ(testpmd_exit_reason(eal_option), "dpdk-testpmd: unrecognized option '--bogus-eal'");
  EXPECT_EQ(testpmd_exit_reason("EAL: Detected CPU lcores: 2\nEAL: Error - exiting with code: 1\n"
                                "  Cause: Cannot init EAL: Permission denied\n"),
            "EAL: Error - exiting with code: 1");
  EXPECT_EQ(testpmd_exit_reason("starting\nKilled\n"), "Killed");
  EXPECT_EQ(testpmd_exit_reason(""), "");
}

}  // namespace
}  // namespace cnfctl::testpmd
