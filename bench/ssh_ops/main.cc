// cnfctl_bench_ssh_ops: commands on an SSH node through cnfctl's SshRunner (one ControlMaster,
// every command a session over it) against plain `ssh` opening a connection per command, as a
// shell loop over `ssh host cmd` does; sequential and in parallel. Prints ratios measured in one
// run (bench/README.md). Needs root: the DUT is a network namespace with its own sshd.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iostream>
#include <vector>

#include "common/error.h"
#include "process/local_runner.h"
#include "process/ssh_runner.h"
#include "ssh_hosts.h"

namespace cnfctl::bench {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// `ssh ... -- host true` without a master: what a plain loop over ssh costs per command.
process::Command plain_ssh(const process::SshOptions& o, const std::vector<std::string>& argv) {
  process::Command c;
  c.argv = {"ssh", "-T", "-o", "BatchMode=yes", "-o", "ControlMaster=no", "-o", "ControlPath=none"};
  for (const auto& option : o.ssh_options) {
    c.argv.push_back("-o");
    c.argv.push_back(option);
  }
  if (o.identity_file) {
    c.argv.push_back("-i");
    c.argv.push_back(*o.identity_file);
  }
  c.argv.insert(c.argv.end(), {"-p", std::to_string(o.port), "-l", o.user, "--", o.host});
  c.argv.insert(c.argv.end(), argv.begin(), argv.end());
  c.timeout = std::chrono::seconds(30);
  return c;
}

void require_ok(const process::Outcome& outcome, const std::string& what) {
  if (!outcome.ok()) {
    throw Error(fmt::format("{}: {} {}", what, outcome.describe_status(), outcome.err));
  }
}

int run(int commands, int parallel) {
  process::testing::SshTestHosts hosts;
  const auto options = hosts.options(1);
  const std::vector<std::string> argv = {"true"};
  process::LocalRunner local;
  std::vector<std::vector<std::string>> rows = {
      {"CASE", "COMMANDS", "CNFCTL_MS", "PLAIN_SSH_MS", "CNFCTL/PLAIN", "CONNECTIONS"}};

  // Sequential: one command after another.
  process::SshRunner runner(options);
  auto start = Clock::now();
  for (int i = 0; i < commands; ++i) {
    require_ok(runner.run({.argv = argv, .timeout = std::chrono::seconds(30)}), "cnfctl");
  }
  const double seq_cnfctl = ms_since(start);
  start = Clock::now();
  for (int i = 0; i < commands; ++i) require_ok(local.run(plain_ssh(options, argv)), "plain ssh");
  const double seq_plain = ms_since(start);
  rows.push_back({"sequential", std::to_string(commands), fmt::format("{:.1f}", seq_cnfctl),
                  fmt::format("{:.1f}", seq_plain), fmt::format("{:.3f}", seq_cnfctl / seq_plain),
                  fmt::format("{} vs {}", runner.connections_opened(), commands)});

  // Parallel: `parallel` commands at once (a node's share of `up --node-jobs`).
  std::vector<process::Command> mine(static_cast<std::size_t>(parallel),
                                     {.argv = argv, .timeout = std::chrono::seconds(30)});
  std::vector<process::Command> theirs(static_cast<std::size_t>(parallel),
                                       plain_ssh(options, argv));
  start = Clock::now();
  for (const auto& o : runner.run_all(mine)) require_ok(o, "cnfctl parallel");
  const double par_cnfctl = ms_since(start);
  start = Clock::now();
  for (const auto& o : local.run_all(theirs)) require_ok(o, "plain ssh parallel");
  const double par_plain = ms_since(start);
  rows.push_back({"parallel", std::to_string(parallel), fmt::format("{:.1f}", par_cnfctl),
                  fmt::format("{:.1f}", par_plain), fmt::format("{:.3f}", par_cnfctl / par_plain),
                  fmt::format("{} vs {}", runner.connections_opened(), parallel)});

  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += fmt::format("{:<{}}  ", row[i], widths[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
  std::cout << "(CNFCTL/PLAIN below 1: cnfctl is faster; CONNECTIONS: SSH connections opened, "
               "cnfctl's master vs plain ssh)\n";
  return 0;
}

}  // namespace
}  // namespace cnfctl::bench

int main(int argc, char** argv) {
  CLI::App app("cnfctl's SshRunner against a connection per command (bench/README.md)");
  int commands = 40;
  int parallel = 20;
  app.add_option("--commands", commands, "Sequential commands per side")
      ->check(CLI::Range(1, 10000));
  app.add_option("--parallel", parallel, "Commands at once per side")->check(CLI::Range(1, 64));
  CLI11_PARSE(app, argc, argv);
  if (::geteuid() != 0) {
    std::cerr << "cnfctl_bench_ssh_ops: needs root (it runs sshd in a network namespace)\n";
    return 2;
  }
  try {
    return cnfctl::bench::run(commands, parallel);
  } catch (const std::exception& e) {
    std::cerr << "cnfctl_bench_ssh_ops: " << e.what() << "\n";
    return 1;
  }
}
