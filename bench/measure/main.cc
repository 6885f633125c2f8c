// cnfctl_bench_measure: the cost of one NDR+PDR search (MLRsearch, src/measure/mlr_search.h)
// against two separate RFC 2544 binary searches (one for NDR, one for PDR) with the same final
// trial duration and goal width, on the reference chain (a real run: cnfctl-gen through
// `forward --limit R`) and on the simulated NF models. Prints ratios measured in one run
// (bench/README.md).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "common/error.h"
#include "measure/chain_trials.h"
#include "measure/mlr_search.h"
#include "measure/testing/simulated_nf.h"
#include "process/local_runner.h"
#include "run/journal.h"
#include "run/run_environment.h"

namespace cnfctl::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Costs {
  double mlr_wall = 0, mlr_trials = 0;
  double binary_wall = 0, binary_trials = 0;
  std::size_t mlr_count = 0, binary_count = 0;
  std::string answers;
};

// The reference chain, hand-wired: gen1 (cnfctl-gen gen, both memif ends, control socket) and
// ref1 (cnfctl-gen forward --limit 200k), through a socket dir under `dir`.
std::string reference_topology(const std::string& dir, const std::string& name) {
  std::filesystem::create_directories(dir + "/sockets");
  auto eal = [&](const std::string& nf, const std::string& role, int cpu) {
    std::string text = fmt::format(
        "\"{}\", --no-huge, -m, \"512\", --no-pci, --file-prefix={}-{}, --lcores, \"0@{},1@{}\", ",
        CNFCTL_GEN_PROGRAM, name, nf, cpu, cpu);
    for (int port = 0; port < 2; ++port) {
      text += fmt::format(
          "\"--vdev=net_memif{},role={},socket=/sockets/m{}.sock,id=0,socket-abstract=no,"
          "rsize=14\", ",
          port, role, port);
    }
    return text + "\"--\"";
  };
  const auto path = dir + "/reference.yaml";
  std::ofstream(path) << "name: " << name << "\nengine: oci\nimage: host\ncpu:\n  policy: none\n"
                      << "containers:\n  - prefix: gen\n    role: generator\n    cpus: [1]\n"
                      << "    mounts: [\"" << dir << "/sockets:/sockets\"]\n"
                      << "    nf:\n      kind: command\n      argv: [" << eal("gen", "server", 1)
                      << ", gen, --control, /sockets/gen.ctl]\n"
                      << "      probe: [test, -S, /sockets/gen.ctl]\n"
                      << "  - prefix: ref\n    cpus: [0]\n"
                      << "    mounts: [\"" << dir << "/sockets:/sockets\"]\n"
                      << "    nf:\n      kind: command\n      argv: [sh, -c, 'while [ ! -S "
                         "/sockets/m1.sock ]; do sleep 0.05; done; exec \"$@\"', ref, "
                      << eal("ref", "client", 0) << ", forward, --limit, 200k]\n";
  return path;
}

std::string kpps(const std::optional<double>& rate) {
  return rate ? fmt::format("{:.1f} kpps", *rate / 1e3) : "-";
}

Costs compare(const measure::SearchConfig& config, const measure::Measurer& measurer) {
  Costs c;
  auto start = Clock::now();
  auto mlr = measure::search(config, measurer);
  c.mlr_wall = seconds_since(start);
  c.mlr_trials = mlr.trial_seconds;
  c.mlr_count = mlr.trials.size();
  start = Clock::now();
  auto ndr = measure::binary_search(0.0, config.min_rate, config.max_rate, config.final_duration,
                                    config.goal_width, measurer);
  auto pdr = measure::binary_search(config.loss_ratios.back(), config.min_rate, config.max_rate,
                                    config.final_duration, config.goal_width, measurer);
  c.binary_wall = seconds_since(start);
  c.binary_trials = ndr.trial_seconds + pdr.trial_seconds;
  c.binary_count = ndr.trials.size() + pdr.trials.size();
  c.answers = fmt::format("MLR NDR {} PDR {}; binary NDR {} PDR {}", kpps(mlr.goals[0].lower_bound),
                          kpps(mlr.goals[1].lower_bound), kpps(ndr.goals[0].lower_bound),
                          kpps(pdr.goals[0].lower_bound));
  return c;
}

void print(const std::string& what, const Costs& c, bool wall) {
  const double mlr = wall ? c.mlr_wall : c.mlr_trials;
  const double binary = wall ? c.binary_wall : c.binary_trials;
  fmt::print("{:<44} {:>9.1f} {:>9.1f} {:>8.3f}   {} vs {} trials; {}\n", what, mlr, binary,
             mlr / binary, c.mlr_count, c.binary_count, c.answers);
}

int run_bench(int argc, char** argv) {
  CLI::App app{"NDR+PDR in one MLRsearch against two binary searches (bench/README.md)"};
  std::string topology;
  std::string run_name;
  std::string cnfctl = CNFCTL_PROGRAM;
  double final_duration = 2;
  double initial_duration = 0.25;
  double width = 0.005;
  double min_rate = 10'000;
  double max_rate = 1'000'000;
  bool simulated_only = false;
  app.add_option("--topology", topology,
                 "Bring this topology up (cnfctl up), measure, tear it down (default: the "
                 "reference chain, cnfctl-gen through cnfctl-gen forward --limit 200k)");
  app.add_option("--run", run_name, "Measure this run, already up, instead");
  app.add_option("--final-duration", final_duration, "Full-length trial seconds (default 2)");
  app.add_option("--initial-duration", initial_duration, "Shortest trial seconds (default 0.25)");
  app.add_option("--goal-width", width, "Relative goal width (default 0.005)");
  app.add_option("--min-rate", min_rate, "frames/s (default 10000)");
  app.add_option("--max-rate", max_rate, "frames/s (default 1000000)");
  app.add_flag("--simulated-only", simulated_only, "Only the simulated NF models");
  CLI11_PARSE(app, argc, argv);

  measure::SearchConfig config;
  config.loss_ratios = {0.0, 0.005};
  config.final_duration = final_duration;
  config.initial_duration = initial_duration;
  config.goal_width = width;
  config.min_rate = min_rate;
  config.max_rate = max_rate;

  fmt::print("{:<44} {:>9} {:>9} {:>8}\n", "CASE (MLR = one NDR+PDR search)", "MLR s", "2xBIN s",
             "MLR/BIN");
  {
    measure::testing::DeterministicNf nf{.capacity = 200'000};
    print("simulated: capacity 200k, exact (trial s)",
          compare(config, [&](double r, double d) { return nf(r, d); }), false);
    measure::testing::NoisyNf noisy(200'000, 0.01, 0.05, 3, 7);
    print("simulated: capacity 200k, noisy (trial s)",
          compare(config, [&](double r, double d) { return noisy(r, d); }), false);
  }
  if (simulated_only) return 0;

  process::LocalRunner local;
  bool brought_up = false;
  const std::string scratch = fmt::format("/tmp/cnfctl-bench-measure-{}", ::getpid());
  if (run_name.empty()) {
    run_name = fmt::format("bench-measure-{}", ::getpid());
    if (topology.empty()) topology = reference_topology(scratch, run_name);
    auto up = local.run(
        {.argv = {cnfctl, "up", topology, "--name", run_name, "-q", "--timeout-ready", "60s"},
         .timeout = std::chrono::minutes(3)});
    if (!up.ok()) throw Error("cnfctl up " + topology + " failed: " + up.tail());
    brought_up = true;
  }
  int status = 0;
  try {
    const auto journal = run::JournalFile::read(run_name);
    run::RunEnvironment env(journal.engines, journal.nodes);
    measure::ChainTrials chain(journal.plan, env, {});
    measure::Measurer measurer = [&](double rate, double d) {
      auto record = chain.run(rate, d, false);
      return measure::TrialCounts{.sent = record.result.total.sent,
                                  .received = record.result.total.received,
                                  .intended = static_cast<std::uint64_t>(std::llround(rate * d))};
    };
    const auto costs = compare(config, measurer);
    print(fmt::format("run {} (wall s)", run_name), costs, true);
    print(fmt::format("run {} (trial s)", run_name), costs, false);
    fmt::print("search cost ratio (wall): {:.3f} (target <= 0.5)\n",
               costs.mlr_wall / costs.binary_wall);
  } catch (const Error& e) {
    fmt::print(stderr, "bench: {}\n", e.describe());
    status = 1;
  }
  if (brought_up)
    local.run({.argv = {cnfctl, "down", "-q", run_name}, .timeout = std::chrono::minutes(2)});
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);  // the socket dir, empty after down
  return status;
}

}  // namespace
}  // namespace cnfctl::bench

int main(int argc, char** argv) {
  try {
    return cnfctl::bench::run_bench(argc, argv);
  } catch (const cnfctl::Error& e) {
    fmt::print(stderr, "bench: {}\n", e.describe());
    return e.exit_code();
  }
}
