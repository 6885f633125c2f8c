#include "nf/testpmd/telemetry_client.h"

#include <gtest/gtest.h>

#include <chrono>

#include "common/error.h"
#include "support/fake_telemetry_server.h"
#include "support/temp_dir.h"

namespace cnfctl::testpmd {
namespace {

using std::chrono::milliseconds;

// Replies recorded from dpdk-testpmd 22.11.11 (memif server, rxonly).
constexpr const char* kStatsReply =
    R"({"/ethdev/stats":{"ipackets":2504672,"opackets":0,"ibytes":160299008,"obytes":0,)"
    R"("imissed":3,"ierrors":0,"oerrors":0,"rx_nombuf":5,"q_ipackets":[2504672,0],)"
    R"("q_opackets":[0,0],"q_ibytes":[160299008,0],"q_obytes":[0,0],"q_errors":[0,0]}})";

using nf::testing::TempDir;

TEST(TelemetryParsing, StatsFromARealReply) {
  auto value = reply_value(nlohmann::json::parse(kStatsReply), "/ethdev/stats,0");
  auto s = parse_ethdev_stats(value);
  EXPECT_EQ(s.ipackets, 2504672u);
  EXPECT_EQ(s.opackets, 0u);
  EXPECT_EQ(s.ibytes, 160299008u);
  EXPECT_EQ(s.imissed, 3u);
  EXPECT_EQ(s.rx_nombuf, 5u);
}

// /ethdev/info as DPDK 22.11's testpmd answered it on this machine (trimmed).
TEST(TelemetryParsing, DevStartedFromEthdevInfo) {
  EXPECT_TRUE(parse_dev_started(nlohmann::json::parse(
      R"({"name":"net_memif0","state":1,"port_id":0,"dev_started":1,"dev_configured":1})")));
  EXPECT_FALSE(
      parse_dev_started(nlohmann::json::parse(R"({"name":"net_memif0","dev_started":0})")));
  EXPECT_THROW(parse_dev_started(nlohmann::json::parse(R"({"name":"net_memif0"})")), Error);
  EXPECT_THROW(parse_dev_started(nlohmann::json::parse(R"(null)")), Error);
}

TEST(TelemetryParsing, LinkStatusUpAndDown) {
  auto up = parse_link_status(
      nlohmann::json::parse(R"({"status":"UP","speed":100000,"duplex":"full-duplex"})"));
  EXPECT_TRUE(up.up);
  EXPECT_EQ(up.speed_mbps, 100000u);
  EXPECT_EQ(up.duplex, "full-duplex");
  auto down = parse_link_status(nlohmann::json::parse(R"({"status":"DOWN"})"));
  EXPECT_FALSE(down.up);
  EXPECT_EQ(down.speed_mbps, 0u);
  EXPECT_THROW(parse_link_status(nlohmann::json::parse(R"({"speed":1})")), Error);
}

TEST(TelemetryParsing, EthdevList) {
  EXPECT_EQ(parse_ethdev_list(nlohmann::json::parse("[0,1,3]")), (std::vector<int>{0, 1, 3}));
  EXPECT_TRUE(parse_ethdev_list(nlohmann::json::parse("[]")).empty());
  EXPECT_THROW(parse_ethdev_list(nlohmann::json::parse(R"(["a"])")), Error);
  EXPECT_THROW(parse_ethdev_list(nlohmann::json::parse("{}")), Error);
}

TEST(TelemetryParsing, NullValueNamesTheCommand) {
  try {
    reply_value(nlohmann::json::parse(R"({"/ethdev/stats":null})"), "/ethdev/stats,5");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("/ethdev/stats,5 answered null"), std::string::npos)
        << e.describe();
  }
  EXPECT_THROW(reply_value(nlohmann::json::parse(R"({"/other":1})"), "/ethdev/list"), Error);
}

TEST(TelemetryClient, MissingSocketCannotConnect) {
  TempDir dir;
  try {
    TelemetryClient::connect(dir.path() + "/dpdk_telemetry.v2", milliseconds(500));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message().rfind("cannot connect: No such file or directory", 0), 0u)
        << e.describe();
    EXPECT_NE(e.describe().find("DPDK telemetry " + dir.path()), std::string::npos);
  }
}

TEST(TelemetryClient, TalksToAServer) {
  TempDir dir;
  testing::FakeTelemetryServer server(dir.path());
  EthdevStats stats;
  stats.ipackets = 10;
  stats.opackets = 20;
  server.set_port(0, true, stats);
  server.set_port(1, false);
  auto client = TelemetryClient::connect(server.socket_path(), milliseconds(1000));
  EXPECT_EQ(client.greeting().at("pid"), 4242);
  EXPECT_EQ(client.ethdev_list(milliseconds(1000)), (std::vector<int>{0, 1}));
  EXPECT_TRUE(client.link_status(0, milliseconds(1000)).up);
  EXPECT_FALSE(client.link_status(1, milliseconds(1000)).up);
  auto s = client.stats(0, milliseconds(1000));
  EXPECT_EQ(s.ipackets, 10u);
  EXPECT_EQ(s.opackets, 20u);
  EXPECT_THROW(client.stats(7, milliseconds(1000)), Error);
  EXPECT_THROW(client.query("/nonsense", milliseconds(1000)), Error);
}

TEST(TelemetryClient, SilentServerHitsTheDeadline) {
  TempDir dir;
  testing::FakeTelemetryServer server(dir.path());
  server.set_silent(true);
  auto start = std::chrono::steady_clock::now();
  try {
    TelemetryClient::connect(server.socket_path(), milliseconds(200));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("no answer in time waiting for DPDK's greeting"), std::string::npos)
        << e.describe();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
}

}  // namespace
}  // namespace cnfctl::testpmd
