#include "traffic/traffic.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/error.h"
#include "process/local_runner.h"
#include "support/fake_engine.h"
#include "support/fake_telemetry_server.h"
#include "support/temp_dir.h"

namespace cnfctl::traffic {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// wrk 4.1.0 (Debian) against nginx 1.22 on this machine.
constexpr const char* kWrkOutput = R"(Running 2s test @ http://127.0.0.1:18089/64B
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.68ms   14.56ms 125.54ms   96.39%
    Req/Sec    14.91k     4.69k   26.50k    85.00%
  Latency Distribution
     50%  250.00us
     75%    1.96ms
     90%    3.84ms
     99%   95.94ms
  29785 requests in 2.05s, 6.02MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  14564.10
Transfer/sec:      2.94MB
)";

nf::PortCounters port(int id, std::uint64_t rx, std::uint64_t tx, std::uint64_t drops = 0) {
  nf::PortCounters p;
  p.port = id;
  p.peer = "peer" + std::to_string(id);
  p.rx_packets = rx;
  p.tx_packets = tx;
  p.rx_dropped = drops;
  return p;
}

TEST(HopRates, DeltasOverTheWindow) {
  auto hops = hop_rates("nf1", {port(0, 1'000'000, 0, 5), port(1, 0, 2'000'000)},
                        {port(0, 5'000'000, 0, 9), port(1, 0, 6'000'000)}, seconds(2));
  ASSERT_EQ(hops.size(), 2u);
  EXPECT_EQ(hops[0].container, "nf1");
  EXPECT_EQ(hops[0].peer, "peer0");
  EXPECT_EQ(hops[0].rx_packets, 4'000'000u);
  EXPECT_DOUBLE_EQ(hops[0].rx_mpps, 2.0);
  EXPECT_DOUBLE_EQ(hops[0].tx_mpps, 0.0);
  EXPECT_EQ(hops[0].drops, 4u);
  EXPECT_DOUBLE_EQ(hops[1].tx_mpps, 2.0);
  EXPECT_FALSE(hops[1].counters_reset);
}

TEST(HopRates, ResetCountersAndNewPortsCountFromZero) {
  auto hops = hop_rates("sink", {port(0, 9'000'000, 0)}, {port(0, 500'000, 0), port(1, 250, 0)},
                        milliseconds(500));
  ASSERT_EQ(hops.size(), 2u);
  EXPECT_TRUE(hops[0].counters_reset);
  EXPECT_EQ(hops[0].rx_packets, 500'000u);
  EXPECT_DOUBLE_EQ(hops[0].rx_mpps, 1.0);
  EXPECT_EQ(hops[1].rx_packets, 250u);
  EXPECT_FALSE(hops[1].counters_reset);
  EXPECT_DOUBLE_EQ(hop_rates("x", {}, {port(0, 5, 5)}, seconds(0))[0].rx_mpps, 0.0);
}

TEST(Wrk, ParsesItsReport) {
  HttpLoad load;
  parse_wrk_output(kWrkOutput, load);
  EXPECT_DOUBLE_EQ(load.requests_per_s, 14564.10);
  EXPECT_EQ(load.requests, 29785u);
  EXPECT_DOUBLE_EQ(load.seconds, 2.05);
  EXPECT_DOUBLE_EQ(load.latency_avg_ms, 3.68);
  EXPECT_DOUBLE_EQ(load.latency_p50_ms, 0.25);
  EXPECT_DOUBLE_EQ(load.latency_p90_ms, 3.84);
  EXPECT_DOUBLE_EQ(load.latency_p99_ms, 95.94);
  EXPECT_EQ(load.socket_errors, 5u);
  EXPECT_EQ(load.non_2xx, 7u);
  HttpLoad none;
  EXPECT_THROW(parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n", none),
               Error);
}

TEST(Wrk, CommandLine) {
  TrafficOptions o;
  o.wrk_connections = 50;
  EXPECT_EQ(wrk_argv(o, "http://127.0.0.1:8080/64B", milliseconds(2500)),
            (std::vector<std::string>{"wrk", "-t1", "-c50", "-d3s", "--latency",
                                      "http://127.0.0.1:8080/64B"}));
  EXPECT_EQ(wrk_argv(o, "u", milliseconds(10))[3], "-d1s");
}

// VPP's error counters: what grew during the window, per reason; testpmd hops have none.
TEST(HopRates, ReasonsThatGrew) {
  auto t0 = port(0, 0, 0);
  t0.reasons = {{"ip4-input/ip4 ttl <= 1", 10}, {"memif-input/not ip", 4}};
  auto t1 = port(0, 0, 0);
  t1.reasons = {{"ip4-input/ip4 ttl <= 1", 15}, {"memif-input/not ip", 4}, {"l2-output/x", 2}};
  auto hops = hop_rates("nf1", {t0}, {t1}, seconds(1));
  EXPECT_EQ(hops[0].reasons, (std::map<std::string, std::uint64_t>{{"ip4-input/ip4 ttl <= 1", 5},
                                                                   {"l2-output/x", 2}}));
  TrafficReport r;
  r.run = "vpp";
  r.duration = seconds(1);
  r.hops = hops;
  const auto text = render_traffic_table(r);
  EXPECT_NE(text.find("reasons VPP gives (error counters over the window; \"-tx/\" ones are the "
                      "port's tx drops):\n"
                      "  nf1           0  ip4-input/ip4 ttl <= 1: 5\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(traffic_json(r)["hops"][0]["reasons"]["l2-output/x"], 2);
  EXPECT_TRUE(hop_rates("gen", {port(0, 0, 0)}, {port(0, 0, 5)}, seconds(1))[0].reasons.empty());
}

// A VPP port whose memif ring to the next VPP was full: its tx counted the frames, its tx drops
// the ones that never went; rx and tx drops apart, the window each rate is over.
TEST(HopRates, RxAndTxDropsApartWithTheWindow) {
  auto t0 = port(1, 0, 1'000, 4);
  auto t1 = port(1, 0, 801'000, 6);
  t0.tx_dropped = 100;
  t1.tx_dropped = 19'100;
  const auto hops = hop_rates("nf1", {t0}, {t1}, milliseconds(2000));
  ASSERT_EQ(hops.size(), 1u);
  EXPECT_EQ(hops[0].tx_drops, 19'000u);
  EXPECT_EQ(hops[0].rx_drops, 2u);
  EXPECT_EQ(hops[0].drops, 19'002u);
  EXPECT_EQ(hops[0].window, milliseconds(2000));
  TrafficReport r;
  r.hops = hops;
  r.hops[0].peer_port = 0;
  const auto j = traffic_json(r)["hops"][0];
  EXPECT_EQ(j["tx_drops"], 19'000);
  EXPECT_EQ(j["rx_drops"], 2);
  EXPECT_EQ(j["peer_port"], 0);
  EXPECT_DOUBLE_EQ(j["window_s"].get<double>(), 2.0);
  r.hops[0].peer_port.reset();
  EXPECT_TRUE(traffic_json(r)["hops"][0]["peer_port"].is_null());
}

// The two ends of a link: the same socket file and memif id, master on one side, slave on the
// other; two links between the same containers (a vswitch and its NF) are told apart.
TEST(PeerPort, TheOtherEndOfTheSameMemif) {
  auto l = [](const std::string& file, int id, wiring::MemifRole role, const std::string& peer) {
    wiring::MemifLink link;
    link.socket_file = file;
    link.interface_id = id;
    link.role = role;
    link.peer = peer;
    return link;
  };
  using wiring::MemifRole;
  plan::Plan p;
  plan::PlannedContainer vs;
  vs.name = "vs1";
  vs.links = {
      l("memif-gen", 1, MemifRole::kMaster, "gen1"), l("memif-nf1", 1, MemifRole::kMaster, "nf1"),
      l("memif-nf1", 2, MemifRole::kMaster, "nf1"), l("memif-out", 1, MemifRole::kMaster, "")};
  plan::PlannedContainer nf;
  nf.name = "nf1";
  nf.links = {l("memif-nf1", 2, MemifRole::kSlave, "vs1"),
              l("memif-nf1", 1, MemifRole::kSlave, "vs1")};
  p.containers = {vs, nf};
  EXPECT_EQ(peer_port(p, "vs1", 1), 1);
  EXPECT_EQ(peer_port(p, "vs1", 2), 0);
  EXPECT_EQ(peer_port(p, "nf1", 0), 2);
  EXPECT_EQ(peer_port(p, "vs1", 0), std::nullopt);  // gen1 is not in this plan
  EXPECT_EQ(peer_port(p, "vs1", 3), std::nullopt);  // outside the plan
  EXPECT_EQ(peer_port(p, "vs1", 9), std::nullopt);
  EXPECT_EQ(peer_port(p, "nobody", 0), std::nullopt);
}

// nf1 sent 0.8 Mpps to nf2, 0.02 Mpps of them found nf2's ring full (its tx drops), nf2
// received 0.78: all accounted. nf2 -> sink lost 0.1 Mpps nowhere counted: a note says so.
TEST(LinkAccounts, SentIsReceivedPlusTxDropsElseANote) {
  std::vector<HopRate> hops(4);
  hops[0].container = "nf1";
  hops[0].port = 1;
  hops[0].peer = "nf2";
  hops[0].peer_port = 0;
  hops[0].tx_packets = 1'600'000;
  hops[0].tx_mpps = 0.8;
  hops[0].tx_drops = 40'000;
  hops[0].window = seconds(2);
  hops[1].container = "nf2";
  hops[1].port = 0;
  hops[1].peer = "nf1";
  hops[1].peer_port = 1;
  hops[1].rx_mpps = 0.78;
  hops[2] = hops[1];
  hops[2].port = 1;
  hops[2].peer = "sink";
  hops[2].peer_port = 0;
  hops[2].tx_packets = 1'560'000;
  hops[2].tx_mpps = 0.78;
  hops[3].container = "sink";
  hops[3].peer = "nf2";
  hops[3].peer_port = 1;
  hops[3].rx_mpps = 0.68;
  const auto links = link_accounts(hops);
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].from, "nf1");
  EXPECT_EQ(links[0].to, "nf2");
  EXPECT_EQ(links[0].to_port, 0);
  EXPECT_NEAR(links[0].tx_dropped_mpps, 0.02, 1e-9);
  EXPECT_NEAR(links[0].unaccounted_mpps, 0.0, 1e-9);
  EXPECT_EQ(links[1].from, "nf2");
  EXPECT_EQ(links[1].from_port, 1);
  EXPECT_NEAR(links[1].unaccounted_mpps, 0.1, 1e-9);
  hops[2].peer_port.reset();  // the sink's end unknown: not a link
  EXPECT_EQ(link_accounts(hops).size(), 1u);
  TrafficReport r;
  r.links = links;
  const auto j = traffic_json(r);
  ASSERT_EQ(j["links"].size(), 2u);
  EXPECT_EQ(j["links"][1]["from"], "nf2");
  EXPECT_NEAR(j["links"][1]["unaccounted_mpps"].get<double>(), 0.1, 1e-9);
}

TEST(Report, TableAndJson) {
  TrafficReport r;
  r.run = "demo";
  r.duration = seconds(5);
  r.hops = hop_rates("gen", {port(0, 0, 0)}, {port(0, 0, 10'000'000)}, seconds(1));
  auto sink = hop_rates("sink", {port(0, 0, 0)}, {port(0, 9'000'000, 0, 3)}, seconds(1));
  r.hops.insert(r.hops.end(), sink.begin(), sink.end());
  r.sink = "sink";
  r.end_to_end_mpps = 9.0;
  HttpLoad load;
  load.container = "web1";
  load.url = "http://127.0.0.1:8080/64B";
  load.connections = 10;
  parse_wrk_output(kWrkOutput, load);
  r.http.push_back(load);
  r.notes.push_back("cmd1: no traffic counters for a command NF without memif links");

  const auto text = render_traffic_table(r);
  EXPECT_NE(text.find("RX Mpps"), std::string::npos) << text;
  EXPECT_NE(text.find("TX Mpps"), std::string::npos) << text;
  EXPECT_NE(text.find("gen           0  peer0      0.000     10.000"), std::string::npos) << text;
  EXPECT_NE(text.find("end to end: 9.000 Mpps (received by sink)"), std::string::npos) << text;
  EXPECT_NE(text.find("REQUESTS/s"), std::string::npos) << text;
  EXPECT_NE(text.find("14564.1"), std::string::npos) << text;
  EXPECT_NE(text.find("note: cmd1"), std::string::npos) << text;

  auto j = traffic_json(r);
  EXPECT_EQ(j["run"], "demo");
  EXPECT_EQ(j["hops"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["hops"][1]["rx_mpps"].get<double>(), 9.0);
  EXPECT_EQ(j["hops"][1]["drops"], 3);
  EXPECT_TRUE(j["hops"][1]["reasons"].is_object());
  EXPECT_DOUBLE_EQ(j["end_to_end_mpps"].get<double>(), 9.0);
  EXPECT_DOUBLE_EQ(j["http"][0]["requests_per_s"].get<double>(), 14564.10);
}

// Two DUTs, each with its own sink: end to end is their sum, each shown.
TEST(Report, EverySinkOfSeveralDuts) {
  TrafficReport r;
  r.run = "two";
  r.duration = seconds(2);
  r.hops = hop_rates("sink_a1", {port(0, 0, 0)}, {port(0, 400'000, 0)}, seconds(1));
  r.sinks = {{"sink_a1", 0.4}, {"sink_b1", 0.5}};
  r.sink = "sink_b1";
  r.end_to_end_mpps = 0.9;
  const auto text = render_traffic_table(r);
  EXPECT_NE(text.find("end to end: 0.900 Mpps (received by 2 sinks: sink_a1 0.400, sink_b1 0.500)"),
            std::string::npos)
      << text;
  auto j = traffic_json(r);
  ASSERT_EQ(j["sinks"].size(), 2U);
  EXPECT_EQ(j["sinks"][1]["container"], "sink_b1");
  EXPECT_DOUBLE_EQ(j["sinks"][0]["rx_mpps"].get<double>(), 0.4);
}

// Two testpmd containers behind fake telemetry servers whose counters grow during the window.
TEST(MeasureTraffic, ReadsEveryMemifNfTwiceWhileTrafficFlows) {
  nf::testing::TempDir dir;
  plan::Plan p;
  p.run = "t";
  for (std::string name : {"gen", "sink"}) {
    plan::PlannedContainer c;
    c.name = name;
    c.id = "t-" + name;
    c.role = name == "gen" ? topology::Role::kGenerator : topology::Role::kSink;
    c.nf.kind = topology::NfKind::kTestpmd;
    c.dpdk_runtime_dir = dir.path() + "/" + name;
    wiring::MemifLink l;
    l.peer = name == "gen" ? "sink" : "gen";
    c.links = {l};
    std::filesystem::create_directories(*c.dpdk_runtime_dir);
    p.containers.push_back(c);
  }
  plan::PlannedContainer idle;
  idle.name = "cmd1";
  p.containers.push_back(idle);

  testpmd::testing::FakeTelemetryServer gen(*p.containers[0].dpdk_runtime_dir);
  testpmd::testing::FakeTelemetryServer sink(*p.containers[1].dpdk_runtime_dir);
  testpmd::EthdevStats s;
  gen.set_port(0, true, s);
  sink.set_port(0, true, s);
  std::thread flow([&] {
    std::this_thread::sleep_for(milliseconds(50));
    testpmd::EthdevStats later;
    later.opackets = 2'000'000;
    gen.set_port(0, true, later);
    later.opackets = 0;
    later.ipackets = 1'000'000;
    sink.set_port(0, true, later);
  });
  nf::testing::FakeEngine engine;
  process::LocalRunner runner;
  auto report = measure_traffic(
      p,
      [&](const plan::PlannedContainer& c) {
        return nf::NfContext{c, engine, runner};
      },
      milliseconds(200));
  flow.join();
  ASSERT_EQ(report.hops.size(), 2u);
  EXPECT_EQ(report.hops[0].container, "gen");
  EXPECT_EQ(report.hops[0].tx_packets, 2'000'000u);
  EXPECT_NEAR(report.hops[0].tx_mpps, 10.0, 2.0);  // 2 M packets in ~0.2 s
  EXPECT_EQ(report.sink, "sink");
  ASSERT_TRUE(report.end_to_end_mpps.has_value());
  EXPECT_NEAR(*report.end_to_end_mpps, 5.0, 1.0);
  ASSERT_EQ(report.notes.size(), 1u);
  EXPECT_NE(report.notes[0].find("cmd1"), std::string::npos);
}

TEST(MeasureTraffic, NothingToMeasureIsBadInput) {
  plan::Plan p;
  p.run = "empty";
  nf::testing::FakeEngine engine;
  process::LocalRunner runner;
  try {
    measure_traffic(
        p,
        [&](const plan::PlannedContainer& c) {
          return nf::NfContext{c, engine, runner};
        },
        milliseconds(10));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
  }
}

TEST(Traffic, NginxWrkArgvClosesConnectionsInCpsModeAndRunsTheBodyCheck) {
  TrafficOptions o;
  plan::HttpEndpoint rps{8080, "/64B", 64};
  EXPECT_EQ(nginx_wrk_argv(o, rps, "http://198.51.100.2:8080/64B", milliseconds(3000), ""),
            wrk_argv(o, "http://198.51.100.2:8080/64B", milliseconds(3000)));
  plan::HttpEndpoint cps = rps;
  cps.keep_alive = false;
  EXPECT_EQ(nginx_wrk_argv(o, cps, "u", milliseconds(3000), "/tmp/check.lua"),
            (std::vector<std::string>{"wrk", "-t1", "-c10", "-d3s", "--latency", "-H",
                                      "Connection: close", "-s", "/tmp/check.lua", "u"}));
}

TEST(Traffic, BodyCheckScriptHoldsTheBodyAsALongStringAndItsCountIsParsed) {
  const auto script = body_check_script("xx]]yy");
  EXPECT_NE(script.find("local expected = [=[xx]]yy]=]"), std::string::npos) << script;
  EXPECT_NE(script.find("function response(status, headers, body)"), std::string::npos);
  EXPECT_NE(script.find("cnfctl-bad-responses: %d"), std::string::npos);
  EXPECT_EQ(parse_bad_responses("Requests/sec: 10\ncnfctl-bad-responses: 12\n"), 12u);
  EXPECT_EQ(parse_bad_responses("Requests/sec: 10\n"), std::nullopt);
  EXPECT_EQ(parse_bad_responses("cnfctl-bad-responses: x"), std::nullopt);
}

TEST(Traffic, CpsLoadsReportConnectionsPerSecondAndBadResponses) {
  TrafficReport report;
  report.run = "r";
  HttpLoad load;
  load.container = "cps1";
  load.url = "http://198.51.100.2:8081/64B";
  load.requests_per_s = 250.5;
  load.mode = "cps";
  load.bad_responses = 3;
  report.http.push_back(load);
  const auto text = render_traffic_table(report);
  EXPECT_NE(text.find("cps1: cps mode (Connection: close): 250.5 connections/s"), std::string::npos)
      << text;
  EXPECT_NE(text.find("cps1: 3 response(s) were not 200 with the expected body"),
            std::string::npos);
  const auto j = traffic_json(report);
  EXPECT_EQ(j["http"][0]["mode"], "cps");
  EXPECT_EQ(j["http"][0]["connections_per_s"], 250.5);
  EXPECT_EQ(j["http"][0]["bad_responses"], 3);
}

}  // namespace
}  // namespace cnfctl::traffic
