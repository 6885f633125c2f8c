#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "common/error.h"
#include "measure/result_file.h"
#include "run/journal.h"
#include "run/run_environment.h"
#include "traffic/traffic.h"

namespace cnfctl::cli {

void run_traffic(const std::string& run, std::chrono::milliseconds duration, bool json) {
  const auto journal = run::JournalFile::read(run);
  require_input(journal.state == "up", "run " + run,
                fmt::format("run {} is not up (state {})", run, journal.state));
  run::RunEnvironment env(journal.engines, journal.nodes);
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
      "(testpmd/VPP chains), requests/s and latency with wrk (nginx)");
  cmd->add_option("RUN", o->run, "The run")->required();
  cmd->add_option("--duration", o->duration, "How long (default 5s)");
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->callback(
      [o] { run_traffic(o->run, parse_duration_option(o->duration, "--duration"), o->json); });
}

}  // namespace cnfctl::cli
