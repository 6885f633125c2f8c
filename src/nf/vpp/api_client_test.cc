#include "nf/vpp/api_client.h"

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
                                 "/reference/vpp/api-socket-show-version.json");
}

ApiClientOptions fixture_options() {
  ApiClientOptions options;
  options.client_name = "cnfctl-fixture";
  options.reply_timeout = milliseconds(3000);
  return options;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.describe();
  }
  return "(no error)";
}

TEST(ApiClient, SpeaksTheRecordedSessionByteForByte) {
  ReplayServer server(recording());
  try {
    ApiClient client = ApiClient::connect(server.socket_path(), fixture_options());
    EXPECT_EQ(client.message_table().size(), 841u);
    EXPECT_EQ(client.find_message_id("show_version_51077d14"), 836);

    VppVersion version = client.show_version();
    EXPECT_EQ(version.program, "vpe");
    EXPECT_EQ(version.version, "26.10-rc0~374-gb575ec2c56d");
    EXPECT_EQ(version.build_date, "2026-11-27T05:32:50");
    EXPECT_EQ(version.build_directory, "");

    EXPECT_EQ(client.control_ping(), 0x189au);
    client.disconnect();
    EXPECT_FALSE(client.is_connected());
    client.disconnect();  // idempotent
  } catch (const Error& e) {
    ADD_FAILURE() << e.describe();
  }
  EXPECT_EQ(server.finish(), "");
}

TEST(ApiClient, ToleratesRepliesCutAnywhere) {
  ReplayServer server(testing::split_vpp_frames(recording(), 7));
  try {
    ApiClient client = ApiClient::connect(server.socket_path(), fixture_options());
    EXPECT_EQ(client.show_version().version, "26.10-rc0~374-gb575ec2c56d");
    client.control_ping();
    client.disconnect();
  } catch (const Error& e) {
    ADD_FAILURE() << e.describe();
  }
  EXPECT_EQ(server.finish(), "");
}

TEST(ApiClient, MissingSocketIsAClearError) {
  std::string message =
      error_of([] { ApiClient::connect("/tmp/cnfctl-no-such-dir/api.sock", fixture_options()); });
  EXPECT_NE(message.find("VPP API socket /tmp/cnfctl-no-such-dir/api.sock: cannot connect: No "
                         "such file or directory"),
            std::string::npos)
      << message;
}

TEST(ApiClient, SilentServerHitsTheDeadline) {
  ReplayServer server(recording(), ReplayServer::Behaviour::kSilent);
  ApiClientOptions options = fixture_options();
  options.reply_timeout = milliseconds(200);
  auto start = std::chrono::steady_clock::now();
  std::string message = error_of([&] { ApiClient::connect(server.socket_path(), options); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_NE(message.find("no answer within 200 ms waiting for the sockclnt_create reply"),
            std::string::npos)
      << message;
}

TEST(ApiClient, HangUpIsAnError) {
  ReplayServer server(recording(), ReplayServer::Behaviour::kHangUp);
  std::string message =
      error_of([&] { ApiClient::connect(server.socket_path(), fixture_options()); });
  EXPECT_NE(message.find(server.socket_path()), std::string::npos) << message;
  EXPECT_NE(message.find("sockclnt_create"), std::string::npos) << message;
}

TEST(ApiClient, UnknownMessageNamesWhatThisVppHas) {
  ReplayServer server(recording());
  ApiClient client = ApiClient::connect(server.socket_path(), fixture_options());
  std::string message = error_of([&] { client.message_id("show_version_00000000"); });
  EXPECT_NE(message.find("this VPP has no show_version_00000000 (it has show_version_51077d14)"),
            std::string::npos)
      << message;
  EXPECT_EQ(client.find_message_id("no_such_message_12345678"), std::nullopt);
}

TEST(ApiClient, BadClientNameIsBadInput) {
  ApiClientOptions options;
  options.client_name = std::string(64, 'x');
  try {
    ApiClient::connect("/tmp/whatever.sock", options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.describe();
  }
}

}  // namespace
}  // namespace cnfctl::vpp
