// The oci engine (runc) against the shared contract, with the `host` image and a busybox
// directory image.
#include <gtest/gtest.h>

#include "engine_contract.h"

namespace cnfctl::engine::testing {
namespace {

class Oci : public ::testing::Test {
 protected:
  Oci() : root_("oci") { engine_ = make_engine("oci", runner_, options()); }
  // A failed test must not leave containers behind either.
  ~Oci() override { destroy_test_containers(*engine_, root_); }
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

TEST_F(Oci, PinsThreeContainersWithMountsAndEnv) {
  check_pinning_mounts_and_env(host());
}
TEST_F(Oci, MountsUnderRunAndVarRun) {
  check_mounts_under_run(host());
}
TEST_F(Oci, ExecAndCopyInRoundTripBytes) {
  check_exec_and_copy_in(host());
}
TEST_F(Oci, LifecycleLeavesNothingBehind) {
  check_lifecycle_and_cleanup(host());
}
TEST_F(Oci, InfoAndLogs) {
  check_info_and_logs(host());
}

TEST_F(Oci, BusyboxDirectoryImage) {
  make_busybox_rootfs(root_.path() + "/busybox");
  EngineUnderTest t{*engine_, root_, Image::parse("dir:" + root_.path() + "/busybox")};
  check_exec_and_copy_in(t);
  check_lifecycle_and_cleanup(t);
}

TEST_F(Oci, MissingRuntimeNamesThePackage) {
  check_missing_program(
      [&] {
        auto o = options();
        o.binary = "/nonexistent/runc";
        return make_engine("oci", runner_, o);
      },
      "/nonexistent/runc", "runc", "host", root_);
}

}  // namespace
}  // namespace cnfctl::engine::testing
