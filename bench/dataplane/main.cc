// Issue 12, goal P3 (bench/README.md, "dataplane"): containers cost the data plane nothing. In one
// run, R rounds alternate
//   cnfctl: `cnfctl up FILE`, `cnfctl traffic RUN --duration D --json` (end_to_end_mpps), down;
//   bare:   the same testpmd processes (the plan's argv, environment, cpusets and start stages,
//           from `cnfctl plan FILE --json`) started directly on the host, measured by the same
//           traffic code, stopped, and checked to leave nothing behind.
// Per round both rates and CNFCTL/BARE are printed, then the median ratio (goal >= 0.95).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bare_chain.h"
#include "bench_env.h"
#include "common/error.h"
#include "plan/plan_json.h"
#include "process/local_runner.h"
#include "report.h"

namespace {

namespace fs = std::filesystem;
using cnfctl::bench::BareChain;
using cnfctl::bench::SignalWatch;
using std::chrono::milliseconds;

constexpr double kGoal = 0.95;
constexpr milliseconds kUpTimeout{std::chrono::minutes(5)};
constexpr milliseconds kDownTimeout{std::chrono::minutes(5)};

struct Settings {
  int rounds = 3;
  double duration_s = 5;
  double settle_s = 1;
  double ready_timeout_s = 30;
  std::string topology = std::string(CNFCTL_SOURCE_DIR) + "/examples/testpmd-chain.yaml";
  std::string cnfctl = CNFCTL_PROGRAM;
};

milliseconds ms(double seconds) {
  return milliseconds(static_cast<long long>(seconds * 1000));
}

// The topology file with its `name:` replaced by `run` (a run name of this process, so its
// containers, DPDK prefixes and socket dir collide with nobody's).
std::string renamed_topology(const std::string& path, const std::string& run) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  bool renamed = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("name:", 0) == 0) {
      line = "name: " + run;
      renamed = true;
    }
    out << line << '\n';
  }
  if (!renamed) throw std::runtime_error(path + ": no top-level `name:` line to replace");
  return out.str();
}

// Runs the benchmark's cnfctl with its own state and run dirs.
class Cnfctl {
 public:
  Cnfctl(std::string program, const std::string& root) : program_(std::move(program)) {
    env_ = {{"CNFCTL_STATE_DIR", root + "/state"}, {"CNFCTL_RUN_DIR", root + "/run"}};
  }
  std::string run(std::vector<std::string> args, milliseconds timeout) {
    args.insert(args.begin(), program_);
    const std::string what = "cnfctl " + args.at(1);
    cnfctl::process::Command command{.argv = std::move(args), .env = env_};
    command.timeout = timeout;
    return cnfctl::process::run_checked(runner_, command, what).out;
  }
  // For cleanup paths: never throws; says what failed on stderr.
  void run_quietly(std::vector<std::string> args, milliseconds timeout) {
    try {
      run(std::move(args), timeout);
    } catch (const std::exception& e) {
      fmt::print(stderr, "warning: {}\n", e.what());
    }
  }

 private:
  std::string program_;
  std::map<std::string, std::string> env_;
  cnfctl::process::LocalRunner runner_;
};

// The run is taken down on every exit path once `up` was started.
class CnfctlRun {
 public:
  CnfctlRun(Cnfctl& cnfctl, const std::string& file, const std::string& run)
      : cnfctl_(cnfctl), run_(run) {
    try {
      cnfctl_.run({"up", file, "-q", "--json"}, kUpTimeout);
    } catch (...) {
      // up rolls back a failure itself, but not when it was killed at its deadline.
      cnfctl_.run_quietly({"down", run_, "-q"}, kDownTimeout);
      throw;
    }
  }
  ~CnfctlRun() {
    if (is_up_) cnfctl_.run_quietly({"down", run_, "-q"}, kDownTimeout);
  }
  CnfctlRun(const CnfctlRun&) = delete;
  CnfctlRun& operator=(const CnfctlRun&) = delete;
  void down() {
    is_up_ = false;
    cnfctl_.run({"down", run_, "-q"}, kDownTimeout);
  }

 private:
  Cnfctl& cnfctl_;
  std::string run_;
  bool is_up_ = true;
};

void settle(const Settings& s) {
  SignalWatch::check();
  std::this_thread::sleep_for(ms(s.settle_s));
  SignalWatch::check();
}

void require_clean(const cnfctl::plan::Plan& plan, const std::string& socket_dir,
                   const std::string& side) {
  const auto left = cnfctl::bench::leftovers(plan, socket_dir);
  if (left.empty()) return;
  std::string text;
  for (const auto& l : left) text += "\n  " + l;
  throw std::runtime_error(side + " left behind:" + text);
}

// One side's measurement and how its NF processes looked while it ran.
struct Side {
  double up_ms = 0;  // from the start of `cnfctl up` / the first bare NF to every NF ready
  double mpps = 0;
  double nf_cores = 0;  // CPU seconds per second the NFs used during the measurement
  std::map<std::string, cnfctl::bench::SeenNf> nfs;
};

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
      .count();
}

// Mpps per CPU-second of the NFs: the rate with the share of the CPU the machine left them
// divided out.
double per_cpu(const Side& side) {
  return side.nf_cores > 0 ? side.mpps / side.nf_cores : 0;
}

double cores_since(const Side& side, double cpu0, std::chrono::steady_clock::time_point t0) {
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return (cnfctl::bench::cpu_seconds(side.nfs) - cpu0) / wall;
}

// Same argv (the memif socket dir apart), same threads with the same CPUs on both sides, or a
// clear error saying where they differ.
void require_same_processes(const Side& a, const Side& b) {
  for (const auto& [name, nf] : a.nfs) {
    const auto& other = b.nfs.at(name);
    if (nf.argv != other.argv) {
      throw std::runtime_error(fmt::format("NF {}: argv differs:\n  cnfctl: {}\n  bare:   {}", name,
                                           fmt::join(nf.argv, " "), fmt::join(other.argv, " ")));
    }
    if (nf.threads != other.threads) {
      throw std::runtime_error(
          fmt::format("NF {}: threads or CPUs differ:\n  cnfctl: {}\n  bare:   {}", name,
                      fmt::join(nf.threads, ", "), fmt::join(other.threads, ", ")));
    }
  }
}

Side cnfctl_side(const Settings& s, Cnfctl& cnfctl, const std::string& file,
                 const cnfctl::plan::Plan& plan) {
  Side side;
  {
    const auto started = std::chrono::steady_clock::now();
    CnfctlRun run(cnfctl, file, plan.run);
    side.up_ms = elapsed_ms(started);
    settle(s);
    side.nfs = cnfctl::bench::seen_nfs(plan, plan.guest_socket_dir, plan.guest_socket_dir);
    const double cpu0 = cnfctl::bench::cpu_seconds(side.nfs);
    const auto t0 = std::chrono::steady_clock::now();
    const auto json =
        nlohmann::json::parse(cnfctl.run({"traffic", plan.run, "--duration",
                                          fmt::format("{}ms", ms(s.duration_s).count()), "--json"},
                                         ms(s.duration_s) + kUpTimeout));
    if (!json.at("end_to_end_mpps").is_number()) {
      throw std::runtime_error("cnfctl traffic reported no end-to-end rate: " + json.dump());
    }
    side.mpps = json.at("end_to_end_mpps").get<double>();
    side.nf_cores = cores_since(side, cpu0, t0);
    run.down();
  }
  require_clean(plan, plan.host_socket_dir, "cnfctl down");
  return side;
}

Side bare_side(const Settings& s, const std::string& scratch, const cnfctl::plan::Plan& plan) {
  Side side;
  std::string socket_dir;
  {
    BareChain chain(plan, scratch);
    socket_dir = chain.socket_dir();
    const auto started = std::chrono::steady_clock::now();
    chain.start(ms(s.ready_timeout_s));
    side.up_ms = elapsed_ms(started);
    settle(s);
    side.nfs = cnfctl::bench::seen_nfs(plan, socket_dir, plan.guest_socket_dir);
    const double cpu0 = cnfctl::bench::cpu_seconds(side.nfs);
    const auto t0 = std::chrono::steady_clock::now();
    side.mpps = chain.measure(ms(s.duration_s));
    side.nf_cores = cores_since(side, cpu0, t0);
    chain.stop();
  }
  require_clean(plan, socket_dir, "the bare chain");
  return side;
}

int run(const Settings& s) {
  SignalWatch signals;
  cnfctl::bench::BenchRoot root;
  const std::string run_name = root.name("chain");
  const std::string file = root.path() + "/topology.yaml";
  std::ofstream(file) << renamed_topology(s.topology, run_name);
  Cnfctl cnfctl(s.cnfctl, root.path());
  const auto plan = cnfctl::plan::from_json(
      nlohmann::json::parse(cnfctl.run({"plan", file, "--json"}, kUpTimeout)));
  fmt::print("P3: {} ({} testpmd NFs), {} round(s), {} s of traffic each after {} s settling\n",
             s.topology, plan.containers.size(), s.rounds, s.duration_s, s.settle_s);
  std::fflush(stdout);

  std::vector<std::vector<std::string>> rows = {{"ROUND", "FIRST", "CNFCTL_MPPS", "BARE_MPPS",
                                                 "CNFCTL/BARE", "CNFCTL_NF_CPUS", "BARE_NF_CPUS",
                                                 "PER_CPU_RATIO", "CNFCTL_UP_MS", "BARE_UP_MS"}};
  std::vector<double> ratios;
  std::vector<double> container_rates;
  std::vector<double> per_cpu_ratios;
  std::vector<double> bare_rates;
  std::vector<double> container_up_ms;
  std::vector<double> bare_up_ms;
  for (int r = 0; r < s.rounds; ++r) {
    const bool cnfctl_first = r % 2 == 0;
    Side container;
    Side bare;
    const std::string scratch = root.path() + "/bare-" + std::to_string(r);
    fs::create_directories(scratch);
    for (int side = 0; side < 2; ++side) {
      if ((side == 0) == cnfctl_first) {
        container = cnfctl_side(s, cnfctl, file, plan);
      } else {
        bare = bare_side(s, scratch, plan);
      }
    }
    require_same_processes(container, bare);
    if (r == 0) {
      for (const auto& [name, nf] : container.nfs) {
        fmt::print(stderr, "{} threads (both sides): {}\n", name, fmt::join(nf.threads, ", "));
      }
    }
    ratios.push_back(bare.mpps > 0 ? container.mpps / bare.mpps : 0);
    container_rates.push_back(container.mpps);
    bare_rates.push_back(bare.mpps);
    rows.push_back({std::to_string(r + 1), cnfctl_first ? "cnfctl" : "bare",
                    fmt::format("{:.3f}", container.mpps), fmt::format("{:.3f}", bare.mpps),
                    cnfctl::bench::ratio_text(container.mpps, bare.mpps),
                    fmt::format("{:.2f}", container.nf_cores), fmt::format("{:.2f}", bare.nf_cores),
                    cnfctl::bench::ratio_text(per_cpu(container), per_cpu(bare)),
                    fmt::format("{:.0f}", container.up_ms), fmt::format("{:.0f}", bare.up_ms)});
    container_up_ms.push_back(container.up_ms);
    bare_up_ms.push_back(bare.up_ms);
    if (per_cpu(bare) > 0) per_cpu_ratios.push_back(per_cpu(container) / per_cpu(bare));
    fmt::print(stderr,
               "round {}: cnfctl {:.3f} Mpps, bare {:.3f} Mpps (same argv, threads, CPUs)\n", r + 1,
               container.mpps, bare.mpps);
  }
  const double median = cnfctl::bench::median(ratios);
  fmt::print("{}", cnfctl::bench::table_text(rows));
  fmt::print("median rates: cnfctl {:.3f} Mpps, bare {:.3f} Mpps (ratio of medians {})\n",
             cnfctl::bench::median(container_rates), cnfctl::bench::median(bare_rates),
             cnfctl::bench::ratio_text(cnfctl::bench::median(container_rates),
                                       cnfctl::bench::median(bare_rates)));
  fmt::print("median PER_CPU_RATIO: {:.3f} (Mpps per NF CPU-second, cnfctl / bare; not the goal)\n",
             cnfctl::bench::median(per_cpu_ratios));
  // Not a goal of its own: what issue 12's chain `up` row (bench/up_down) cannot go below, the
  // same NFs started bare in the same stages, each ready as cnfctl's readiness says.
  fmt::print("median up to ready: cnfctl {:.0f} ms, bare {:.0f} ms (ratio of medians {})\n",
             cnfctl::bench::median(container_up_ms), cnfctl::bench::median(bare_up_ms),
             cnfctl::bench::ratio_text(cnfctl::bench::median(container_up_ms),
                                       cnfctl::bench::median(bare_up_ms)));
  fmt::print("median CNFCTL/BARE: {:.3f} (goal >= {:.2f}: {})\n", median, kGoal,
             median >= kGoal ? "met" : "NOT met");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  CLI::App app{"Issue 12 P3: the testpmd chain through cnfctl's containers vs the same bare"};
  app.add_option("--rounds", s.rounds, "rounds, each measuring both sides (alternating first)")
      ->check(CLI::PositiveNumber);
  app.add_option("--duration", s.duration_s, "seconds of traffic per measurement")
      ->check(CLI::PositiveNumber);
  app.add_option("--settle", s.settle_s, "seconds between ready and measuring, both sides")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ready-timeout", s.ready_timeout_s, "bare side: seconds per stage to ready")
      ->check(CLI::PositiveNumber);
  app.add_option("--topology", s.topology, "a testpmd chain topology (its name is replaced)")
      ->check(CLI::ExistingFile);
  app.add_option("--cnfctl", s.cnfctl, "the cnfctl program")->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  try {
    return run(s);
  } catch (const cnfctl::bench::Interrupted&) {
    fmt::print(stderr, "interrupted; everything started was stopped\n");
    return 130;
  } catch (const cnfctl::Error& e) {
    fmt::print(stderr, "error: {}\n", e.describe());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
