#include <fmt/format.h>

#include "cli/commands.h"

namespace cnfctl::cli {

void add_version_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("version", "Print the cnfctl version");
  cmd->callback([] { fmt::print("cnfctl {}\n", CNFCTL_VERSION); });
}

}  // namespace cnfctl::cli
