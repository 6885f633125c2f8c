#include <fmt/format.h>

#include <ctime>
#include <iostream>
#include <optional>

#include "cli/commands.h"
#include "cli/node_session.h"
#include "cli/resource_usage.h"
#include "cli/run_options.h"
#include "common/error.h"
#include "engine/registry.h"
#include "node/version_cache.h"
#include "plan/plan.h"
#include "run/bring_up.h"
#include "run/journal.h"
#include "run/operations.h"
#include "run/run_environment.h"
#include "topology/checks.h"
#include "topology/enum_names.h"
#include "topology/loader.h"

namespace cnfctl::cli {
namespace {

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

void add_up_command(CLI::App& app) {
  struct Options {
    std::string file;
    std::string name;
    std::string vpp_prefix;
    std::string engine;
    std::size_t jobs = run::kDefaultJobs;
    std::size_t node_jobs = 0;
    std::string timeout_ready = "30s";
    std::string traffic;
    bool rm = false;
    bool json = false;
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "up",
      "Bring a topology up: create every container in parallel, start the NFs stage by stage, "
      "wait until each is ready, print a summary. Any failure or Ctrl-C rolls everything back");
  cmd->add_option("FILE", o->file, "The topology file (YAML)")->required();
  cmd->add_option("--name", o->name, "The run name (default: the file's `name`)");
  add_vpp_prefix_option(*cmd, o->vpp_prefix);
  cmd->add_option("--engine", o->engine,
                  "Use this engine on every node (oci, lxc, docker, podman)");
  cmd->add_option("--jobs,-j", o->jobs,
                  fmt::format("Steps in flight at once, overall (default {}: the fastest of 4, 8, "
                              "16 and 32 for 16 and 64 containers on 2 cores)",
                              run::kDefaultJobs))
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--node-jobs", o->node_jobs,
                  "Steps in flight per node (default: --jobs; for podman at most 4, whose runs "
                  "wait for each other's storage locks)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--timeout-ready", o->timeout_ready,
                  "How long each NF may take from start to ready (default 30s)");
  cmd->add_option("--traffic", o->traffic, "Run traffic for this long once up (e.g. 5s)");
  cmd->add_flag("--rm", o->rm, "Tear the run down at the end (also when traffic fails)");
  cmd->add_flag("--json", o->json, "Print the summary as JSON");
  cmd->add_flag("--quiet,-q", o->quiet, "No progress lines on stderr");
  cmd->callback([o] {
    const auto timeout = parse_duration_option(o->timeout_ready, "--timeout-ready");
    std::optional<std::chrono::milliseconds> traffic;
    if (!o->traffic.empty()) traffic = parse_duration_option(o->traffic, "--traffic");
    require_input(!o->rm || traffic, "--rm", "--rm needs --traffic (up --rm would do nothing)");

    auto topo = topology::load_topology_file(o->file);
    if (!o->engine.empty()) {
      auto kind = topology::value_in(topology::kEngineKindNames, o->engine);
      require_input(kind.has_value(), "--engine",
                    fmt::format("unknown engine '{}' (known: {})", o->engine,
                                fmt::join(engine::known_engines(), ", ")));
      topo.engine.kind = *kind;
      for (auto& [name, node] : topo.nodes) node.engine.kind = *kind;
    }
    topology::check_engines(topo);  // before anything is touched: exit 2, nothing to undo
    // Every node is reached (and its facts read) before anything is touched.
    auto nodes = open_nodes(topo, false, false);
    require_engines(topo, nodes);
    auto plan = plan::build_plan(topo, plan_options_for(nodes, o->name, o->vpp_prefix));
    describe_nodes(plan, nodes);
    for (const auto& warning : plan.warnings) fmt::print(stderr, "cnfctl: warning: {}\n", warning);
    // A run that exists is refused below with its own message; its dirs are its own.
    require_host_paths(topo, plan, nodes, run::JournalFile::exists(plan.run));
    require_nf_programs(plan, nodes);
    const auto engines = run::engine_records(topo, plan);
    // Validates engine names; touches nothing. Reuses the nodes' SSH masters.
    run::RunEnvironment env(engines, std::move(nodes.runners));

    std::optional<run::RunLock> lock;
    lock.emplace(plan.run, true);
    if (run::JournalFile::exists(plan.run)) {
      const auto existing = run::JournalFile::read(plan.run);
      throw Error::bad_input(
          "run " + plan.run,
          fmt::format("run {} already exists (state {}, started {}): `cnfctl down {}` first, or "
                      "choose another --name",
                      plan.run, existing.state, existing.started_at, plan.run));
    }
    run::clear_run_down(plan.run);
    run::Journal journal;
    journal.run = plan.run;
    journal.source = plan.source;
    journal.state = "starting";
    journal.started_at = utc_now();
    journal.nodes = nodes.nodes;
    journal.engines = engines;
    journal.node_dirs = run::node_dirs_of(plan);
    journal.node_veths = run::node_veths_of(plan);
    journal.plan = plan;
    run::JournalFile file(std::move(journal));
    // The input is good and the run exists: the versions asked for this time are kept.
    for (const auto& [name, survey] : nodes.surveys) node::remember_versions(survey);

    run::UpOptions up;
    up.jobs = o->jobs;
    up.node_jobs = o->node_jobs;
    up.timeout_ready = timeout;
    if (const char* pause = std::getenv("CNFCTL_TEST_PAUSE_AT")) up.pause_at = pause;
    run::Progress progress(stderr, !o->quiet);
    auto result = run::bring_up(file, env, *lock, up, progress);
    if (o->json && !traffic) {
      auto summary = run::summary_json(result);
      summary["resources"] = resource_usage_json();
      std::cout << summary.dump(2) << "\n";
    } else if (!o->json) {
      std::cout << run::summary_text(result) << std::flush;
    }
    if (!traffic) return;
    lock.reset();
    std::optional<Error> traffic_error;
    try {
      run_traffic(plan.run, *traffic, o->json);
    } catch (const Error& e) {
      traffic_error = e;
    }
    if (o->rm) {
      auto down = run::down_run(plan.run, progress, o->jobs);
      fmt::print(stderr, "run {} torn down\n", plan.run);
    }
    if (traffic_error) throw *traffic_error;
  });
}

}  // namespace cnfctl::cli
