#include <fmt/format.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "run/operations.h"

namespace cnfctl::cli {

void add_restart_command(CLI::App& app) {
  struct Options {
    std::string run;
    std::string container;
    std::string timeout_ready = "30s";
    bool quiet = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "restart",
      "Restart the NFs of a run, or of one container and every container memif-linked to it "
      "(links do not come back otherwise): stop servers first, start stage by stage, wait until "
      "ready");
  cmd->add_option("RUN", o->run, "The run")->required();
  cmd->add_option("CONTAINER", o->container, "Only this container (and its clients)");
  cmd->add_option("--timeout-ready", o->timeout_ready, "How long each NF may take (default 30s)");
  cmd->add_flag("--quiet,-q", o->quiet, "No progress lines on stderr");
  cmd->callback([o] {
    auto timeout = parse_duration_option(o->timeout_ready, "--timeout-ready");
    run::Progress progress(stderr, !o->quiet);
    std::optional<std::string> container;
    if (!o->container.empty()) container = o->container;
    run::restart_run(o->run, container, timeout, progress);
    std::cout << fmt::format("run {}: {} restarted in {} ms\n", o->run,
                             container ? *container : "every NF", progress.elapsed().count());
  });
}

}  // namespace cnfctl::cli
