#include "bench_target.h"

#include <fmt/format.h>

#include <iostream>

namespace cnfctl::bench {

engine::ContainerSpec BenchTarget::spec(const std::string& suffix,
                                        std::vector<std::string> command) const {
  engine::ContainerSpec spec;
  spec.name = root->name(kind + "-" + suffix);
  spec.image = image;
  spec.command = std::move(command);
  return spec;
}

ContainerGuard::~ContainerGuard() {
  for (const auto& name : names_) {
    try {
      if (side_ == Side::kCnfctl) {
        target_.engine->destroy(name);
      } else {
        target_.cli->destroy(name);
        target_.cli->tidy(name);
      }
    } catch (const std::exception& e) {
      std::cerr << fmt::format("cleanup of {} container {} failed: {}\n", target_.kind, name,
                               e.what());
    }
  }
}

void ContainerGuard::made(const std::string& name) {
  std::lock_guard lock(mutex_);
  names_.insert(name);
}

void ContainerGuard::removed(const std::string& name) {
  std::lock_guard lock(mutex_);
  names_.erase(name);
}

}  // namespace cnfctl::bench
