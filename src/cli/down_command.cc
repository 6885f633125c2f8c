#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/resource_usage.h"
#include "common/error.h"
#include "run/bring_up.h"
#include "run/journal.h"
#include "run/operations.h"

namespace cnfctl::cli {

void add_down_command(CLI::App& app) {
  struct Options {
    std::vector<std::string> runs;
    bool all = false;
    bool quiet = false;
    bool json = false;
    std::size_t jobs = run::kDefaultJobs;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "down",
      "Tear runs down from their journals: stop the NFs (servers first), destroy the containers, "
      "remove sockets and runtime dirs. Works after a crash of cnfctl; idempotent");
  cmd->add_option("RUN", o->runs, "The runs to tear down");
  cmd->add_flag("--all", o->all, "Tear every run down");
  cmd->add_option("--jobs,-j", o->jobs,
                  fmt::format("Steps in flight at once (default {}, as for up)", run::kDefaultJobs))
      ->check(CLI::Range(1, 1024));
  cmd->add_flag("--quiet,-q", o->quiet, "No progress lines on stderr");
  cmd->add_flag("--json", o->json,
                "Print what was torn down, and cnfctl's own CPU and memory use, as JSON");
  cmd->callback([o] {
    require_input(o->all != !o->runs.empty(), "down", "give RUN names or --all (not both)");
    auto runs = o->all ? run::list_runs() : o->runs;
    nlohmann::json summary = {{"runs", nlohmann::json::array()}};
    if (o->all && runs.empty()) {
      if (o->json) {
        summary["resources"] = resource_usage_json();
        std::cout << summary.dump(2) << "\n";
      } else {
        std::cout << "no runs\n";
      }
      return;
    }
    run::Progress progress(stderr, !o->quiet);
    std::vector<std::string> failures;
    for (const auto& name : runs) {
      try {
        auto result = run::down_run(name, progress, o->jobs);
        if (o->json) {
          summary["runs"].push_back({{"run", name},
                                     {"already_down_at", result.already_down_at},
                                     {"nfs_stopped", result.teardown.nfs_stopped},
                                     {"containers_removed", result.teardown.containers_removed},
                                     {"dirs_removed", result.teardown.dirs_removed}});
          continue;
        }
        if (!result.already_down_at.empty()) {
          std::cout << fmt::format("run {} is already down (torn down at {}); nothing to do\n",
                                   name, result.already_down_at);
          continue;
        }
        std::cout << fmt::format(
            "run {} is down: {} NF(s) stopped, {} container(s) removed, "
            "{} dir(s) removed\n",
            name, result.teardown.nfs_stopped, result.teardown.containers_removed,
            result.teardown.dirs_removed);
      } catch (const Error& e) {
        if (runs.size() == 1) throw;
        failures.push_back(e.describe());
      }
    }
    if (o->json) {
      summary["resources"] = resource_usage_json();
      std::cout << summary.dump(2) << "\n";
    }
    if (!failures.empty()) throw Error(fmt::format("{}", fmt::join(failures, "\n")));
  });
}

}  // namespace cnfctl::cli
