#include "nf/vpp/cli_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>

#include "common/error.h"
#include "support/vpp_replay_server.h"

namespace cnfctl::vpp {
namespace {

using std::chrono::milliseconds;
using testing::ReplayServer;

std::vector<testing::RecordedFrame> recording() {
  return testing::load_recording(std::string(CNFCTL_SHARED_DIR) +
                                 "/reference/vpp/cli-socket-show-version.json");
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.describe();
  }
  return "(no error)";
}

TEST(VppCli, RunsTheRecordedShowVersionByteForByte) {
  ReplayServer server(recording());
  try {
    std::string output = run_vpp_cli(server.socket_path(), "show version");
    EXPECT_EQ(output,
              "vpp v26.10-rc0~374-gb575ec2c56d built by root on vm at 2026-11-27T05:32:50\r\n");
  } catch (const Error& e) {
    ADD_FAILURE() << e.describe();
  }
  EXPECT_EQ(server.finish(), "");
}

TEST(VppCli, ToleratesVppsBytesArrivingOneByOne) {
  ReplayServer server(testing::split_vpp_frames(recording(), 1));
  try {
    EXPECT_EQ(run_vpp_cli(server.socket_path(), "show version"),
              "vpp v26.10-rc0~374-gb575ec2c56d built by root on vm at 2026-11-27T05:32:50\r\n");
  } catch (const Error& e) {
    ADD_FAILURE() << e.describe();
  }
  EXPECT_EQ(server.finish(), "");
}

TEST(VppCli, MissingSocketIsAClearError) {
  std::string message =
      error_of([] { run_vpp_cli("/tmp/cnfctl-no-such-dir/cli.sock", "show version"); });
  EXPECT_NE(message.find("VPP CLI socket /tmp/cnfctl-no-such-dir/cli.sock: cannot connect: No "
                         "such file or directory"),
            std::string::npos)
      << message;
}

TEST(VppCli, SilentServerHitsTheDeadline) {
  ReplayServer server(recording(), ReplayServer::Behaviour::kSilent);
  CliOptions options;
  options.timeout = milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  std::string message =
      error_of([&] { run_vpp_cli(server.socket_path(), "show version", options); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_NE(message.find("no answer within 200 ms waiting for the output of 'show version'"),
            std::string::npos)
      << message;
}

TEST(VppCli, HangUpBeforeNegotiationIsAnError) {
  ReplayServer server(recording(), ReplayServer::Behaviour::kHangUp);
  std::string message = error_of([&] { run_vpp_cli(server.socket_path(), "show version"); });
  EXPECT_NE(message.find("closed the connection before asking for the terminal type"),
            std::string::npos)
      << message;
}

TEST(VppCli, CommandMustBeOneLine) {
  for (std::string bad :
       {std::string(""), std::string("show version\nshow pci"), std::string("show\0x", 6)}) {
    try {
      run_vpp_cli("/tmp/whatever.sock", bad);
      FAIL() << "no error for " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2) << e.describe();
    }
  }
}

}  // namespace
}  // namespace cnfctl::vpp
