#include "report/html_report.h"

#include <gtest/gtest.h>

#include <regex>

#include "common/error.h"
#include "report/charts.h"
#include "report/svg.h"
#include "report/topology_svg.h"

namespace cnfctl::report {
namespace {

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

// A search result as `measure` writes it: gen -> vswitch -> nf1 -> vswitch -> nf2 -> sink.
nlohmann::json sample_result() {
  return nlohmann::json::parse(R"json({
    "format": "cnfctl-result", "version": 1, "kind": "search", "run": "r<1>",
    "created_at": "2026-11-28T09:00:00Z", "command": ["cnfctl", "measure", "r1"],
    "environment": {"cnfctl": "0.1.0", "local": {"kernel": "6.1.0", "cpus": "2",
                    "hostname": "h"}, "versions": {"dpdk-testpmd": "22.11"},
                    "nodes": [{"name": "local", "address": "local", "kernel": "6.1.0"}]},
    "topology": {"kind": "chain", "source": "t.yaml", "containers": [
      {"name": "gen1", "node": "local", "nf": "trafficgen", "role": "generator", "cpus": [0]},
      {"name": "vswitch1", "node": "local", "nf": "testpmd", "role": "vswitch", "cpus": [1]},
      {"name": "nf1", "node": "local", "nf": "testpmd", "role": "nf", "cpus": [0, 1],
       "main_cpu": 0},
      {"name": "nf2", "node": "local", "nf": "trafficgen", "role": "nf", "cpus": []},
      {"name": "sink1", "node": "local", "nf": "trafficgen", "role": "sink", "cpus": [1]}],
     "links": [
      {"a": "gen1", "a_port": 0, "b": "vswitch1", "b_port": 0, "socket": "s0"},
      {"a": "nf1", "a_port": 0, "b": "vswitch1", "b_port": 1, "socket": "s1"},
      {"a": "nf1", "a_port": 1, "b": "vswitch1", "b_port": 2, "socket": "s2"},
      {"a": "nf2", "a_port": 0, "b": "vswitch1", "b_port": 3, "socket": "s3"},
      {"a": "nf2", "a_port": 1, "b": "vswitch1", "b_port": 4, "socket": "s4"},
      {"a": "sink1", "a_port": 0, "b": "vswitch1", "b_port": 5, "socket": "s5"},
      {"a": "ghost", "a_port": 0, "b": "vswitch1", "b_port": 6, "socket": "s6"}]},
    "config": {"final_duration_s": 4, "initial_duration_s": 1, "goal_width": 0.005,
               "min_rate_pps": 10000, "max_rate_pps": 1000000},
    "trials": [
      {"index": 0, "search": 0, "phase": -1, "rate_pps": 1000000, "duration_s": 1,
       "sent": 1000000, "received": 200000, "lost": 800000, "loss_ratio": 0.8, "final": false},
      {"index": 1, "search": 0, "phase": 2, "rate_pps": 199500, "duration_s": 4,
       "sent": 798000, "received": 798000, "lost": 0, "loss_ratio": 0, "final": true,
       "latency_ns": {"count": 798000, "min": 9000, "mean": 15000, "p50": 14000, "p90": 20000,
                      "p99": 40000, "p999": 90000, "max": 300000,
                      "histogram": [[10000, 100], [20000, 700000], [50000, 97000],
                                    [300000, 900]]},
       "hops": [{"container": "nf1", "port": 0, "peer": "vswitch1", "rx_packets": 798000,
                 "tx_packets": 798000, "drops": 0, "rx_mpps": 0.1995, "tx_mpps": 0.1995}]},
      {"index": 2, "search": 0, "phase": 2, "rate_pps": 200500, "duration_s": 4,
       "sent": 802000, "received": 800000, "lost": 2000, "loss_ratio": 0.0025, "final": true,
       "latency_ns": {"count": 800000, "min": 9000, "mean": 35000, "p50": 30000, "p90": 60000,
                      "p99": 90000, "p999": 99000, "max": 400000},
       "drop_point": "nf2", "drop_detail": "2000 frames",
       "hops": [{"container": "nf2", "port": 0, "peer": "vswitch1", "rx_packets": 802000,
                 "tx_packets": 800000, "drops": 2000, "rx_mpps": 0.2005, "tx_mpps": 0.2}]}],
    "searches": [{"trial_count": 3, "trial_seconds": 9, "wall_seconds": 11, "goals": [
      {"name": "NDR", "loss_ratio": 0, "lower_bound_pps": 199500, "upper_bound_pps": 200500,
       "relative_width": 0.005, "conditional_throughput_pps": 199500, "status": "regular",
       "lower_trial": 1, "upper_trial": 2},
      {"name": "PDR", "loss_ratio": 0.005, "lower_bound_pps": 200500, "upper_bound_pps": null,
       "relative_width": 0, "conditional_throughput_pps": 200000,
       "status": "max rate is a lower bound", "lower_trial": 2, "upper_trial": null}]}],
    "summary": {"goals": [
      {"name": "NDR", "loss_ratio": 0, "min": 199000, "median": 199500, "max": 199500},
      {"name": "PDR", "loss_ratio": 0.005, "min": 200500, "median": 200500, "max": 200500}]}
  })json");
}

TEST(ReportText, EscapesAndFormats) {
  EXPECT_EQ(escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(rate_text(1'234'567), "1.235 Mpps");
  EXPECT_EQ(rate_text(200'000), "200.0 kpps");
  EXPECT_EQ(percent_text(0), "0%");
  EXPECT_EQ(percent_text(0.005), "0.500%");
  EXPECT_EQ(percent_text(1e-7), "1e-05%");
  EXPECT_EQ(ns_text(14'000), "14.0 us");
  EXPECT_EQ(coord(12.25), "12.3");
  EXPECT_EQ(coord(300), "300");
  const auto ticks = nice_ticks(0, 1.05, 6);
  ASSERT_EQ(ticks.size(), 6u);
  for (std::size_t i = 0; i < ticks.size(); ++i)
    EXPECT_NEAR(ticks[i], 0.2 * static_cast<double>(i), 1e-12);
}

TEST(TopologySvg, DrawsEveryContainerLinkAndCpuLabel) {
  const auto svg = topology_svg(sample_result()["topology"]);
  EXPECT_EQ(count_of(svg, "<rect class=\"container\""), 5u);
  EXPECT_EQ(count_of(svg, "<path class=\"link\""), 6u);  // the ghost's link is left out
  EXPECT_EQ(count_of(svg, "<rect class=\"node\""), 1u);
  EXPECT_NE(svg.find(">cpus 0,1 (main 0)<"), std::string::npos);
  EXPECT_NE(svg.find(">cpu 1<"), std::string::npos);
  EXPECT_NE(svg.find(">cpus: not pinned<"), std::string::npos);
  EXPECT_NE(svg.find(">vswitch1<"), std::string::npos);
  // The vswitch sits on its own row below the traffic row.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m,
                                std::regex("y=\"([0-9.]+)\" width=\"150\" height=\"66\" "
                                           "rx=\"6\" data-name=\"vswitch1\"")));
  std::smatch g;
  ASSERT_TRUE(std::regex_search(svg, g,
                                std::regex("y=\"([0-9.]+)\" width=\"150\" height=\"66\" "
                                           "rx=\"6\" data-name=\"gen1\"")));
  EXPECT_GT(std::stod(m[1]), std::stod(g[1]));
}

TEST(TopologySvg, OneBandPerNode) {
  auto topology = nlohmann::json::parse(R"({"containers": [
    {"name": "a", "node": "dut1", "nf": "testpmd", "role": "nf"},
    {"name": "b", "node": "dut2", "nf": "vpp", "role": "nf"}],
    "links": [{"a": "a", "a_port": 0, "b": "b", "b_port": 0, "socket": "x"}]})");
  const auto svg = topology_svg(topology);
  EXPECT_EQ(count_of(svg, "<rect class=\"node\""), 2u);
  EXPECT_NE(svg.find(">node dut1<"), std::string::npos);
  EXPECT_NE(svg.find(">node dut2<"), std::string::npos);
  EXPECT_EQ(count_of(svg, "<path class=\"link\""), 1u);
}

TEST(LossCurve, OnePointPerTrialAndAMarkerPerGoal) {
  auto result = sample_result();
  const auto svg = loss_curve_svg(result["trials"], {{"NDR", 0, 199'500, 199'000, 199'500},
                                                     {"PDR", 0.005, 200'500, 200'500, 200'500}});
  EXPECT_EQ(count_of(svg, "<circle class=\"trial "), 3u);
  EXPECT_EQ(count_of(svg, "<circle class=\"trial full\""), 2u);
  EXPECT_EQ(count_of(svg, "<line class=\"goal-marker"), 2u);
  EXPECT_NE(svg.find(">NDR 199.5 kpps<"), std::string::npos);
  EXPECT_NE(svg.find(">PDR 200.5 kpps<"), std::string::npos);
  EXPECT_EQ(count_of(svg, "<rect class=\"spread\""), 1u);  // NDR varied over repeats
  EXPECT_EQ(count_of(svg, "<line class=\"goal-loss\""), 1u);
  EXPECT_EQ(loss_curve_svg(nlohmann::json::array(), {}), "");
}

TEST(LatencySvg, PercentileBarsAndHistogram) {
  auto result = sample_result();
  const auto svg = latency_svg({{"NDR", result["trials"][1]},
                                {"PDR", result["trials"][2]},
                                {"no latency", result["trials"][0]}});
  EXPECT_EQ(count_of(svg, "<rect class=\"latency-bar"), 12u);  // 6 per trial with latency
  EXPECT_EQ(count_of(svg, "<rect class=\"histogram-bar\""), 4u);
  EXPECT_NE(svg.find(">14.0 us<"), std::string::npos);
  EXPECT_EQ(latency_svg({{"none", result["trials"][0]}}), "");
  const auto curve = latency_vs_rate_svg(result["trials"]);
  EXPECT_EQ(count_of(curve, "<circle class=\"latency-point"), 4u);  // p50 + p99 of 2 trials
}

TEST(HtmlReport, IsOneSelfContainedPage) {
  const auto html = render_html(sample_result(), "r.json");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  // Nothing to fetch: no script, no link, no image, no URL but the SVG namespace.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(count_of(html, "http://"), count_of(html, "xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_EQ(count_of(html, "https://"), 0u);
  // Every section is there, the run name escaped.
  for (const char* id :
       {"id=\"result\"", "id=\"topology\"", "id=\"hops\"", "id=\"loss-curve\"", "id=\"latency\"",
        "id=\"latency-vs-rate\"", "id=\"trials\"", "id=\"environment\""}) {
    EXPECT_NE(html.find(id), std::string::npos) << id;
  }
  EXPECT_NE(html.find("run r&lt;1&gt;"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"drop-point\"><td class=\"text\">nf2</td>"), std::string::npos);
  EXPECT_NE(html.find("drop point: <b class=\"drop-point\">nf2</b>"), std::string::npos);
  EXPECT_NE(html.find(">22.11<"), std::string::npos);
  EXPECT_NE(html.find("max rate is a lower bound"), std::string::npos);
}

TEST(HtmlReport, TrafficResultsHaveHopsAndTopology) {
  auto result = nlohmann::json::parse(R"({"format": "cnfctl-result", "version": 1,
    "kind": "traffic", "run": "t", "topology": {"containers": [
      {"name": "gen1", "node": "local", "nf": "testpmd", "role": "generator"}], "links": []},
    "traffic": {"duration_ms": 2000, "end_to_end_mpps": 1.5, "hops": [
      {"container": "gen1", "port": 0, "peer": "vswitch1", "rx_packets": 0,
       "tx_packets": 3000000, "drops": 0, "rx_mpps": 0, "tx_mpps": 1.5}]}})");
  const auto html = render_html(result, "t.json");
  EXPECT_NE(html.find("1.500 Mpps"), std::string::npos);
  EXPECT_EQ(count_of(html, "<table class=\"hops\""), 1u);
  EXPECT_EQ(html.find("id=\"loss-curve\""), std::string::npos);  // no trials, no curve
  EXPECT_NE(html.find("no latency in this result"), std::string::npos);
}

// A single trial (kind trial, what `measure --rate` and `traffic` write) with hop counters: the
// hop tables are drawn from the trials themselves (no search names them).
TEST(HtmlReport, ATrialResultShowsItsHopsAndDropPoint) {
  auto result = sample_result();
  result["kind"] = "trial";
  result.erase("searches");
  result.erase("summary");
  result["trials"][2]["drop_point"] = nullptr;  // what a lossless trial's record may carry
  const auto html = render_html(result, "t.json");
  EXPECT_NE(html.find("<h3>trial: trial 1 at"), std::string::npos);
  EXPECT_NE(html.find("<h3>trial: trial 2 at"), std::string::npos);
  EXPECT_NE(html.find(">nf2<"), std::string::npos);
  EXPECT_NE(html.find("no NF counted a drop"), std::string::npos);
}

TEST(HtmlReport, RefusesWhatIsNotAResult) {
  for (const char* text :
       {R"({"format": "other"})", R"([1, 2])", R"({"format": "cnfctl-result", "version": 99})",
        R"({"format": "cnfctl-result", "version": 1, "kind": "trial", "trials": [1]})",
        R"({"format": "cnfctl-result", "version": 1, "kind": "search", "trials": [{"index": "x"}],
            "searches": [{"goals": [{"name": 3, "lower_trial": 0}]}]})"}) {
    try {
      render_html(nlohmann::json::parse(text), "x.json");
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_NE(e.describe().find("x.json"), std::string::npos) << e.describe();
    }
  }
}

}  // namespace
}  // namespace cnfctl::report
