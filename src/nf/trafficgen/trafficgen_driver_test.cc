#include "nf/trafficgen/trafficgen_driver.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace cnfctl::trafficgen {
namespace {

const std::vector<std::string> kArgv = {
    "/x/cnfctl-gen",
    "--vdev=net_memif0,role=client,socket=/run/cnfctl/memif/a,id=1,socket-abstract=no",
    "--vdev=net_memif1,role=server,socket=/run/cnfctl/memif/b,id=2,socket-abstract=no",
    "--",
    "forward",
    "--control",
    "/run/cnfctl/memif/nf1.gen.sock"};

nlohmann::json ping(bool up0, bool up1) {
  return {{"ok", true},
          {"ports", {{{"port", 0}, {"link_up", up0}}, {{"port", 1}, {"link_up", up1}}}}};
}

TEST(TrafficgenReadiness, ClientLinksMustBeUpServersMayWait) {
  EXPECT_TRUE(assess_trafficgen_readiness(kArgv, ping(true, false)).ready);
  const auto down = assess_trafficgen_readiness(kArgv, ping(false, true));
  EXPECT_FALSE(down.ready);
  EXPECT_NE(down.detail.find("port 0 (memif client) is down"), std::string::npos) << down.detail;
}

TEST(TrafficgenReadiness, MissingPortOrBadAnswer) {
  nlohmann::json one = {{"ok", true}, {"ports", {{{"port", 0}, {"link_up", true}}}}};
  const auto missing = assess_trafficgen_readiness(kArgv, one);
  EXPECT_FALSE(missing.ready);
  EXPECT_NE(missing.detail.find("missing"), std::string::npos);
  EXPECT_FALSE(assess_trafficgen_readiness(kArgv, {{"ok", false}}).ready);
}

nf::PlannedContainer container() {
  nf::PlannedContainer c;
  c.name = "nf1";
  c.id = "run-nf1";
  c.nf.argv = kArgv;
  c.mounts = {{"/run/cnfctl/sockets/run", "/run/cnfctl/memif", false}};
  wiring::MemifLink a, b;
  a.peer = "vswitch1";
  b.peer = "vswitch1";
  c.links = {a, b};
  return c;
}

TEST(TrafficgenDriver, ControlSocketIsMappedToTheHost) {
  EXPECT_EQ(control_socket_of(container()), "/run/cnfctl/sockets/run/nf1.gen.sock");
  auto sink = container();
  sink.nf.argv.clear();
  EXPECT_EQ(control_socket_of(sink), std::nullopt);
  auto unmounted = container();
  unmounted.mounts.clear();
  EXPECT_THROW(control_socket_of(unmounted), Error);
}

TEST(TrafficgenDriver, CountersIncludeTheForwardersDrops) {
  const nlohmann::json stats = {
      {"ok", true},
      {"ports",
       {{{"port", 0},
         {"rx_packets", 100},
         {"tx_packets", 40},
         {"rx_dropped", 1},
         {"tx_dropped", 0}},
        {{"port", 1},
         {"rx_packets", 50},
         {"tx_packets", 60},
         {"rx_dropped", 0},
         {"tx_dropped", 0}}}},
      {"forward",
       {{{"name", "0to1"}, {"dropped_limit", 30}, {"dropped_queue", 2}, {"dropped_tx", 5}},
        {{"name", "1to0"}, {"dropped_limit", 0}, {"dropped_queue", 0}, {"dropped_tx", 7}}}}};
  const auto counters = counters_from_stats(container(), stats);
  ASSERT_EQ(counters.size(), 2U);
  EXPECT_EQ(counters[0].rx_packets, 100U);
  EXPECT_EQ(counters[0].rx_dropped, 1U + 30 + 2);
  EXPECT_EQ(counters[0].tx_dropped, 7U);  // 1to0 leaves through port 0
  EXPECT_EQ(counters[1].tx_dropped, 5U);
  EXPECT_EQ(counters[1].peer, "vswitch1");
  EXPECT_THROW(counters_from_stats(container(), {{"ok", false}}), Error);
}

}  // namespace
}  // namespace cnfctl::trafficgen
