#include <iostream>

#include "cli/commands.h"
#include "cli/node_session.h"
#include "cli/run_options.h"
#include "plan/plan.h"
#include "plan/plan_output.h"
#include "run/journal.h"
#include "topology/loader.h"

namespace cnfctl::cli {

void add_plan_command(CLI::App& app) {
  struct Options {
    std::string file;
    std::string name;
    std::string vpp_prefix;
    bool json = false;
    bool offline = false;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "plan",
      "Print everything `up` would do for a topology file (containers, nodes, engines, cpusets, "
      "mounts, socket paths, rendered NF configurations), touching nothing");
  cmd->add_option("FILE", options->file, "The topology file (YAML)")->required();
  cmd->add_option("--name", options->name, "The run name (default: the file's `name`)");
  add_vpp_prefix_option(*cmd, options->vpp_prefix);
  cmd->add_flag("--json", options->json, "Print the plan as JSON");
  cmd->add_flag("--offline", options->offline,
                "Do not reach the nodes: plan SSH nodes from the `lscpu:` text in the file");
  cmd->callback([options] {
    const auto topology = topology::load_topology_file(options->file);
    auto nodes = open_nodes(topology, options->offline, true);
    auto plan =
        plan::build_plan(topology, plan_options_for(nodes, options->name, options->vpp_prefix));
    describe_nodes(plan, nodes);
    require_host_paths(topology, plan, nodes, run::JournalFile::exists(plan.run));
    if (options->json) {
      std::cout << plan::to_json(plan).dump(2) << "\n";
    } else {
      std::cout << plan::to_text(plan);
    }
  });
}

}  // namespace cnfctl::cli
