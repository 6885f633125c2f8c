#include "op_latency.h"

#include <fmt/format.h>

#include <array>
#include <functional>

#include "common/error.h"
#include "report.h"

namespace cnfctl::bench {
namespace {

constexpr std::array<const char*, 5> kOperations = {"create+start", "exec true", "copy_in 64 B",
                                                    "stop", "destroy"};
constexpr const char* kGuestFile = "/tmp/cnfctl-bench.txt";

using Samples = std::array<std::vector<double>, kOperations.size() + 1>;  // + lifecycle

void require_ok(const process::Outcome& outcome, const std::string& what) {
  if (!outcome.ok()) {
    throw Error(fmt::format("{}: {}: {}", what, outcome.describe_status(), outcome.tail()));
  }
}

// One lifecycle through one side; each step timed into `samples` when `record`.
void lifecycle(BenchTarget& target, ContainerGuard::Side side, const std::string& suffix,
               bool record, Samples& samples) {
  ContainerGuard guard(target, side);
  const engine::ContainerSpec spec = target.spec(suffix);
  const std::string& name = spec.name;
  const std::string bytes(64, 'x');
  const bool cnfctl = side == ContainerGuard::Side::kCnfctl;
  engine::Engine& engine = *target.engine;
  CliBaseline& cli = *target.cli;

  const std::array<std::function<void()>, kOperations.size()> steps = {
      [&] {
        guard.made(name);
        if (cnfctl) {
          engine.acquire(spec, false);
          engine.create(spec);
        } else {
          cli.create(spec);
        }
      },
      [&] {
        require_ok(cnfctl ? engine.exec(name, {.argv = {"true"}}) : cli.exec(name, {"true"}, {}),
                   "exec true in " + name);
      },
      [&] {
        if (cnfctl) {
          engine.copy_in(name, kGuestFile, bytes, 0644);
        } else {
          cli_copy_in(cli, name, kGuestFile, bytes);
        }
      },
      [&] { cnfctl ? engine.stop(name, std::chrono::seconds(3)) : cli.stop(name); },
      [&] {
        cnfctl ? engine.destroy(name) : cli.destroy(name);
        guard.removed(name);
      },
  };
  double total = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    SignalWatch::check();
    const double ms = time_ms(steps[i]);
    total += ms;
    if (record) samples[i].push_back(ms);
  }
  if (record) samples.back().push_back(total);
  if (!cnfctl) cli.tidy(name);
}

}  // namespace

std::vector<OpLatency> measure_op_latency(BenchTarget& target, int iterations) {
  Samples cnfctl;
  Samples cli;
  for (int i = 0; i <= iterations; ++i) {
    const bool record = i > 0;  // iteration 0 warms caches, images and daemons up
    const std::string n = std::to_string(i);
    // Alternate which side goes first so neither always runs on a just-warmed engine.
    if (i % 2 == 0) {
      lifecycle(target, ContainerGuard::Side::kCli, "cli" + n, record, cli);
      lifecycle(target, ContainerGuard::Side::kCnfctl, "cnf" + n, record, cnfctl);
    } else {
      lifecycle(target, ContainerGuard::Side::kCnfctl, "cnf" + n, record, cnfctl);
      lifecycle(target, ContainerGuard::Side::kCli, "cli" + n, record, cli);
    }
  }
  std::vector<OpLatency> result;
  for (std::size_t i = 0; i <= kOperations.size(); ++i) {
    result.push_back({.operation = i < kOperations.size() ? kOperations[i] : "lifecycle",
                      .cnfctl_ms = median(cnfctl[i]),
                      .cli_ms = median(cli[i])});
  }
  return result;
}

}  // namespace cnfctl::bench
