// The docker engine against the shared contract: a private dockerd per test (started here,
// stopped at the end), with the `host` image (a skeleton imported from bytes plus read-only binds
// of the node's OS) and a busybox root filesystem imported offline.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "engine/docker_engine.h"
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
  EngineUnderTest host() { return {*engine_, root_, Image{}, true}; }

  // The docker CLI against this test's daemon; its stdout split into lines.
  std::vector<std::string> docker_lines(std::vector<std::string> args) {
    std::vector<std::string> argv = {"docker", "--host", dockerd_.host()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto outcome = runner_.run({.argv = argv});
    EXPECT_TRUE(outcome.ok()) << outcome.describe_status() << outcome.err;
    std::vector<std::string> lines;
    std::istringstream in(outcome.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  }
  // "repository:tag" of every image, dangling ones as "<none>:<none>".
  std::vector<std::string> images() {
    return docker_lines({"image", "ls", "--all", "--format", "{{.Repository}}:{{.Tag}}"});
  }
  std::vector<std::string> containers() {
    return docker_lines({"ps", "--all", "--format", "{{.Names}}"});
  }
  std::string image_id(const std::string& image) {
    auto lines = docker_lines({"image", "inspect", "--format", "{{.Id}}", image});
    return lines.empty() ? std::string() : lines.front();
  }
  // The one skeleton tag among the images (empty when there is none or several).
  std::string skeleton_tag() {
    std::string tag;
    for (const auto& image : images()) {
      if (image.rfind("cnfctl/host-skeleton:", 0) != 0) continue;
      if (!tag.empty()) return {};
      tag = image;
    }
    return tag;
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

TEST_F(Docker, HostImagePinsThreeContainersWithMountsAndEnv) {
  check_pinning_mounts_and_env(host());
}
TEST_F(Docker, HostImageMountsUnderRunAndVarRun) {
  check_mounts_under_run(host());
}
TEST_F(Docker, HostImageExecAndCopyInRoundTripBytes) {
  check_exec_and_copy_in(host());
}
TEST_F(Docker, HostImageLifecycleLeavesNothingBehind) {
  check_lifecycle_and_cleanup(host());
}
TEST_F(Docker, HostImageInfoAndLogs) {
  check_info_and_logs(host());
}

// The node's OS read-only, everything written elsewhere in private scratch: the container's own
// layer (/root, /var) or its tmpfs (/tmp, /run), never the node's directories.
TEST_F(Docker, HostImageWritesLandInPrivateScratchAndTheOsIsReadOnly) {
  auto spec = test_spec(host(), "exec");
  engine_->acquire(spec, true);
  engine_->create(spec);
  const std::string marker = "cnfctl-docker-scratch-" + std::to_string(::getpid());
  for (const std::string dir : {"/root", "/var", "/var/tmp", "/tmp", "/run", "/var/run"}) {
    const std::string path = dir + "/" + marker;
    auto write = engine_->exec(spec.name, {.argv = {"/bin/sh", "-c", "echo x > \"$0\"", path}});
    EXPECT_TRUE(write.ok()) << path << ": " << write.err;
    EXPECT_EQ(engine_->exec(spec.name, {.argv = {"cat", path}}).out, "x\n") << path;
    EXPECT_FALSE(std::filesystem::exists(path)) << path << " reached the host";
  }
  for (const std::string dir : {"/usr", "/etc", "/usr/bin", "/bin", "/lib"}) {
    const std::string path = dir + "/" + marker;
    auto refused = engine_->exec(spec.name, {.argv = {"touch", path}});
    EXPECT_FALSE(refused.ok()) << path << " is writable";
    EXPECT_NE(refused.err.find("Read-only file system"), std::string::npos) << refused.err;
    EXPECT_FALSE(std::filesystem::exists(path)) << path;
  }
  // The node's programs, through its merged-/usr symlinks, and PID 1 is the node's init.
  EXPECT_TRUE(engine_->exec(spec.name, {.argv = {"/bin/sh", "-c", "test -x /bin/sh"}}).ok());
  auto pid1 = engine_->exec(spec.name, {.argv = {"cat", "/proc/1/cmdline"}});
  EXPECT_NE(pid1.out.find("init"), std::string::npos) << pid1.out;
  auto mounts = engine_->exec(spec.name, {.argv = {"cat", "/proc/self/mounts"}});
  EXPECT_NE(mounts.out.find(" /tmp tmpfs "), std::string::npos) << mounts.out;
  EXPECT_NE(mounts.out.find(" /run tmpfs "), std::string::npos) << mounts.out;
  engine_->destroy(spec.name);
}

// DPDK testpmd starts in a host-image container (SPEC §6 flags) and forwards on a null vdev.
TEST_F(Docker, HostImageRunsTestpmd) {
  if (::access("/usr/bin/dpdk-testpmd", X_OK) != 0) GTEST_SKIP() << "dpdk-testpmd missing";
  auto spec = test_spec(host(), "priv");
  spec.privileged = true;
  spec.cpuset_cpus = {0};
  engine_->acquire(spec, true);
  engine_->create(spec);
  auto run = engine_->exec(
      spec.name,
      {.argv = {"timeout", "-s", "INT", "3", "dpdk-testpmd", "--no-huge", "-m", "512", "--no-pci",
                "--file-prefix=" + spec.name, "--lcores", "0@0,1@0", "--vdev=net_null0", "--",
                "--forward-mode=io", "--total-num-mbufs=32768", "--stats-period", "1"},
       .timeout = std::chrono::seconds(30)});
  const std::string text = run.out + run.err;
  EXPECT_NE(text.find("RX-packets:"), std::string::npos) << text;
  EXPECT_NE(text.find("Bye..."), std::string::npos) << text;
  engine_->destroy(spec.name);
}

// Containers share one skeleton image, built once; destroying one keeps it for the others;
// destroying all leaves nothing but the cached skeleton.
TEST_F(Docker, HostImageDestroyLeavesOnlyTheCachedSkeleton) {
  auto first = test_spec(host(), "pin0");
  auto second = test_spec(host(), "pin1");
  for (const auto& spec : {first, second}) {
    engine_->acquire(spec, false);
    engine_->create(spec);
  }
  const std::string tag = skeleton_tag();
  ASSERT_FALSE(tag.empty()) << ::testing::PrintToString(images());
  EXPECT_EQ(images(), std::vector<std::string>{tag});
  engine_->destroy(first.name);
  EXPECT_EQ(images(), std::vector<std::string>{tag});
  EXPECT_TRUE(engine_->is_running(second.name));
  EXPECT_TRUE(engine_->exec(second.name, {.argv = {"true"}}).ok());
  engine_->destroy(second.name);
  EXPECT_EQ(containers(), std::vector<std::string>{});
  EXPECT_EQ(images(), std::vector<std::string>{tag});
  EXPECT_EQ(docker_lines({"volume", "ls", "--quiet"}), std::vector<std::string>{});
  // Reused as it is by a later engine (a later `up`): the same image, not a new import.
  const std::string id = image_id(tag);
  auto later = make_engine("docker", runner_, options());
  later->acquire(first, false);
  later->create(first);
  EXPECT_EQ(image_id(tag), id);
  later->destroy(first.name);
  EXPECT_EQ(images(), std::vector<std::string>{tag});
}

// acquire(force) rebuilds the skeleton (once per engine object); the replaced image goes as soon
// as no container uses it.
TEST_F(Docker, HostImageForceRebuildsTheSkeletonAndDropsTheOldOne) {
  auto user = test_spec(host(), "pin0");
  engine_->acquire(user, true);
  engine_->create(user);
  const std::string tag = skeleton_tag();
  ASSERT_FALSE(tag.empty());
  const std::string old_id = image_id(tag);

  auto rebuilt = make_engine("docker", runner_, options());
  auto other = test_spec(host(), "pin1");
  rebuilt->acquire(other, true);
  const std::string new_id = image_id(tag);
  EXPECT_NE(new_id, old_id);
  // Still used by `user`: kept, untagged.
  EXPECT_EQ(images().size(), 2U) << ::testing::PrintToString(images());
  rebuilt->create(other);
  rebuilt->acquire(other, true);  // the second force of this engine object reuses its rebuild
  rebuilt->create(other);
  EXPECT_EQ(image_id(tag), new_id);

  engine_->destroy(user.name);
  EXPECT_EQ(images(), std::vector<std::string>{tag});
  rebuilt->destroy(other.name);
  EXPECT_EQ(images(), std::vector<std::string>{tag});
  EXPECT_EQ(containers(), std::vector<std::string>{});
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

// Issue 10 item 9 (a guard; the bug did not reproduce here): a dockerd killed while it started a
// container may come back with the container recorded as not running while containerd still
// runs its task (a live shim, the container's processes and cgroup). Made here on purpose: a
// container docker created, and a task of that id in containerd's `moby` namespace. destroy()
// (docker's own `rm --force`, as of docker.io 20.10) must leave no containerd container, task,
// shim or cgroup dir of that id.
TEST_F(Docker, DestroyRemovesATaskContainerdRunsForAContainerTheDaemonThinksStopped) {
  process::LocalRunner runner;
  if (!runner.run({.argv = {"sh", "-c", "command -v ctr"}}).ok()) GTEST_SKIP() << "ctr missing";
  auto spec = test_spec(busybox(), "run");
  engine_->acquire(spec, true);
  const std::string image = DockerEngine::imported_tag(root_.path() + "/busybox");
  docker_lines({"create", "--name", spec.name, image, "sleep", "600"});
  const std::string id = engine_->inspect(spec.name).id;
  ASSERT_FALSE(id.empty());
  const std::string socket = host_fixtures::managed_containerd_socket(dockerd_.exec_root());
  auto ctr = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"ctr", "--address", socket, "--namespace", "moby"};
    argv.insert(argv.end(), args.begin(), args.end());
    return runner.run({.argv = argv, .timeout = std::chrono::seconds(60)});
  };
  auto started = ctr({"run", "--detach", "--rootfs", "--cgroup", "/cnfctl/docker/" + id,
                      root_.path() + "/busybox", id, "/bin/sleep", "600"});
  ASSERT_TRUE(started.ok()) << started.describe_status() << started.err;
  ASSERT_FALSE(ctr({"tasks", "list", "--quiet"}).out.empty());

  engine_->destroy(spec.name);
  EXPECT_EQ(containers(), std::vector<std::string>{});
  EXPECT_EQ(ctr({"containers", "list", "--quiet"}).out, "");
  EXPECT_EQ(ctr({"tasks", "list", "--quiet"}).out, "");
  EXPECT_EQ(host_fixtures::docker_leftovers(dockerd_.host(), socket, spec.name),
            std::vector<std::string>{});
  EXPECT_EQ(cgroup_dirs_matching({id}), std::vector<std::string>{});
}

// CI failure of the kill suite (down killed at 205 ms, then `down` exit 1): a killed `docker rm`
// leaves dockerd removing the container, and the next `rm` of it answers "removal of container
// ... is already in progress". destroy() then waits for the daemon's removal instead of failing.
// Many files in the container's writable layer make the daemon's removal long (as a busy NF's
// scratch does), and the kill moments sweep it, so some of them land inside it.
TEST_F(Docker, DestroyWaitsForARemovalAKilledCliLeftInTheDaemon) {
  auto spec = test_spec(busybox(), "run");
  engine_->acquire(spec, true);
  int killed_inside = 0;
  for (int delay_ms = 20; delay_ms <= 80; delay_ms += 20) {
    engine_->create(spec);
    auto filled = engine_->exec(
        spec.name,
        {.argv = {"sh", "-c", "mkdir /scratch && cd /scratch && seq 20000 | xargs touch"}});
    ASSERT_TRUE(filled.ok()) << filled.describe_status() << filled.err;
    std::vector<std::string> args = {"docker", "--host",  dockerd_.host(),
                                     "rm",     "--force", spec.name};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(::posix_spawnp(&pid, "docker", nullptr, nullptr, argv.data(), environ), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      if (engine_->inspect(spec.name).present) ++killed_inside;
    }
    EXPECT_NO_THROW(engine_->destroy(spec.name)) << "rm killed after " << delay_ms << " ms";
    EXPECT_EQ(containers(), std::vector<std::string>{}) << "rm killed after " << delay_ms << " ms";
  }
  std::cout << "[ docker ] " << killed_inside << " of 4 kills left a removal in the daemon\n";
}

}  // namespace
}  // namespace cnfctl::engine::testing
