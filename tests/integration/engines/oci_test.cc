// The oci engine (runc) against the shared contract, with the `host` image and a busybox
// directory image.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/poll.h"
#include "engine_contract.h"

namespace cnfctl::engine::testing {
namespace {
namespace fs = std::filesystem;

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

// A command that starts nothing until released is pinned through the cgroup once the runtime
// has started it (its own `runc init` then runs on any cpu); any other command is pinned by the
// bundle before it starts, so it never sees other cpus.
TEST_F(Oci, PinsLateOnlyCommandsThatWaitForRelease) {
  const std::string out = root_.path() + "/affinity";
  std::vector<ContainerSpec> specs;
  for (bool waits : {false, true}) {
    ContainerSpec spec;
    spec.name = root_.name(waits ? "pin1" : "pin0");
    spec.cpuset_cpus = {1};
    spec.mounts = {{out, "/mnt/out", false, true}};
    // Its cpus at its own start, before anything could change them.
    spec.command = {"/bin/sh", "-c",
                    "grep Cpus_allowed_list /proc/self/status >/mnt/out/$0; exec sleep 1000",
                    spec.name};
    spec.command_waits_for_release = waits;
    engine_->acquire(spec, true);
    engine_->create(spec);
    specs.push_back(spec);
  }
  const auto config = [&](const ContainerSpec& spec) {
    return nlohmann::json::parse(
        read_host_file(root_.path() + "/state/" + spec.name + "/config.json"));
  };
  const auto init_cpus = [&](const ContainerSpec& spec) {
    auto outcome =
        engine_->exec(spec.name, {.argv = {"grep", "Cpus_allowed_list", "/proc/1/status"}});
    EXPECT_TRUE(outcome.ok()) << outcome.err;
    return outcome.out;
  };
  EXPECT_EQ(config(specs[0])["linux"]["resources"]["cpu"]["cpus"], "1");
  EXPECT_TRUE(poll_until([&] { return fs::exists(out + "/" + specs[0].name); },
                         std::chrono::steady_clock::now() + std::chrono::seconds(10),
                         Backoff(std::chrono::milliseconds(1), std::chrono::milliseconds(50))));
  EXPECT_EQ(read_host_file(out + "/" + specs[0].name), "Cpus_allowed_list:\t1\n");
  EXPECT_FALSE(config(specs[1])["linux"]["resources"].contains("cpu"));
  EXPECT_EQ(init_cpus(specs[0]), "Cpus_allowed_list:\t1\n");
  EXPECT_EQ(init_cpus(specs[1]), "Cpus_allowed_list:\t1\n");
  for (const auto& spec : specs) engine_->destroy(spec.name);
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
