// The subcommands of the `cnfctl` program. Each add_*_command adds one subcommand (with its
// --help) to `app`; its callback does the work, prints to stdout and throws cnfctl::Error on
// failure (bad input: exit 2, failure: exit 1).
#pragma once

#include <CLI/CLI.hpp>

namespace cnfctl::cli {

void add_version_command(CLI::App& app);
void add_cpu_command(CLI::App& app);
void add_plan_command(CLI::App& app);

}  // namespace cnfctl::cli
