// The oci engine reads a container's state from the runtime's own state file and /proc, for runc
// and crun alike. The runtime binary here does not exist: any runtime call would fail the test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/oci_engine.h"
#include "engine/registry.h"
#include "process/local_runner.h"
#include "support/temp_dir.h"

namespace cnfctl::engine {
namespace {

namespace fs = std::filesystem;

// Field 22 of /proc/self/stat: this process's start time, what both runtimes record.
unsigned long long own_start_time() {
  std::ifstream in("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) fields >> field;
  return std::stoull(field);
}

struct Layout {
  const char* runtime;
  const char* file;
  const char* pid_key;
  const char* start_key;
};

class OciState : public ::testing::TestWithParam<Layout> {
 protected:
  void SetUp() override {
    EngineOptions options;
    options.state_root = root_;
    options.binary = root_ + "/missing/" + GetParam().runtime;
    engine_ = std::make_unique<OciEngine>(runner_, options);
  }
  // The runtime's state dir of container `name` with a state file naming `pid` started at `start`.
  std::string write_state(const std::string& name, int pid, unsigned long long start) {
    const std::string dir = root_ + "/runtime/" + name;
    fs::create_directories(dir);
    std::ofstream(dir + "/" + GetParam().file)
        << "{\"" << GetParam().pid_key << "\": " << pid << ", \"" << GetParam().start_key
        << "\": " << start << ", \"bundle\": \"/x\"}";
    return dir;
  }

  nf::testing::TempDir temp_{"cnfctl-oci-state"};
  const std::string root_ = temp_.path();
  process::LocalRunner runner_;
  std::unique_ptr<OciEngine> engine_;
};

TEST_P(OciState, RunningCreatedStoppedAndAbsentWithoutAskingTheRuntime) {
  EXPECT_FALSE(engine_->is_present("none"));
  EXPECT_FALSE(engine_->is_running("none"));

  write_state("alive", ::getpid(), own_start_time());
  EXPECT_TRUE(engine_->is_present("alive"));
  EXPECT_TRUE(engine_->is_running("alive"));

  // Created, not started: the exec.fifo is still there.
  const auto created = write_state("created", ::getpid(), own_start_time());
  std::ofstream(created + "/exec.fifo") << "";
  EXPECT_TRUE(engine_->is_present("created"));
  EXPECT_FALSE(engine_->is_running("created"));

  // The pid lives, but it is another process than the one recorded (pid reuse): stopped.
  write_state("reused", ::getpid(), own_start_time() + 1);
  EXPECT_TRUE(engine_->is_present("reused"));
  EXPECT_FALSE(engine_->is_running("reused"));
}

INSTANTIATE_TEST_SUITE_P(
    Runtimes, OciState,
    ::testing::Values(Layout{"runc", "state.json", "init_process_pid", "init_process_start"},
                      Layout{"crun", "status", "pid", "process-start-time"}),
    [](const auto& param_info) { return std::string(param_info.param.runtime); });

}  // namespace
}  // namespace cnfctl::engine
