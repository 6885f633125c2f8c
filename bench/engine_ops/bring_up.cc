#include "bring_up.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/error.h"
#include "report.h"

namespace cnfctl::bench {
namespace {

constexpr const char* kReadyFile = "/tmp/cnfctl-bench-ready";
constexpr std::chrono::seconds kReadyDeadline{60};
constexpr std::chrono::seconds kSeedProbePause{1};
constexpr std::chrono::milliseconds kFirstProbePause{5};
constexpr std::chrono::milliseconds kMaxProbePause{200};

// PID 1 that plays an NF: ready (a file) `ready_after` after it starts, exits on SIGTERM.
std::vector<std::string> nf_command(std::chrono::milliseconds ready_after) {
  return {"/bin/sh", "-c",
          fmt::format("trap 'exit 0' TERM INT; sleep {:.3f}; : > {}; sleep 2147483647 & wait",
                      static_cast<double>(ready_after.count()) / 1000.0, kReadyFile)};
}

std::vector<engine::ContainerSpec> specs(const BenchTarget& target, const char* strategy,
                                         const BringUpSettings& settings) {
  std::vector<engine::ContainerSpec> result;
  for (std::size_t i = 0; i < settings.containers; ++i) {
    result.push_back(target.spec(fmt::format("{}{}-{}", strategy, settings.containers, i),
                                 nf_command(settings.ready_after)));
  }
  return result;
}

bool probe(engine::Engine& engine, const std::string& name) {
  return engine.exec(name, {.argv = {"test", "-e", kReadyFile}}).ok();
}

// Waits for `name` to answer, pausing `next_pause(previous)` after each failed probe.
void wait_ready(engine::Engine& engine, const std::string& name,
                const std::function<std::chrono::milliseconds(std::chrono::milliseconds)>& next,
                std::chrono::milliseconds first) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyDeadline;
  auto pause = first;
  while (!probe(engine, name)) {
    SignalWatch::check();
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error(
          fmt::format("container {} was not ready after {} s", name, kReadyDeadline.count()));
    }
    std::this_thread::sleep_for(pause);
    pause = next(pause);
  }
}

// Runs task(i) for i in [0, count) on `jobs` threads; the first failure stops the others from
// taking new work and is rethrown after all joined.
void run_parallel(std::size_t count, std::size_t jobs,
                  const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex mutex;
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < std::min(jobs, count); ++t) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < count && !failed; i = next++) {
        try {
          SignalWatch::check();
          task(i);
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!first_error) first_error = std::current_exception();
          failed = true;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

BringUpTimes seed_bring_up_once(BenchTarget& target, const BringUpSettings& settings) {
  ContainerGuard guard(target, ContainerGuard::Side::kCnfctl);
  engine::Engine& engine = *target.engine;
  const auto all = specs(target, "seed", settings);
  BringUpTimes times;
  times.up_ms = time_ms([&] {
    for (const auto& spec : all) {
      SignalWatch::check();
      guard.made(spec.name);
      engine.acquire(spec, true);
    }
    for (const auto& spec : all) {
      SignalWatch::check();
      engine.create(spec);
    }
    for (const auto& spec : all) {
      wait_ready(
          engine, spec.name, [](auto) { return kSeedProbePause; }, kSeedProbePause);
    }
  });
  times.down_ms = time_ms([&] {
    for (const auto& spec : all) engine.stop(spec.name, std::chrono::seconds(3));
    for (const auto& spec : all) {
      engine.destroy(spec.name);
      guard.removed(spec.name);
    }
  });
  return times;
}

BringUpTimes parallel_bring_up_once(BenchTarget& target, const BringUpSettings& settings) {
  ContainerGuard guard(target, ContainerGuard::Side::kCnfctl);
  engine::Engine& engine = *target.engine;
  const auto all = specs(target, "par", settings);
  BringUpTimes times;
  times.up_ms = time_ms([&] {
    run_parallel(all.size(), settings.jobs, [&](std::size_t i) {
      guard.made(all[i].name);
      engine.acquire(all[i], true);
      engine.create(all[i]);
      wait_ready(
          engine, all[i].name,
          [](std::chrono::milliseconds pause) { return std::min(pause * 2, kMaxProbePause); },
          kFirstProbePause);
    });
  });
  times.down_ms = time_ms([&] {
    run_parallel(all.size(), settings.jobs, [&](std::size_t i) {
      engine.stop(all[i].name, std::chrono::seconds(3));
      engine.destroy(all[i].name);
      guard.removed(all[i].name);
    });
  });
  return times;
}

}  // namespace

BringUpComparison compare_bring_up(BenchTarget& target, const BringUpSettings& settings) {
  std::vector<double> seed_up, seed_down, cnfctl_up, cnfctl_down;
  for (int i = 0; i < settings.repeats; ++i) {
    auto seed = [&] {
      const BringUpTimes times = seed_bring_up_once(target, settings);
      seed_up.push_back(times.up_ms);
      seed_down.push_back(times.down_ms);
    };
    auto cnfctl = [&] {
      const BringUpTimes times = parallel_bring_up_once(target, settings);
      cnfctl_up.push_back(times.up_ms);
      cnfctl_down.push_back(times.down_ms);
    };
    if (i % 2 == 0) {
      seed();
      cnfctl();
    } else {
      cnfctl();
      seed();
    }
  }
  return {.seed = {.up_ms = median(seed_up), .down_ms = median(seed_down)},
          .cnfctl = {.up_ms = median(cnfctl_up), .down_ms = median(cnfctl_down)}};
}

}  // namespace cnfctl::bench
