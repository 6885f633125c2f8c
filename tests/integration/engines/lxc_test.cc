// The lxc engine against the shared contract, with the `host` image (overlay, -t none).
#include <gtest/gtest.h>

#include <filesystem>

#include "engine_contract.h"

namespace cnfctl::engine::testing {
namespace {

class Lxc : public ::testing::Test {
 protected:
  Lxc() : root_("lxc") { engine_ = make_engine("lxc", runner_, options()); }
  // A failed test must not leave containers behind either.
  ~Lxc() override { destroy_test_containers(*engine_, root_); }
  EngineOptions options() const {
    EngineOptions o;
    o.state_root = root_.path() + "/state";
    o.notice = [](const std::string&) {};
    return o;
  }
  EngineUnderTest host() { return {*engine_, root_, Image{}}; }

  process::LocalRunner runner_;
  TestRoot root_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(Lxc, PinsThreeContainersWithMountsAndEnv) {
  check_pinning_mounts_and_env(host());
}
TEST_F(Lxc, MountsUnderRunAndVarRun) {
  check_mounts_under_run(host());
}
TEST_F(Lxc, ExecAndCopyInRoundTripBytes) {
  check_exec_and_copy_in(host());
}
TEST_F(Lxc, LifecycleLeavesNothingBehind) {
  check_lifecycle_and_cleanup(host());
  // LXC's own leftovers (SPEC §5): the lock under /run/lxc/lock for our lxcpath.
  EXPECT_FALSE(
      std::filesystem::exists("/run/lxc/lock" + root_.path() + "/state/" + root_.name("life")));
}
TEST_F(Lxc, InfoAndLogs) {
  check_info_and_logs(host());
}

TEST_F(Lxc, MissingToolsNameThePackage) {
  check_missing_program(
      [&] {
        auto o = options();
        o.lxc_tools_dir = "/nonexistent";
        return make_engine("lxc", runner_, o);
      },
      "/nonexistent/lxc-", "lxc", "host", root_);
}

}  // namespace
}  // namespace cnfctl::engine::testing
