#include <fmt/format.h>

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "common/error.h"
#include "run/journal.h"
#include "run/run_environment.h"

namespace cnfctl::cli {
namespace {

// A run's containers named `name` (by name or engine id), or all of them.
std::vector<const plan::PlannedContainer*> select(const plan::Plan& plan,
                                                  const std::optional<std::string>& name) {
  std::vector<const plan::PlannedContainer*> which;
  for (const auto& c : plan.containers) {
    if (!name || c.name == *name || c.id == *name) which.push_back(&c);
  }
  require_input(!which.empty(), "container " + name.value_or(""),
                fmt::format("run {} has no container called {}", plan.run, name.value_or("")));
  return which;
}

std::vector<std::string>& exec_program() {
  static std::vector<std::string> program;
  return program;
}

}  // namespace

void set_exec_program(std::vector<std::string> argv) {
  exec_program() = std::move(argv);
}

void add_exec_command(CLI::App& app) {
  struct Options {
    std::string run;
    std::string container;
    bool all = false;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "exec",
      "Run a program inside a container of a run (argv, no shell): exec RUN CONTAINER -- ARGV..., "
      "or exec RUN --all -- ARGV...; exits with the program's exit code");
  cmd->add_option("RUN", o->run, "The run")->required();
  cmd->add_option("CONTAINER", o->container, "The container (by name; not with --all)");
  cmd->add_flag("--all", o->all, "Run it in every container of the run");
  cmd->callback([o] {
    require_input(o->all == o->container.empty(), "exec",
                  "give a CONTAINER or --all (exec RUN CONTAINER -- ARGV...)");
    std::optional<std::string> container;
    if (!o->all) container = o->container;
    const auto& argv = exec_program();
    require_input(!argv.empty(), "exec",
                  "no program given after -- (exec RUN CONTAINER -- ARGV...)");
    const auto journal = run::JournalFile::read(o->run);
    run::RunEnvironment env(journal.engines, journal.nodes);
    int status = 0;
    for (const auto* c : select(journal.plan, container)) {
      engine::ExecRequest request;
      request.argv = argv;
      auto outcome = env.engine_of(*c).exec(c->id, request);
      if (o->all) std::cout << fmt::format("== {} ({})\n", c->name, outcome.describe_status());
      std::cout << outcome.out << std::flush;
      std::cerr << outcome.err << std::flush;
      int code = outcome.status == process::Outcome::Status::kExited   ? outcome.exit_code
                 : outcome.status == process::Outcome::Status::kKilled ? 128 + outcome.signal
                                                                       : 1;
      if (code != 0 && status == 0) status = code;
    }
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

void add_logs_command(CLI::App& app) {
  struct Options {
    std::string run;
    std::string container;
  };
  auto o = std::make_shared<Options>();
  auto* cmd =
      app.add_subcommand("logs", "Print a container's NF log (" + std::string(nf::kNfLogGuestPath) +
                                     ") and its engine log");
  cmd->add_option("RUN", o->run, "The run")->required();
  cmd->add_option("CONTAINER", o->container, "The container")->required();
  cmd->callback([o] {
    const auto journal = run::JournalFile::read(o->run);
    run::RunEnvironment env(journal.engines, journal.nodes);
    const auto* c = select(journal.plan, o->container).front();
    auto& engine = env.engine_of(*c);
    engine::ExecRequest request;
    request.argv = {"cat", nf::kNfLogGuestPath};
    request.timeout = std::chrono::seconds(10);
    auto outcome = engine.exec(c->id, request);
    std::cout << fmt::format("== NF log of {} ({})\n", c->name, nf::kNfLogGuestPath);
    std::cout << (outcome.ok() ? outcome.out : "(none: " + outcome.tail(3) + ")\n");
    std::cout << fmt::format("== engine log of {} ({})\n", c->name, c->id);
    std::cout << engine.logs(c->id) << std::flush;
  });
}

}  // namespace cnfctl::cli
