// The subcommands of the `cnfctl` program. Each add_*_command adds one subcommand (with its
// --help) to `app`; its callback does the work, prints to stdout and throws cnfctl::Error on
// failure (bad input: exit 2, failure: exit 1).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace cnfctl::cli {

void add_version_command(CLI::App& app);
void add_cpu_command(CLI::App& app);
void add_plan_command(CLI::App& app);
void add_up_command(CLI::App& app);
void add_down_command(CLI::App& app);
void add_ps_command(CLI::App& app);  // `ps` and `status`
void add_exec_command(CLI::App& app);
/// The program `exec` runs: main() takes everything after the first `--` of an `exec` command
/// line out of CLI11's hands (so options of the program are never parsed as cnfctl's).
void set_exec_program(std::vector<std::string> argv);
void add_logs_command(CLI::App& app);
void add_restart_command(CLI::App& app);
void add_traffic_command(CLI::App& app);
void add_measure_command(CLI::App& app);
void add_report_command(CLI::App& app);

/// Runs traffic through the run's NFs for `duration` and prints the per-hop table (or JSON).
/// Throws Error::bad_input for an unknown run, cnfctl::Error when traffic fails.
void run_traffic(const std::string& run, std::chrono::milliseconds duration, bool json);

}  // namespace cnfctl::cli
