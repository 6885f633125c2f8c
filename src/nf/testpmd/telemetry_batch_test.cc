// The node-side telemetry client (python3 through a Runner) against the fake DPDK telemetry
// server, with a real LocalRunner: replies, a missing socket, a stale socket, a silent server.
#include "nf/testpmd/telemetry_batch.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "common/error.h"
#include "nf/testpmd/like_remote_runner_test_support.h"
#include "process/local_runner.h"
#include "support/fake_telemetry_server.h"
#include "support/temp_dir.h"

namespace cnfctl::testpmd {
namespace {

using nf::testing::TempDir;
using std::chrono::milliseconds;
using testing::FakeTelemetryServer;
using testing::LikeRemoteRunner;
using Clock = std::chrono::steady_clock;

TelemetryError expect_failure(const std::function<void()>& action, TelemetryFailure failure) {
  try {
    action();
  } catch (const TelemetryError& e) {
    EXPECT_EQ(static_cast<int>(e.failure()), static_cast<int>(failure)) << e.describe();
    return e;
  }
  ADD_FAILURE() << "no TelemetryError";
  return TelemetryError(TelemetryFailure::kOther, "none");
}

class TelemetryBatchTest : public ::testing::Test {
 protected:
  TempDir dir_;
  process::LocalRunner runner_;
};

TEST_F(TelemetryBatchTest, RunnerPathReadsTheGreetingAndEveryReply) {
  FakeTelemetryServer server(dir_.path());
  server.set_port(0, true, EthdevStats{.ipackets = 100, .opackets = 5, .imissed = 1});
  server.set_port(1, false, EthdevStats{.opackets = 90, .oerrors = 4});

  auto list = telemetry_batch_via_runner(runner_, server.socket_path(), {"/ethdev/list"},
                                         milliseconds(3000));
  EXPECT_EQ(list.greeting.at("pid"), 4242);
  ASSERT_EQ(list.values.size(), 1u);
  EXPECT_EQ(parse_ethdev_list(list.values[0]), (std::vector<int>{0, 1}));

  auto more = telemetry_batch_via_runner(
      runner_, server.socket_path(),
      {"/ethdev/link_status,0", "/ethdev/link_status,1", "/ethdev/stats,0", "/ethdev/stats,1"},
      milliseconds(3000));
  ASSERT_EQ(more.values.size(), 4u);
  EXPECT_TRUE(parse_link_status(more.values[0]).up);
  EXPECT_EQ(parse_link_status(more.values[0]).speed_mbps, 100000u);
  EXPECT_FALSE(parse_link_status(more.values[1]).up);
  EXPECT_EQ(parse_ethdev_stats(more.values[2]).ipackets, 100u);
  EXPECT_EQ(parse_ethdev_stats(more.values[2]).imissed, 1u);
  EXPECT_EQ(parse_ethdev_stats(more.values[3]).opackets, 90u);
  EXPECT_EQ(parse_ethdev_stats(more.values[3]).oerrors, 4u);
  EXPECT_EQ(server.requests(), 5);
}

TEST_F(TelemetryBatchTest, DirectAndRunnerPathsAgree) {
  FakeTelemetryServer server(dir_.path());
  server.set_port(0, true, EthdevStats{.ipackets = 7});
  const std::vector<std::string> commands = {"/ethdev/list", "/ethdev/stats,0"};
  auto direct = telemetry_batch_direct(server.socket_path(), commands, milliseconds(2000));
  auto remote =
      telemetry_batch_via_runner(runner_, server.socket_path(), commands, milliseconds(3000));
  EXPECT_EQ(direct.greeting, remote.greeting);
  EXPECT_EQ(direct.values, remote.values);
}

TEST_F(TelemetryBatchTest, NoCommandsJustGreets) {
  FakeTelemetryServer server(dir_.path());
  auto batch = telemetry_batch_via_runner(runner_, server.socket_path(), {}, milliseconds(3000));
  EXPECT_TRUE(batch.values.empty());
  EXPECT_EQ(batch.greeting.at("version"), "DPDK 22.11.11");
}

TEST_F(TelemetryBatchTest, MissingSocketIsToldApart) {
  const std::string socket = dir_.path() + "/dpdk_telemetry.v2";
  auto e = expect_failure(
      [&] { telemetry_batch_via_runner(runner_, socket, {"/ethdev/list"}, milliseconds(2000)); },
      TelemetryFailure::kMissing);
  EXPECT_NE(e.describe().find("cannot connect"), std::string::npos) << e.describe();
  EXPECT_NE(e.describe().find(socket), std::string::npos) << e.describe();
  expect_failure([&] { telemetry_batch_direct(socket, {"/ethdev/list"}, milliseconds(500)); },
                 TelemetryFailure::kMissing);
}

TEST_F(TelemetryBatchTest, StaleSocketIsRefused) {
  // A socket file nobody listens on any more: what a killed DPDK leaves behind.
  const std::string socket = dir_.path() + "/dpdk_telemetry.v2";
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, socket.c_str(), socket.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);

  auto e = expect_failure(
      [&] { telemetry_batch_via_runner(runner_, socket, {"/ethdev/list"}, milliseconds(2000)); },
      TelemetryFailure::kRefused);
  EXPECT_NE(e.describe().find("Connection refused"), std::string::npos) << e.describe();
  expect_failure([&] { telemetry_batch_direct(socket, {"/ethdev/list"}, milliseconds(500)); },
                 TelemetryFailure::kRefused);
}

TEST_F(TelemetryBatchTest, SilentServerTimesOutWithinTheBudget) {
  FakeTelemetryServer server(dir_.path());
  server.set_silent(true);
  const auto start = Clock::now();
  auto e = expect_failure(
      [&] {
        telemetry_batch_via_runner(runner_, server.socket_path(), {"/ethdev/list"},
                                   milliseconds(400));
      },
      TelemetryFailure::kTimeout);
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(400));
  EXPECT_LT(elapsed, milliseconds(400) + kNodeTelemetryAllowance);
  EXPECT_NE(e.describe().find("no answer in time waiting for DPDK's greeting"), std::string::npos)
      << e.describe();
}

TEST_F(TelemetryBatchTest, NullReplyNamesTheCommand) {
  FakeTelemetryServer server(dir_.path());
  try {
    telemetry_batch_via_runner(runner_, server.socket_path(), {"/ethdev/list", "/ethdev/stats,9"},
                               milliseconds(3000));
    FAIL() << "no error";
  } catch (const TelemetryError& e) {
    FAIL() << "a null reply is not a connection problem: " << e.describe();
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("/ethdev/stats,9 answered null"), std::string::npos)
        << e.describe();
  }
}

TEST_F(TelemetryBatchTest, TheScriptGoesInAsStdinAndEveryCommandAsAWord) {
  FakeTelemetryServer server(dir_.path());
  LikeRemoteRunner node;
  telemetry_batch(node, server.socket_path(), {"/ethdev/list"}, milliseconds(3000));
  auto commands = node.commands();
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].argv,
            (std::vector<std::string>{"python3", "-", server.socket_path(), "/ethdev/list"}));
  EXPECT_EQ(commands[0].stdin_bytes, std::string(kNodeTelemetryScript));
  EXPECT_EQ(commands[0].env.at(kTelemetryTimeoutEnv), "3000");
  EXPECT_EQ(commands[0].timeout, milliseconds(3000) + kNodeTelemetryAllowance);
}

TEST_F(TelemetryBatchTest, LocalNodesTalkToTheSocketDirectly) {
  FakeTelemetryServer server(dir_.path());
  server.set_port(3, true);
  // A LocalRunner is this machine: no python involved (a PATH without python3 would not matter).
  auto batch = telemetry_batch(runner_, server.socket_path(), {"/ethdev/list"}, milliseconds(500));
  EXPECT_EQ(parse_ethdev_list(batch.values[0]), (std::vector<int>{3}));
}

TEST_F(TelemetryBatchTest, NoPythonOnTheNodeSaysSo) {
  FakeTelemetryServer server(dir_.path());
  LikeRemoteRunner node([](process::Command& c) { c.set_env("PATH", "/nonexistent"); });
  auto e = expect_failure(
      [&] { telemetry_batch(node, server.socket_path(), {"/ethdev/list"}, milliseconds(1000)); },
      TelemetryFailure::kOther);
  EXPECT_NE(e.describe().find("python3"), std::string::npos) << e.describe();
}

TEST_F(TelemetryBatchTest, BadInputIsRefusedBeforeRunningAnything) {
  LikeRemoteRunner node;
  EXPECT_THROW(telemetry_batch_via_runner(node, "", {"/ethdev/list"}, milliseconds(100)), Error);
  EXPECT_THROW(telemetry_batch_via_runner(node, dir_.path() + "/s", {std::string("a\0b", 3)},
                                          milliseconds(100)),
               Error);
  EXPECT_TRUE(node.commands().empty());
}

}  // namespace
}  // namespace cnfctl::testpmd
