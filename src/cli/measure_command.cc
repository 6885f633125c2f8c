#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "common/error.h"
#include "measure/measure_run.h"
#include "measure/result_file.h"
#include "node/node_survey.h"
#include "run/journal.h"
#include "run/run_environment.h"

namespace cnfctl::cli {

namespace {

double seconds_of(const std::string& text, const std::string& option) {
  return std::chrono::duration<double>(parse_duration_option(text, option)).count();
}

// The versions of the programs a report names, from a survey of the generator's node.
nlohmann::json program_versions(run::RunEnvironment& env, const plan::Plan& plan) {
  nlohmann::json versions = nlohmann::json::object();
  std::string node = plan.nodes.empty() ? "local" : plan.nodes.front().name;
  for (const auto& c : plan.containers) {
    if (c.role == topology::Role::kGenerator) {
      node = c.node;
      break;
    }
  }
  try {
    const auto survey = node::survey_node(env.runner_of(node), node);
    for (const char* program : {"dpdk-testpmd", "vpp", "nginx"}) {
      auto it = survey.tools.find(program);
      if (it != survey.tools.end()) versions[program] = it->second.version;
    }
    versions["kernel (node " + node + ")"] = survey.kernel;
  } catch (const std::exception& e) {
    versions["note"] = std::string("node survey failed: ") + e.what();
  }
  return versions;
}

}  // namespace

void add_measure_command(CLI::App& app) {
  struct Options {
    std::string run;
    std::string rate;
    std::string duration = "1s";
    std::string search;
    std::string pdr_loss = "0.5%";
    std::string final_duration = "30s";
    std::string initial_duration = "1s";
    std::string goal_width = "0.5%";
    std::string max_rate;
    std::string min_rate = "10k";
    int repeat = 1;
    std::string frame_size = "64";
    unsigned flows = 1;
    std::string direction = "both";
    std::string warmup = "";
    bool no_hops = false;
    bool json = false;
    bool quiet = false;
    std::string output;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "measure",
      "Measure a run's chain with cnfctl's generator: one trial at a rate (--rate, --duration), "
      "or NDR and PDR in one search (--search ndr-pdr, CSIT's MLRsearch: short trials while the "
      "interval is wide, full-length ones at the end). Writes a result file for `report`");
  cmd->add_option("RUN", o->run, "The run (its chain needs a `trafficgen` generator)")->required();
  cmd->add_option("--rate", o->rate,
                  "One trial at this offered rate, summed over directions (200k, 1.5Mpps)");
  cmd->add_option("--duration", o->duration, "The trial's duration (default 1s)");
  cmd->add_option("--search", o->search, "ndr-pdr: find NDR and PDR in one search");
  cmd->add_option("--pdr-loss", o->pdr_loss, "PDR's loss ratio (default 0.5%)");
  cmd->add_option("--final-duration", o->final_duration,
                  "Full-length trial duration of the final phase (default 30s)");
  cmd->add_option("--initial-duration", o->initial_duration,
                  "The shortest trials, of the first phase (default 1s; durations double)");
  cmd->add_option("--goal-width", o->goal_width,
                  "Final relative width of each interval (default 0.5%)");
  cmd->add_option("--max-rate", o->max_rate,
                  "Highest rate offered (default: what the generator sends unpaced)");
  cmd->add_option("--min-rate", o->min_rate, "Lowest rate offered (default 10k)");
  cmd->add_option("--repeat", o->repeat, "Searches (or trials) in a row: min/median/max")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--frame-size", o->frame_size, "Frame size 64..9000 or imix (default 64)");
  cmd->add_option("--flows", o->flows, "IP/UDP flows per direction (default 1)")
      ->check(CLI::Range(1, 65536));
  cmd->add_option("--direction", o->direction, "both (default), 0to1 or 1to0");
  cmd->add_option("--warmup", o->warmup, "Uncounted traffic before each trial (e.g. 200ms)");
  cmd->add_flag("--no-hops", o->no_hops, "Do not read the NFs' counters around full trials");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  cmd->add_flag("--quiet,-q", o->quiet, "No progress lines on stderr");
  cmd->add_option("--output,-o", o->output,
                  "Write the result here (default: <state dir>/results/<run>/<time>-<kind>.json)");
  cmd->callback([o] {
    measure::MeasureOptions m;
    m.search = !o->search.empty();
    require_input(!m.search || o->search == "ndr-pdr", "--search",
                  fmt::format("unknown search '{}' (known: ndr-pdr)", o->search));
    require_input(m.search || !o->rate.empty(), "--rate",
                  "measure needs --rate R (one trial) or --search ndr-pdr");
    require_input(!(m.search && !o->rate.empty()), "--rate",
                  "--rate is for one trial; a search chooses its rates (use --max-rate)");
    if (!m.search) {
      m.rate = measure::parse_rate(o->rate, "--rate");
      m.duration = seconds_of(o->duration, "--duration");
    }
    auto& c = m.search_config;
    const double pdr = measure::parse_ratio(o->pdr_loss, "--pdr-loss");
    c.loss_ratios = pdr > 0 ? std::vector<double>{0.0, pdr} : std::vector<double>{0.0};
    c.final_duration = seconds_of(o->final_duration, "--final-duration");
    c.initial_duration =
        std::min(seconds_of(o->initial_duration, "--initial-duration"), c.final_duration);
    c.goal_width = measure::parse_ratio(o->goal_width, "--goal-width");
    c.min_rate = measure::parse_rate(o->min_rate, "--min-rate");
    if (!o->max_rate.empty()) c.max_rate = measure::parse_rate(o->max_rate, "--max-rate");
    m.repeat = o->repeat;
    if (o->frame_size == "imix" || o->frame_size == "IMIX") {
      m.shape.frame_size = 0;
    } else {
      int size = 0;
      try {
        size = std::stoi(o->frame_size);
      } catch (const std::exception&) {
        size = 0;
      }
      require_input(size >= 64 && size <= 9000, "--frame-size",
                    fmt::format("'{}' is not a frame size: 64..9000 or imix", o->frame_size));
      m.shape.frame_size = static_cast<std::uint32_t>(size);
    }
    m.shape.flows = o->flows;
    if (o->direction == "both") {
      m.shape.direction = trafficgen::Direction::kBoth;
    } else if (o->direction == "0to1") {
      m.shape.direction = trafficgen::Direction::k0to1;
    } else if (o->direction == "1to0") {
      m.shape.direction = trafficgen::Direction::k1to0;
    } else {
      throw Error::bad_input("--direction", fmt::format("unknown direction '{}' (known: both, "
                                                        "0to1, 1to0)",
                                                        o->direction));
    }
    if (!o->warmup.empty()) m.shape.warmup_s = seconds_of(o->warmup, "--warmup");
    m.hops = !o->no_hops;
    if (!o->quiet) m.progress = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
    if (m.search && c.max_rate > 0) measure::validate(c);  // bad input before the run is touched

    run::RunLock lock(o->run, false);
    const auto journal = run::JournalFile::read(o->run);
    require_input(journal.state == "up", "run " + o->run,
                  fmt::format("run {} is not up (state {})", o->run, journal.state));
    run::RunEnvironment env(journal.engines, journal.nodes);
    m.versions = program_versions(env, journal.plan);
    std::vector<std::string> command = {"cnfctl", "measure", o->run};
    if (m.search) {
      command.insert(command.end(),
                     {"--search", "ndr-pdr", "--pdr-loss", o->pdr_loss, "--final-duration",
                      o->final_duration, "--initial-duration", o->initial_duration, "--goal-width",
                      o->goal_width, "--min-rate", o->min_rate});
      if (!o->max_rate.empty()) command.insert(command.end(), {"--max-rate", o->max_rate});
    } else {
      command.insert(command.end(), {"--rate", o->rate, "--duration", o->duration});
    }
    if (o->repeat > 1) command.insert(command.end(), {"--repeat", std::to_string(o->repeat)});
    command.insert(command.end(), {"--frame-size", o->frame_size, "--direction", o->direction});

    const auto result = measure::measure_run(journal, env, m, command);
    const auto path = o->output.empty()
                          ? measure::default_result_path(o->run, result.value("kind", "result"))
                          : o->output;
    measure::write_result(path, result);
    if (o->json) {
      std::cout << result.dump(2) << "\n";
    } else {
      std::cout << measure::render_result_table(result) << std::flush;
    }
    fmt::print(stderr, "result: {} (`cnfctl report {} -o report.html`)\n", path, path);
  });
}

}  // namespace cnfctl::cli
