#include <iostream>

#include "cli/commands.h"
#include "plan/plan.h"
#include "plan/plan_output.h"
#include "topology/loader.h"

namespace cnfctl::cli {

void add_plan_command(CLI::App& app) {
  struct Options {
    std::string file;
    std::string name;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "plan",
      "Print everything `up` would do for a topology file (containers, nodes, engines, cpusets, "
      "mounts, socket paths, rendered NF configurations), touching nothing");
  cmd->add_option("FILE", options->file, "The topology file (YAML)")->required();
  cmd->add_option("--name", options->name, "The run name (default: the file's `name`)");
  cmd->add_flag("--json", options->json, "Print the plan as JSON");
  cmd->callback([options] {
    const auto topology = topology::load_topology_file(options->file);
    plan::PlanOptions plan_options;
    plan_options.run_name = options->name;
    const auto plan = plan::build_plan(topology, plan_options);
    if (options->json) {
      std::cout << plan::to_json(plan).dump(2) << "\n";
    } else {
      std::cout << plan::to_text(plan);
    }
  });
}

}  // namespace cnfctl::cli
