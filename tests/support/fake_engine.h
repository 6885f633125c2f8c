// Test support: an Engine whose exec() answers from a function the test gives, recording every
// call, for driver tests that must not run containers.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace cnfctl::nf::testing {

class FakeEngine : public engine::Engine {
 public:
  using ExecAnswer = std::function<process::Outcome(const engine::ExecRequest&)>;

  /// exec() answers with `answer`; by default every program exits 0 with no output.
  explicit FakeEngine(ExecAnswer answer = {}) : answer_(std::move(answer)) {}

  /// The argv of every exec, in order.
  std::vector<std::vector<std::string>> execs() {
    std::lock_guard lock(mutex_);
    return execs_;
  }
  static process::Outcome exited(int code, std::string out = "") {
    process::Outcome o;
    o.status = process::Outcome::Status::kExited;
    o.exit_code = code;
    o.out = std::move(out);
    return o;
  }

  std::string kind() const override { return "fake"; }
  std::string node() const override { return "local"; }
  engine::NodePreparation prepare_node() override { return {}; }
  void acquire(const engine::ContainerSpec&, bool) override {}
  void build(const engine::ContainerSpec&) override {}
  void create(const engine::ContainerSpec&) override {}
  process::Outcome exec(const std::string&, const engine::ExecRequest& request) override {
    {
      std::lock_guard lock(mutex_);
      execs_.push_back(request.argv);
    }
    return answer_ ? answer_(request) : exited(0);
  }
  void copy_in(const std::string&, const std::string&, const std::string&, unsigned) override {}
  void stop(const std::string&, std::chrono::milliseconds) override {}
  void destroy(const std::string&) override {}
  engine::ContainerInfo inspect(const std::string& name) override {
    engine::ContainerInfo info;
    info.name = name;
    info.present = info.running = true;
    return info;
  }
  /// Running, with an init the node cannot see (no such pid): NfPids::alive then asks through
  /// exec(), which the test answers.
  std::optional<int> init_pid(const std::string&) override { return 2147483647; }
  engine::SystemInfo system_info() override { return {}; }
  bool is_present(const std::string&) override { return true; }
  bool is_running(const std::string&) override { return true; }
  std::string logs(const std::string&) override { return ""; }

 private:
  ExecAnswer answer_;
  std::mutex mutex_;
  std::vector<std::vector<std::string>> execs_;
};

}  // namespace cnfctl::nf::testing
