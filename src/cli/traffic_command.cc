#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "common/error.h"
#include "measure/chain_trials.h"
#include "measure/measure_run.h"
#include "measure/result_file.h"
#include "run/journal.h"
#include "run/run_environment.h"
#include "traffic/traffic.h"

namespace cnfctl::cli {

namespace {

// A chain whose generator is cnfctl-gen: one unpaced trial for `duration` (what testpmd txonly
// does elsewhere), with every frame accounted, latency and the hop counters; a result file of
// kind "trial", which `report` reads.
void run_cnfctl_gen_traffic(const run::Journal& journal, run::RunEnvironment& env,
                            std::chrono::milliseconds duration, bool json) {
  measure::MeasureOptions m;
  m.unpaced = true;
  m.duration = std::chrono::duration<double>(duration).count();
  const auto result = measure::measure_run(
      journal, env, m,
      {"cnfctl", "traffic", journal.plan.run, "--duration", fmt::format("{}ms", duration.count())});
  const auto path = measure::default_result_path(journal.plan.run, "trial");
  try {
    measure::write_result(path, result);
    fmt::print(stderr, "result: {}\n", path);
  } catch (const Error& e) {
    fmt::print(stderr, "cnfctl: {}\n", e.describe());
  }
  if (json) {
    std::cout << result.dump(2) << "\n";
  } else {
    std::cout << measure::render_result_table(result) << std::flush;
  }
}

}  // namespace

void run_traffic(const std::string& run, std::chrono::milliseconds duration, bool json) {
  const auto journal = run::JournalFile::read(run);
  require_input(journal.state == "up", "run " + run,
                fmt::format("run {} is not up (state {})", run, journal.state));
  run::RunEnvironment env(journal.engines, journal.nodes);
  if (measure::has_cnfctl_gen(journal.plan)) {
    run_cnfctl_gen_traffic(journal, env, duration, json);
    return;
  }
  auto report = traffic::measure_traffic(
      journal.plan, [&](const plan::PlannedContainer& c) { return env.context_of(c); }, duration);
  measure::save_traffic_result(journal.plan, traffic::traffic_json(report));
  if (json) {
    std::cout << traffic::traffic_json(report).dump(2) << "\n";
  } else {
    std::cout << traffic::render_traffic_table(report) << std::flush;
  }
}

void add_traffic_command(CLI::App& app) {
  struct Options {
    std::string run;
    std::string duration = "5s";
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "traffic",
      "Measure traffic through a run: per-hop Mpps from NF counters while the generator sends "
      "(testpmd/VPP chains; with cnfctl-gen one unpaced trial, every frame accounted), "
      "requests/s and latency with wrk (nginx)");
  cmd->add_option("RUN", o->run, "The run")->required();
  cmd->add_option("--duration", o->duration, "How long (default 5s)");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback(
      [o] { run_traffic(o->run, parse_duration_option(o->duration, "--duration"), o->json); });
}

}  // namespace cnfctl::cli
