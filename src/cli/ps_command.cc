#include <iostream>

#include "cli/commands.h"
#include "run/journal.h"
#include "run/operations.h"

namespace cnfctl::cli {

void add_ps_command(CLI::App& app) {
  struct Options {
    std::string run;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  for (const char* name : {"ps", "status"}) {
    auto* cmd = app.add_subcommand(
        name, "Runs and their containers: node, engine, the engine's state, NF readiness");
    cmd->add_option("RUN", o->run, "Only this run");
    cmd->add_flag("--json", o->json, "Print JSON");
    cmd->callback([o] {
      std::vector<std::string> runs =
          o->run.empty() ? run::list_runs() : std::vector<std::string>{o->run};
      std::vector<run::RunStatus> statuses;
      for (const auto& r : runs) statuses.push_back(run::run_status(r, std::chrono::seconds(2)));
      if (o->json) {
        std::cout << run::status_json(statuses).dump(2) << "\n";
      } else {
        std::cout << run::status_text(statuses);
      }
    });
  }
}

}  // namespace cnfctl::cli
