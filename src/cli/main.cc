// cnfctl: brings up, wires, runs, measures and tears down containerized network functions.
#include <fmt/format.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"

int main(int argc, char** argv) {
  // Nothing cnfctl (or a program it starts here) creates is world-writable, whatever umask it
  // was started with: the socket dirs it makes hold VPP's API socket, a root shell on the node.
  ::umask(022);
  CLI::App app{
      "cnfctl: bring up, wire, run, measure and tear down containerized network functions "
      "(VPP, DPDK testpmd, nginx) for data-plane testing."};
  app.require_subcommand(1);
  app.set_version_flag("--version", CNFCTL_VERSION);
  cnfctl::cli::add_version_command(app);
  cnfctl::cli::add_plan_command(app);
  cnfctl::cli::add_cpu_command(app);
  cnfctl::cli::add_up_command(app);
  cnfctl::cli::add_down_command(app);
  cnfctl::cli::add_ps_command(app);
  cnfctl::cli::add_exec_command(app);
  cnfctl::cli::add_logs_command(app);
  cnfctl::cli::add_restart_command(app);
  cnfctl::cli::add_traffic_command(app);
  cnfctl::cli::add_measure_command(app);
  cnfctl::cli::add_report_command(app);
  // `exec RUN CONTAINER -- ARGV...`: the program's argv is not cnfctl's to parse.
  if (argc > 1 && std::string(argv[1]) == "exec") {
    for (int i = 2; i < argc; ++i) {
      if (std::string(argv[i]) == "--") {
        cnfctl::cli::set_exec_program(std::vector<std::string>(argv + i + 1, argv + argc));
        argc = i;
        break;
      }
    }
  }
  // `cnfctl bogus`: say that it is not a command (CLI11 would say a subcommand is required).
  const CLI::App& root = app;
  std::vector<std::string> names;
  for (const auto* command : root.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(command->get_name());
  }
  if (argc > 1 && argv[1][0] != '-' &&
      std::find(names.begin(), names.end(), argv[1]) == names.end()) {
    fmt::print(stderr, "cnfctl: '{}' is not a command; the commands are: {} (cnfctl --help)\n",
               argv[1], fmt::join(names, ", "));
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // `exec`: the program's own exit code
  } catch (const CLI::ParseError& e) {
    // Bad command line: nothing was touched. The same prefix as every other error.
    fmt::print(stderr, "cnfctl: {} (cnfctl{} --help)\n", e.what(),
               argc > 1 && argv[1][0] != '-' ? std::string(" ") + argv[1] : "");
    return 2;
  } catch (const cnfctl::Error& e) {
    fmt::print(stderr, "cnfctl: {}\n", e.describe());
    return e.exit_code();
  } catch (const std::exception& e) {
    fmt::print(stderr, "cnfctl: internal error: {}\n", e.what());
    return 1;
  }
  return 0;
}
