// Ground truth for `cnfctl measure`: the real cnfctl-gen in oci containers (`host` image, root)
// offers traffic through a reference forwarder of known capacity (`forward --limit R`) or known
// delay (`forward --delay-us D`); the search must find NDR = R within 2 % and p50 must show D.
// `cnfctl report` of the search's result is rendered by headless Chromium: the test checks what
// is drawn (element counts, labels, sizes measured by the browser) and that the page fetches
// nothing.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "integration/engines/engine_harness.h"
#include "process/local_runner.h"
#include "support/vpp_build.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

bool have(const char* path) {
  return ::access(path, X_OK) == 0;
}

// One scratch root per test process: state, run dirs and memif sockets of every run below.
class MeasureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    char pattern[] = "/tmp/cnfctl-measure-it.XXXXXX";
    if (mkdtemp(pattern) == nullptr) return;
    root_ = pattern;
    setenv("CNFCTL_STATE_DIR", (root_ + "/state").c_str(), 1);
    setenv("CNFCTL_RUN_DIR", (root_ + "/run").c_str(), 1);
  }

  static void TearDownTestSuite() {
    for (const auto& run : runs_) cnfctl({"down", "-q", run});
    runs_.clear();
    if (!root_.empty()) engine::testing::remove_tree_with_mounts(root_);
    root_.clear();
    unsetenv("CNFCTL_STATE_DIR");
    unsetenv("CNFCTL_RUN_DIR");
  }

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    if (root_.empty()) GTEST_SKIP() << "no scratch dir";
    if (!have(CNFCTL_GEN_PROGRAM)) GTEST_SKIP() << "cnfctl-gen was not built (dpdk-dev missing)";
  }

  static process::Outcome cnfctl(std::vector<std::string> args,
                                 std::chrono::milliseconds timeout = std::chrono::minutes(5)) {
    process::LocalRunner runner;
    process::Command command;
    command.argv = {CNFCTL_PROGRAM};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.timeout = timeout;
    return runner.run(command);
  }

  // gen1 (cnfctl-gen gen, both memif ends, control socket) and ref1 (cnfctl-gen forward with
  // `forward_args`), hand-wired through a shared socket dir: topology kind none, command NFs.
  // The forwarder waits for the generator's sockets (a memif client never retries).
  static std::string reference_chain(const std::string& run,
                                     const std::vector<std::string>& forward_args) {
    const auto sockets = root_ + "/" + run + "-sockets";
    fs::create_directories(sockets);
    auto eal = [&](const std::string& name, const std::string& role, int cpu) {
      std::string text = "\"" CNFCTL_GEN_PROGRAM "\", --no-huge, -m, \"512\", --no-pci, ";
      text += "--file-prefix=" + run + "-" + name + ", --lcores, \"0@" + std::to_string(cpu) +
              ",1@" + std::to_string(cpu) + "\", ";
      for (int port = 0; port < 2; ++port) {
        text += "\"--vdev=net_memif" + std::to_string(port) + ",role=" + role +
                ",socket=/sockets/m" + std::to_string(port) +
                ".sock,id=0,socket-abstract=no,rsize=14\", ";
      }
      return text + "\"--\"";
    };
    std::string forward;
    for (const auto& a : forward_args) forward += ", \"" + a + "\"";
    // The build's cnfctl-gen, read-only at its own path: a clone under /tmp is hidden by the
    // containers' private /tmp otherwise.
    const std::string gen_mount = "\"" CNFCTL_GEN_PROGRAM ":" CNFCTL_GEN_PROGRAM ":ro\"";
    const auto path = root_ + "/" + run + ".yaml";
    std::ofstream(path) << "name: " << run << "\nengine: oci\nimage: host\ncpu:\n  policy: none\n"
                        << "containers:\n"
                        << "  - prefix: gen\n    role: generator\n    cpus: [1]\n"
                        << "    mounts: [\"" << sockets << ":/sockets\", " << gen_mount << "]\n"
                        << "    nf:\n      kind: command\n"
                        << "      argv: [" << eal("gen", "server", 1)
                        << ", gen, --control, /sockets/gen.ctl]\n"
                        << "      probe: [test, -S, /sockets/gen.ctl]\n"
                        << "  - prefix: ref\n    cpus: [0]\n"
                        << "    mounts: [\"" << sockets << ":/sockets\", " << gen_mount << "]\n"
                        << "    nf:\n      kind: command\n"
                        << "      argv: [sh, -c, 'while [ ! -S /sockets/m1.sock ]; do sleep 0.05; "
                           "done; exec \"$@\"', ref, "
                        << eal("ref", "client", 0) << ", forward" << forward << "]\n";
    return path;
  }

  static void up(const std::string& file, const std::string& run) {
    runs_.push_back(run);
    auto outcome = cnfctl({"up", file, "--name", run, "-q", "--timeout-ready", "60s"});
    ASSERT_TRUE(outcome.ok()) << outcome.err;
  }

  static nlohmann::json measure(const std::vector<std::string>& args, const std::string& output) {
    std::vector<std::string> all = {"measure"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"--json", "-q", "-o", output});
    auto outcome = cnfctl(all, std::chrono::minutes(10));
    EXPECT_TRUE(outcome.ok()) << outcome.err;
    if (!outcome.ok()) return {};
    EXPECT_EQ(nlohmann::json::parse(read_file(output)), nlohmann::json::parse(outcome.out));
    return nlohmann::json::parse(outcome.out);
  }

  static inline std::string root_;
  static inline std::vector<std::string> runs_;
  static nlohmann::json reference_search();
  static inline std::string search_result_;  // the reference search's file, for the report
};

constexpr double kLimit = 50'000;

// The search over the reference chain, once per process (ctest runs each test in its own).
nlohmann::json MeasureTest::reference_search() {
  if (!search_result_.empty()) return nlohmann::json::parse(read_file(search_result_));
  const std::string run = "mref" + std::to_string(::getpid());
  up(reference_chain(run, {"--limit", "50k"}), run);
  const auto output = root_ + "/search.json";
  auto result = measure({run, "--search", "ndr-pdr", "--final-duration", "2s", "--initial-duration",
                         "250ms", "--max-rate", "150k", "--min-rate", "5k"},
                        output);
  if (!result.empty()) search_result_ = output;
  return result;
}

// The ground truth: the forwarder meters frames on the time they were due (their stamps), so
// the generator (cpu 1) and the forwarder (cpu 0) being descheduled on this shared 2-core
// machine does not move its capacity: the search must find NDR = the limit within 2 %.
TEST_F(MeasureTest, NdrOfTheReferenceForwarderIsItsLimit) {
  auto result = reference_search();
  ASSERT_FALSE(result.empty());
  std::cout << result["summary"].dump() << "\n";
  const auto& goals = result["searches"][0]["goals"];
  ASSERT_EQ(goals.size(), 2u);
  EXPECT_EQ(goals[0]["name"], "NDR");
  ASSERT_TRUE(goals[0]["lower_bound_pps"].is_number()) << goals.dump();
  const double ndr = goals[0]["lower_bound_pps"].get<double>();
  const double pdr = goals[1]["lower_bound_pps"].get<double>();
  // On failure, the trials at the bounds with their per-hop counters name who lost the frames.
  auto bound_trials = [&] {
    std::string out;
    for (const auto& g : goals) {
      for (const char* key : {"lower_trial", "upper_trial"}) {
        if (!g.contains(key) || !g[key].is_number()) continue;
        const auto index = g[key].get<std::size_t>();
        if (index < result["trials"].size()) out += "\n" + result["trials"][index].dump();
      }
    }
    return out;
  };
  EXPECT_NEAR(ndr, kLimit, kLimit * 0.02) << goals.dump() << bound_trials();
  EXPECT_GE(pdr, ndr);
  EXPECT_LE(goals[0]["relative_width"].get<double>(), 0.005 + 1e-9);
  // Every trial accounts for every frame; full-length trials only at the end.
  bool full_seen = false;
  for (const auto& t : result["trials"]) {
    EXPECT_EQ(t["sent"].get<std::uint64_t>(),
              t["received"].get<std::uint64_t>() + t["lost"].get<std::uint64_t>())
        << t.dump();
    if (t["final"].get<bool>()) full_seen = true;
    if (full_seen) {
      EXPECT_TRUE(t["final"].get<bool>()) << "a short trial after a full one";
    }
    // Every received frame has its latency recorded (a starved short trial may receive none).
    EXPECT_EQ(t["latency_ns"]["count"].get<std::uint64_t>(), t["received"].get<std::uint64_t>())
        << t.dump();
  }
  EXPECT_TRUE(full_seen);
}

TEST_F(MeasureTest, FixedDelayShowsInP50) {
  auto p50_us = [&](const std::string& run, const std::vector<std::string>& forward) {
    up(reference_chain(run, forward), run);
    auto result = measure({run, "--rate", "20k", "--duration", "1s"}, root_ + "/" + run + ".json");
    if (result.empty()) return 0.0;
    const auto& t = result["trials"][0];
    EXPECT_EQ(t["lost"], 0) << t.dump();
    cnfctl({"down", "-q", run});
    return t["latency_ns"]["p50"].get<double>() / 1e3;
  };
  const auto pid = std::to_string(::getpid());
  const double plain = p50_us("mplain" + pid, {});
  const double delayed = p50_us("mdelay" + pid, {"--delay-us", "200"});
  std::cout << "p50 without delay " << plain << " us, with 200 us delay " << delayed << " us\n";
  EXPECT_GE(delayed, 200.0);
  EXPECT_GT(delayed, plain);
}

// `measure` through real VPP (examples/vpp-chain-measure.yaml: a VPP vswitch and two VPP NFs
// between cnfctl-gen's ends): one slow trial crosses every VPP hop, every frame is accounted,
// and the per-hop counters (from VPP's stats segment) show each VPP container forwarding.
TEST_F(MeasureTest, ATrialThroughAVppChainCountsEveryHop) {
  const auto vpp = test_support::find_vpp_build();
  if (!vpp) GTEST_SKIP() << test_support::kNoVppBuild;
  const std::string run = "mvpp" + std::to_string(::getpid());
  runs_.push_back(run);
  auto outcome =
      cnfctl({"up", std::string(CNFCTL_SOURCE_DIR) + "/examples/vpp-chain-measure.yaml", "--name",
              run, "-q", "--vpp-prefix", vpp->prefix, "--timeout-ready", "60s"});
  ASSERT_TRUE(outcome.ok()) << outcome.err;
  auto result =
      measure({run, "--rate", "5k", "--duration", "1s", "--warmup", "500ms"}, root_ + "/vpp.json");
  ASSERT_FALSE(result.empty());
  const auto& t = result["trials"][0];
  EXPECT_EQ(t["sent"].get<std::uint64_t>(),
            t["received"].get<std::uint64_t>() + t["lost"].get<std::uint64_t>())
      << t.dump();
  EXPECT_GT(t["received"].get<std::uint64_t>(), 0u) << t.dump();
  std::map<std::string, std::uint64_t> rx_of;
  for (const auto& h : t["hops"]) rx_of[h["container"]] += h["rx_packets"].get<std::uint64_t>();
  for (const char* hop : {"vswitch1", "nf1", "nf2"}) {
    EXPECT_GT(rx_of[hop], 0u) << hop << " forwarded nothing: " << t["hops"].dump();
  }
  cnfctl({"down", "-q", run});
}

// Headless Chromium, offline and quiet; extra args (--dump-dom, --screenshot=...) then the URL.
process::Outcome chromium(const std::vector<std::string>& args) {
  process::LocalRunner runner;
  process::Command command;
  command.argv = {"chromium",
                  "--headless",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-background-networking",
                  "--disable-component-update",
                  "--disable-sync",
                  "--no-first-run",
                  "--disable-default-apps",
                  "--disable-extensions",
                  "--no-proxy-server",
                  "--host-resolver-rules=MAP * ~NOTFOUND",
                  "--user-data-dir=" + fs::temp_directory_path().string() + "/cnfctl-chromium-" +
                      std::to_string(::getpid()),
                  "--virtual-time-budget=3000"};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.timeout = std::chrono::minutes(2);
  return runner.run(command);
}

// The URLs a page itself asked for, from Chromium's net log (requests whose site is the file://
// page; Chromium's own background requests are not the page's).
std::vector<std::string> page_requests(const std::string& netlog) {
  std::vector<std::string> urls;
  const auto log = nlohmann::json::parse(read_file(netlog));
  const int start_job = log["constants"]["logEventTypes"].value("URL_REQUEST_START_JOB", -1);
  for (const auto& e : log["events"]) {
    if (e.value("type", -2) != start_job) continue;
    const auto params = e.value("params", nlohmann::json::object());
    const auto url = params.value("url", "");
    if (params.value("site_for_cookies", "").find("file://") != std::string::npos &&
        url.rfind("file://", 0) != 0) {
      urls.push_back(url);
    }
  }
  return urls;
}

TEST_F(MeasureTest, ReportRendersInChromiumAndFetchesNothing) {
  if (!have("/usr/bin/chromium")) GTEST_SKIP() << "chromium missing (Debian: chromium)";
  ASSERT_FALSE(reference_search().empty()) << "the reference search produced no result";
  const auto html = root_ + "/report.html";
  auto report = cnfctl({"report", search_result_, "-o", html});
  ASSERT_TRUE(report.ok()) << report.err;
  const auto result = nlohmann::json::parse(read_file(search_result_));
  const auto trials = result["trials"].size();
  const auto page = read_file(html);

  // What the browser parsed: the SVG elements with their counts and labels.
  auto dom = chromium({"--dump-dom", "file://" + html});
  ASSERT_TRUE(dom.ok()) << dom.err;
  EXPECT_EQ(count_of(dom.out, "<rect class=\"container\""), 2u);  // gen1, ref1
  EXPECT_EQ(count_of(dom.out, "<path class=\"link\""), 2u);       // two memif sockets
  EXPECT_NE(dom.out.find(">gen1</text>"), std::string::npos);
  EXPECT_NE(dom.out.find(">cpu 1</text>"), std::string::npos);
  EXPECT_NE(dom.out.find(">cpu 0</text>"), std::string::npos);
  EXPECT_EQ(count_of(dom.out, "<circle class=\"trial "), trials);
  EXPECT_EQ(count_of(dom.out, "<line class=\"goal-marker"), 2u);
  // The label shows the search's own NDR (what the forwarder achieves on a loaded machine varies;
  // the ground truth is NdrOfTheReferenceForwarderIsItsLimit's business).
  const auto ndr = result["searches"][0]["goals"][0]["lower_bound_pps"];
  ASSERT_TRUE(ndr.is_number()) << result["searches"].dump();
  std::ostringstream label;
  label << std::fixed << std::setprecision(1) << ">NDR " << ndr.get<double>() / 1e3 << " kpps<";
  EXPECT_NE(dom.out.find(label.str()), std::string::npos) << "no label " << label.str();
  EXPECT_EQ(count_of(dom.out, "<rect class=\"latency-bar"), 12u);  // 6 percentiles x NDR, PDR
  EXPECT_NE(dom.out.find("id=\"environment\""), std::string::npos);

  // What the browser drew: a copy without the CSP, plus a script that writes the rendered size
  // of every drawn element into the page; every one must have a size and sit inside its SVG.
  const std::string probe = R"(<script>
window.addEventListener('load', () => {
  const out = {};
  for (const sel of ['rect.container', 'path.link', 'circle.trial', 'line.goal-marker',
                     'rect.latency-bar']) {
    out[sel] = [...document.querySelectorAll(sel)].map(e => {
      const r = e.getBoundingClientRect(), s = e.ownerSVGElement.getBoundingClientRect();
      const inside = r.left >= s.left - 1 && r.right <= s.right + 1 && r.top >= s.top - 1 &&
                     r.bottom <= s.bottom + 1;
      return (r.width > 0 || r.height > 0) && inside ? 1 : 0;
    });
  }
  const pre = document.createElement('pre');
  pre.id = 'drawn';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>)";
  auto probed = std::regex_replace(
      page, std::regex("<meta http-equiv=\"Content-Security-Policy\"[^>]*>"), "");
  probed.replace(probed.find("</body>"), 7, probe + "</body>");
  const auto probed_path = root_ + "/probed.html";
  std::ofstream(probed_path) << probed;
  auto drawn = chromium({"--dump-dom", "file://" + probed_path});
  ASSERT_TRUE(drawn.ok()) << drawn.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(drawn.out, m, std::regex("<pre id=\"drawn\">([^<]*)</pre>")))
      << "the probe did not run";
  const auto sizes = nlohmann::json::parse(m[1].str());
  EXPECT_EQ(sizes["rect.container"].size(), 2u);
  EXPECT_EQ(sizes["circle.trial"].size(), trials);
  for (auto it = sizes.begin(); it != sizes.end(); ++it) {
    for (const auto& f : *it) EXPECT_EQ(f, 1) << it.key() << " drawn empty or outside its SVG";
  }

  // No network: the page as written asks for nothing; a control page that does is caught.
  const auto netlog = root_ + "/net.json";
  auto net = chromium({"--dump-dom", "--log-net-log=" + netlog, "file://" + html});
  ASSERT_TRUE(net.ok()) << net.err;
  EXPECT_EQ(page_requests(netlog), std::vector<std::string>{});
  const auto control = root_ + "/control.html";
  std::ofstream(control) << "<!DOCTYPE html><html><body><img src=\"http://192.0.2.1/x.png\">"
                            "</body></html>";
  auto control_net = chromium({"--dump-dom", "--log-net-log=" + netlog, "file://" + control});
  ASSERT_TRUE(control_net.ok()) << control_net.err;
  EXPECT_EQ(page_requests(netlog), std::vector<std::string>{"http://192.0.2.1/x.png"});

  // A screenshot for people (kept beside the result when CNFCTL_REPORT_SCREENSHOT says where).
  const char* keep = std::getenv("CNFCTL_REPORT_SCREENSHOT");
  const std::string png = keep ? keep : root_ + "/report.png";
  auto shot = chromium({"--screenshot=" + png, "--window-size=1200,3200", "file://" + html});
  ASSERT_TRUE(shot.ok()) << shot.err;
  EXPECT_GT(fs::file_size(png), 20'000u);
  fs::remove_all(fs::temp_directory_path() / ("cnfctl-chromium-" + std::to_string(::getpid())));
}

}  // namespace
}  // namespace cnfctl
