// Test support: a Runner that runs commands on this machine (through a LocalRunner) without
// being a LocalRunner, so nf::is_local_node() says "remote" and drivers take the path they take
// for SSH nodes. It records every command and can change them before they run.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "process/local_runner.h"
#include "process/runner.h"

namespace cnfctl::testpmd::testing {

class LikeRemoteRunner : public process::Runner {
 public:
  /// `edit` may change each command before it runs (e.g. its PATH).
  explicit LikeRemoteRunner(std::function<void(process::Command&)> edit = {})
      : edit_(std::move(edit)) {}

  process::Outcome run(const process::Command& command) override {
    process::Command copy = command;
    if (edit_) edit_(copy);
    {
      std::lock_guard lock(mutex_);
      commands_.push_back(copy);
    }
    return local_.run(copy);
  }
  std::vector<process::Outcome> run_all(const std::vector<process::Command>& commands,
                                        std::size_t) override {
    std::vector<process::Outcome> outcomes;
    for (const auto& command : commands) outcomes.push_back(run(command));
    return outcomes;
  }
  std::string name() const override { return "like-remote"; }

  /// Every command run so far (after `edit`).
  std::vector<process::Command> commands() const {
    std::lock_guard lock(mutex_);
    return commands_;
  }

 private:
  std::function<void(process::Command&)> edit_;
  process::LocalRunner local_;
  mutable std::mutex mutex_;
  std::vector<process::Command> commands_;
};

}  // namespace cnfctl::testpmd::testing
