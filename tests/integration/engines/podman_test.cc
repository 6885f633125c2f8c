// The podman engine against the shared contract, with the `host` image (--rootfs /:O).
#include <gtest/gtest.h>

#include "engine_contract.h"

namespace cnfctl::engine::testing {
namespace {

class Podman : public ::testing::Test {
 protected:
  Podman() : root_("podman") { engine_ = make_engine("podman", runner_, options()); }
  // A failed test must not leave containers behind either.
  ~Podman() override { destroy_test_containers(*engine_, root_); }
  EngineOptions options() const {
    EngineOptions o;
    o.state_root = root_.path() + "/state";
    o.notice = [](const std::string&) {};
    return o;
  }
  EngineUnderTest host() { return {*engine_, root_, Image{}, true}; }

  process::LocalRunner runner_;
  TestRoot root_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(Podman, PinsThreeContainersWithMountsAndEnv) {
  check_pinning_mounts_and_env(host());
}
TEST_F(Podman, MountsUnderRunAndVarRun) {
  check_mounts_under_run(host());
}
TEST_F(Podman, ExecAndCopyInRoundTripBytes) {
  check_exec_and_copy_in(host());
}
TEST_F(Podman, LifecycleLeavesNothingBehind) {
  check_lifecycle_and_cleanup(host());
}
TEST_F(Podman, InfoAndLogs) {
  check_info_and_logs(host());
}

TEST_F(Podman, MissingProgramNamesThePackage) {
  check_missing_program(
      [&] {
        auto o = options();
        o.binary = "/nonexistent/podman";
        return make_engine("podman", runner_, o);
      },
      "/nonexistent/podman", "podman", "host", root_);
}

}  // namespace
}  // namespace cnfctl::engine::testing
