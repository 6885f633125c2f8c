// Issue 10 item 1: cnfctl makes the cgroup parents it relies on usable itself, whoever created
// them first. On cgroup v1 the cpuset parents (cnfctl, cnfctl/<engine>) are broken on purpose
// before `up` as another program (or an older cnfctl) may leave them: clone_children=0 (LXC's
// <name>.monitor / <name>.pivot then start with empty mems: "No space left on device - Failed to
// enter cgroup") and, where no child cgroup holds it, empty cpuset.mems and cpuset.cpus. `up`
// of pinned containers must then work, and leave the parents repaired.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "host_fixtures.h"
#include "leftovers.h"
#include "process/local_runner.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;

const char* const kCpuset = "/sys/fs/cgroup/cpuset";

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string read_value(const std::string& path) {
  return trimmed(host_fixtures::read_host_file(path));
}

// Writes `value` to a cgroup file; false when the kernel refuses (e.g. mems still used below).
bool write_value(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value << "\n";
  out.flush();
  return static_cast<bool>(out);
}

class FreshMachine : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    engine_ = GetParam();
    const std::string tool = engine_ == "oci" ? "runc" : "lxc-start";
    if (!runner_.run({.argv = {"sh", "-c", "command -v \"$0\"", tool}}).ok()) {
      GTEST_SKIP() << tool << " missing";
    }
    if (!fs::exists(std::string(kCpuset) + "/cpuset.mems")) {
      GTEST_SKIP() << "no cgroup v1 cpuset hierarchy on this machine";
    }
    char pattern[] = "/tmp/cnfctl-fresh-it.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    setenv("CNFCTL_STATE_DIR", (root_ + "/state").c_str(), 1);
    setenv("CNFCTL_RUN_DIR", (root_ + "/run").c_str(), 1);
    run_ = "fresh" + engine_ + std::to_string(::getpid());
  }

  void TearDown() override {
    if (root_.empty()) return;
    cnfctl({"down", "-q", run_});
    host_fixtures::remove_tree_with_mounts(root_);
    unsetenv("CNFCTL_STATE_DIR");
    unsetenv("CNFCTL_RUN_DIR");
  }

  process::Outcome cnfctl(std::vector<std::string> args) {
    // CNFCTL_TEST_PROGRAM: another cnfctl binary (e.g. the build before the fix).
    const char* other = std::getenv("CNFCTL_TEST_PROGRAM");
    process::Command command{.argv = {other != nullptr && *other != '\0' ? other : CNFCTL_PROGRAM}};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.timeout = std::chrono::seconds(180);
    return runner_.run(command);
  }

  std::string engine_;
  std::string root_;
  std::string run_;
  process::LocalRunner runner_;
};

TEST_P(FreshMachine, UpRepairsBrokenCpusetParents) {
  const std::vector<std::string> parents = {std::string(kCpuset) + "/cnfctl",
                                            std::string(kCpuset) + "/cnfctl/" + engine_};
  // As another program would leave them: made with mkdir, nothing inherited, nothing set.
  for (const auto& dir : parents) {
    fs::create_directories(dir);
    ASSERT_TRUE(write_value(dir + "/cgroup.clone_children", "0")) << dir;
  }
  for (auto it = parents.rbegin(); it != parents.rend(); ++it) {
    // Refused while a child cgroup (another run's container) uses them: then only the flag is
    // broken, which alone made every lxc test fail on a fresh machine.
    const bool mems = write_value(*it + "/cpuset.mems", "");
    const bool cpus = write_value(*it + "/cpuset.cpus", "");
    std::cout << "[ broke " << *it << " ] clone_children=0, mems "
              << (mems ? "emptied" : "in use, kept") << ", cpus "
              << (cpus ? "emptied" : "in use, kept") << "\n";
  }
  for (const auto& dir : parents) ASSERT_EQ(read_value(dir + "/cgroup.clone_children"), "0");

  const auto file = root_ + "/pinned.yaml";
  std::ofstream(file) << "name: " << run_ << "\nengine: " << engine_ << "\nimage: host\n"
                      << "paths:\n  socket_dir: " << root_ << "/sockets\n"
                      << "cpu:\n  policy: shared\n"
                      << "containers:\n  - prefix: cmd\n    count: 2\n"
                      << "    nf:\n      kind: command\n"
                      << "      argv: [sh, -c, 'touch /tmp/ready; exec sleep 600']\n"
                      << "      probe: [test, -e, /tmp/ready]\n";
  auto up = cnfctl({"up", file, "--name", run_, "--timeout-ready", "60s"});
  ASSERT_TRUE(up.ok()) << up.describe_status() << "\n" << up.err;
  // The containers run pinned and answer.
  auto exec =
      cnfctl({"exec", run_, "--all", "--", "grep", "Cpus_allowed_list", "/proc/self/status"});
  EXPECT_TRUE(exec.ok()) << exec.err;
  for (const auto& dir : parents) {
    EXPECT_EQ(read_value(dir + "/cgroup.clone_children"), "1") << dir;
    EXPECT_EQ(read_value(dir + "/cpuset.mems"), read_value(std::string(kCpuset) + "/cpuset.mems"))
        << dir;
    EXPECT_FALSE(read_value(dir + "/cpuset.cpus").empty()) << dir;
  }
  auto down = cnfctl({"down", run_});
  EXPECT_TRUE(down.ok()) << down.err;
  EXPECT_EQ(host_fixtures::run_leftovers({.run = run_,
                                          .state_dir = root_ + "/state",
                                          .run_dir = root_ + "/run",
                                          .dirs = {root_ + "/sockets/" + run_}}),
            std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Engines, FreshMachine, ::testing::Values("oci", "lxc"));

}  // namespace
}  // namespace cnfctl
