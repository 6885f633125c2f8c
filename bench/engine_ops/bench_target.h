// One engine made ready for measuring: cnfctl's Engine, the same engine's CLI baseline, the image
// to run, and a record of every container the benchmark made so that any exit removes them.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "bench_env.h"
#include "cli_baseline.h"
#include "engine/engine.h"

namespace cnfctl::bench {

struct BenchTarget {
  std::string kind{};
  engine::Image image{};
  std::unique_ptr<engine::Engine> engine{};
  std::unique_ptr<CliBaseline> cli{};
  const BenchRoot* root = nullptr;

  /// A spec named root->name(kind + "-" + suffix), running `command` (empty: the idle init).
  engine::ContainerSpec spec(const std::string& suffix,
                             std::vector<std::string> command = {}) const;
};

/// Remembers the containers made through one side (cnfctl or CLI) and removes whatever is left
/// when it goes out of scope (the normal path removes them itself and forgets them).
class ContainerGuard {
 public:
  enum class Side { kCnfctl, kCli };
  ContainerGuard(BenchTarget& target, Side side) : target_(target), side_(side) {}
  ~ContainerGuard();
  ContainerGuard(const ContainerGuard&) = delete;
  ContainerGuard& operator=(const ContainerGuard&) = delete;

  void made(const std::string& name);
  void removed(const std::string& name);

 private:
  BenchTarget& target_;
  Side side_;
  std::mutex mutex_;
  std::set<std::string> names_;
};

}  // namespace cnfctl::bench
