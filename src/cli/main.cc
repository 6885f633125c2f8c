// cnfctl: brings up, wires, runs, measures and tears down containerized network functions.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "common/error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "cnfctl: bring up, wire, run, measure and tear down containerized network functions "
      "(VPP, DPDK testpmd, nginx) for data-plane testing."};
  app.require_subcommand(1);
  app.set_version_flag("--version", CNFCTL_VERSION);
  cnfctl::cli::add_version_command(app);
  cnfctl::cli::add_plan_command(app);
  cnfctl::cli::add_cpu_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // bad command line: nothing was touched
  } catch (const cnfctl::Error& e) {
    fmt::print(stderr, "cnfctl: {}\n", e.describe());
    return e.exit_code();
  } catch (const std::exception& e) {
    fmt::print(stderr, "cnfctl: internal error: {}\n", e.what());
    return 1;
  }
  return 0;
}
