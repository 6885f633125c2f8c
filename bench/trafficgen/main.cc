// cnfctl-gen benchmarks (bench/README.md, "trafficgen"): ratios measured in one run.
//
// 1. Top rate on one memif pair and one CPU: testpmd txonly -> testpmd rxonly (the baseline),
//    against cnfctl-gen (unpaced trial) -> testpmd rxonly and cnfctl-gen -> cnfctl-gen. Both
//    processes of a pair share the CPU; the rate is what the receiver counted over the sending
//    time. Ratio = cnfctl-gen / testpmd (goal >= 1.0).
// 2. Accounting: N trials through a cnfctl-gen forwarder; every trial must have
//    sent = received + lost exactly.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <thread>

#include "gen_process.h"
#include "nf/testpmd/telemetry_client.h"
#include "trafficgen/client.h"

namespace {

namespace fs = std::filesystem;
using cnfctl::trafficgen::GenClient;
using cnfctl::trafficgen::testing::DpdkProcess;
using cnfctl::trafficgen::testing::eal_args;
using cnfctl::trafficgen::testing::GenProcess;
using cnfctl::trafficgen::testing::Port;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

struct Settings {
  int cpu = 1;
  double seconds = 3;
  int repeats = 3;
  int trials = 10;
  double accounting_rate = 200'000;
  std::string testpmd = "/usr/bin/dpdk-testpmd";
};

std::string g_dir;

std::string prefix(const std::string& what) {
  return "tgbench" + std::to_string(::getpid()) + "-" + what;
}

std::unique_ptr<DpdkProcess> testpmd(const Settings& s, const std::string& name,
                                     const std::string& role, const std::string& mode) {
  auto argv = eal_args(s.testpmd, prefix(name), s.cpu, {{role, g_dir + "/pair.sock"}}, 0);
  for (const char* a : {"--total-num-mbufs=32768", "--nb-cores=1", "--auto-start", "--no-mlockall",
                        "--stats-period=3600"}) {
    argv.emplace_back(a);
  }
  argv.push_back("--forward-mode=" + mode);
  return std::make_unique<DpdkProcess>(prefix(name), argv, g_dir + "/" + name + ".log");
}

std::string telemetry(const std::string& name) {
  return "/var/run/dpdk/" + prefix(name) + "/dpdk_telemetry.v2";
}

// testpmd's received-frame counter on port 0, waiting (up to 30 s) for telemetry and the link.
std::uint64_t testpmd_rx(const std::string& name, bool wait_link) {
  const auto deadline = Clock::now() + seconds(30);
  while (true) {
    try {
      auto client = cnfctl::testpmd::TelemetryClient::connect(telemetry(name), milliseconds(5000));
      if (!wait_link || client.link_status(0, milliseconds(5000)).up) {
        return client.stats(0, milliseconds(5000)).ipackets;
      }
    } catch (const cnfctl::Error&) {
      if (Clock::now() > deadline) throw;
    }
    if (Clock::now() > deadline) throw cnfctl::Error("testpmd " + name + ": link never came up");
    std::this_thread::sleep_for(milliseconds(100));
  }
}

std::uint64_t gen_rx(GenClient& client) {
  return client.stats(seconds(30)).at("ports").at(0).at("rx_packets").get<std::uint64_t>();
}

void wait_links(GenClient& client) {
  const auto deadline = Clock::now() + seconds(30);
  while (!cnfctl::trafficgen::all_links_up(client.ping(seconds(30)))) {
    if (Clock::now() > deadline) throw cnfctl::Error("cnfctl-gen: links never came up");
    std::this_thread::sleep_for(milliseconds(50));
  }
}

// testpmd txonly (server) -> testpmd rxonly (client): frames per second received.
double baseline(const Settings& s) {
  auto tx = testpmd(s, "tx", "server", "txonly");
  std::this_thread::sleep_for(milliseconds(500));
  auto rx = testpmd(s, "rx", "client", "rxonly");
  testpmd_rx("rx", true);
  std::this_thread::sleep_for(milliseconds(500));  // past the start-up transient
  const auto before = testpmd_rx("rx", false);
  const auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(s.seconds));
  const auto after = testpmd_rx("rx", false);
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  tx->stop();  // servers first
  rx->stop();
  return static_cast<double>(after - before) / elapsed;
}

cnfctl::trafficgen::TrialRequest unpaced(const Settings& s) {
  cnfctl::trafficgen::TrialRequest t;
  t.rate_pps = 0;
  t.duration_s = s.seconds;
  t.warmup_s = 0.5;
  t.direction = cnfctl::trafficgen::Direction::k0to1;
  t.tail_ms = 0;
  return t;
}

// cnfctl-gen (server, unpaced trial) -> testpmd rxonly (client).
double gen_to_testpmd(const Settings& s) {
  GenProcess gen(prefix("gen"), s.cpu, {{"server", g_dir + "/pair.sock"}},
                 {"gen", "--control", g_dir + "/gen.ctl"}, g_dir + "/gen.log", 0);
  GenClient client(g_dir + "/gen.ctl", seconds(30));
  auto rx = testpmd(s, "rx", "client", "rxonly");
  wait_links(client);
  testpmd_rx("rx", true);
  const auto before = testpmd_rx("rx", false);
  const auto result = client.trial(unpaced(s));
  const auto after = testpmd_rx("rx", false);
  gen.stop();
  rx->stop();
  // The warm-up's frames are counted by testpmd too: the whole sending time is warm-up + trial.
  (void)result;
  return static_cast<double>(after - before) / (s.seconds + 0.5);
}

// cnfctl-gen (server, unpaced trial) -> cnfctl-gen (client, receiving only).
double gen_to_gen(const Settings& s) {
  GenProcess gen(prefix("gen"), s.cpu, {{"server", g_dir + "/pair.sock"}},
                 {"gen", "--control", g_dir + "/gen.ctl"}, g_dir + "/gen.log", 0);
  GenClient client(g_dir + "/gen.ctl", seconds(30));
  GenProcess sink(prefix("sink"), s.cpu, {{"client", g_dir + "/pair.sock"}},
                  {"gen", "--control", g_dir + "/sink.ctl"}, g_dir + "/sink.log", 0);
  GenClient sink_client(g_dir + "/sink.ctl", seconds(30));
  wait_links(client);
  wait_links(sink_client);
  const auto before = gen_rx(sink_client);
  client.trial(unpaced(s));
  const auto after = gen_rx(sink_client);
  gen.stop();
  sink.stop();
  return static_cast<double>(after - before) / (s.seconds + 0.5);
}

// N trials through a forwarder: sent = received + lost in every one.
int accounting(const Settings& s) {
  GenProcess gen(prefix("gen"), 0, {{"server", g_dir + "/a.sock"}, {"server", g_dir + "/b.sock"}},
                 {"gen", "--control", g_dir + "/gen.ctl"}, g_dir + "/gen.log");
  GenClient client(g_dir + "/gen.ctl", seconds(30));
  GenProcess fwd(prefix("fwd"), s.cpu,
                 {{"client", g_dir + "/a.sock"}, {"client", g_dir + "/b.sock"}}, {"forward"},
                 g_dir + "/fwd.log");
  wait_links(client);
  int exact = 0;
  for (int i = 0; i < s.trials; ++i) {
    cnfctl::trafficgen::TrialRequest t;
    t.rate_pps = s.accounting_rate;
    t.duration_s = 1;
    t.warmup_s = 0.1;
    const auto r = client.trial(t);
    bool ok = r.total.sent == r.total.received + r.total.lost;
    for (const auto& d : r.directions) ok = ok && d.sent == d.received + d.lost;
    exact += ok ? 1 : 0;
    fmt::print(
        "  trial {:2}: sent {:>8} received {:>8} lost {:>7} dup {} reord {} loss {:.6f} "
        "tx {:.0f} pps  {}\n",
        i + 1, r.total.sent, r.total.received, r.total.lost, r.total.duplicated, r.total.reordered,
        r.total.loss_ratio, r.total.tx_rate_pps, ok ? "exact" : "MISMATCH");
  }
  gen.stop();
  fwd.stop();
  return exact;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"cnfctl-gen benchmarks: top rate vs testpmd, and exact accounting"};
  app.add_option("--cpu", s.cpu, "the CPU both processes of a pair run on");
  app.add_option("--seconds", s.seconds, "sending time per measurement");
  app.add_option("--repeats", s.repeats, "measurements per side (medians are compared)");
  app.add_option("--trials", s.trials, "accounting trials");
  app.add_option("--accounting-rate", s.accounting_rate, "pps per direction of those trials");
  app.add_option("--testpmd", s.testpmd, "the testpmd binary");
  CLI11_PARSE(app, argc, argv);
  g_dir = "/run/cnfctl-bench/trafficgen-" + std::to_string(::getpid());
  fs::create_directories(g_dir);
  int rc = 0;
  try {
    std::vector<double> base, ours, ours_both;
    for (int i = 0; i < s.repeats; ++i) {
      base.push_back(baseline(s));
      ours.push_back(gen_to_testpmd(s));
      ours_both.push_back(gen_to_gen(s));
      fmt::print(
          "repeat {}: testpmd txonly->rxonly {:.3f} Mpps, cnfctl-gen->testpmd rxonly "
          "{:.3f} Mpps, cnfctl-gen->cnfctl-gen {:.3f} Mpps\n",
          i + 1, base.back() / 1e6, ours.back() / 1e6, ours_both.back() / 1e6);
    }
    const double b = median(base);
    fmt::print("\nTOP RATE (64 B, one memif pair, both ends on cpu {}, medians of {}):\n", s.cpu,
               s.repeats);
    fmt::print("  testpmd txonly -> testpmd rxonly   {:8.3f} Mpps\n", b / 1e6);
    fmt::print("  cnfctl-gen     -> testpmd rxonly   {:8.3f} Mpps   ratio {:.2f}x\n",
               median(ours) / 1e6, median(ours) / b);
    fmt::print("  cnfctl-gen     -> cnfctl-gen       {:8.3f} Mpps   ratio {:.2f}x\n",
               median(ours_both) / 1e6, median(ours_both) / b);
    fmt::print(
        "\nACCOUNTING ({} trials of 1 s at {:.0f} pps per direction, both directions, "
        "through a cnfctl-gen forwarder):\n",
        s.trials, s.accounting_rate);
    const int exact = accounting(s);
    fmt::print("  sent = received + lost exactly in {}/{} trials\n", exact, s.trials);
    if (exact != s.trials) rc = 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    rc = 1;
  }
  std::error_code ignored;
  fs::remove_all(g_dir, ignored);
  return rc;
}
