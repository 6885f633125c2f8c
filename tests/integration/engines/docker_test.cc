// The docker engine against the shared contract: a private dockerd per test process (started
// here, stopped at the end), a busybox root filesystem imported offline.
#include <gtest/gtest.h>

#include "common/error.h"
#include "engine_contract.h"

namespace cnfctl::engine::testing {
namespace {

class Docker : public ::testing::Test {
 protected:
  Docker() : root_("docker"), dockerd_(root_.path() + "/dockerd") {
    make_busybox_rootfs(root_.path() + "/busybox");
    engine_ = make_engine("docker", runner_, options());
  }
  // Containers first, then the daemon (its destructor), then the directories.
  ~Docker() override { destroy_test_containers(*engine_, root_); }
  EngineOptions options() const {
    EngineOptions o;
    o.state_root = root_.path() + "/state";
    o.daemon_host = dockerd_.host();
    o.notice = [this](const std::string& text) { notices_.push_back(text); };
    return o;
  }
  EngineUnderTest busybox() {
    return {*engine_, root_, Image::parse("dir:" + root_.path() + "/busybox"), true};
  }

  process::LocalRunner runner_;
  TestRoot root_;
  PrivateDockerd dockerd_;
  mutable std::vector<std::string> notices_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(Docker, PinsThreeContainersWithMountsAndEnv) {
  check_pinning_mounts_and_env(busybox());
}
TEST_F(Docker, ExecAndCopyInRoundTripBytes) {
  check_exec_and_copy_in(busybox());
}
TEST_F(Docker, LifecycleLeavesNothingBehind) {
  check_lifecycle_and_cleanup(busybox());
}
TEST_F(Docker, InfoAndLogs) {
  check_info_and_logs(busybox());
}

TEST_F(Docker, PrivilegedFallsBackToExplicitCapabilitiesOnce) {
  auto spec = test_spec(busybox(), "priv");
  spec.privileged = true;
  engine_->acquire(spec, true);
  engine_->create(spec);
  auto caps = engine_->exec(spec.name, {.argv = {"grep", "CapEff", "/proc/self/status"}});
  EXPECT_TRUE(caps.ok()) << caps.err;
  EXPECT_NE(caps.out.find("CapEff:"), std::string::npos);
  engine_->destroy(spec.name);
  engine_->acquire(spec, true);
  engine_->create(spec);
  engine_->destroy(spec.name);
  const bool kernel_lacks_caps =
      read_host_file("/proc/self/status").find("CapBnd:\t000001ffffffffff") == std::string::npos;
  EXPECT_EQ(notices_.size(), kernel_lacks_caps ? 1U : 0U);
}

TEST_F(Docker, MissingCliOrDaemonIsAClearError) {
  check_missing_program(
      [&] {
        auto o = options();
        o.binary = "/nonexistent/docker";
        return make_engine("docker", runner_, o);
      },
      "/nonexistent/docker", "docker.io", "dir:" + root_.path() + "/busybox", root_);
  auto o = options();
  o.daemon_host = "unix://" + root_.path() + "/no-daemon.sock";
  auto engine = make_engine("docker", runner_, o);
  try {
    engine->system_info();
    ADD_FAILURE() << "no daemon, yet system_info worked";
  } catch (const Error& e) {
    std::string text = e.what();
    EXPECT_NE(text.find("docker daemon is not reachable"), std::string::npos) << text;
    EXPECT_NE(text.find("no-daemon.sock"), std::string::npos) << text;
    EXPECT_NE(text.find("apt-get install docker.io"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace cnfctl::engine::testing
