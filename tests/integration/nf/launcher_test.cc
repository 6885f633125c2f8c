// The NF launcher (nf/launcher.h) in real runc containers of the `host` image: the container's
// init starts the NF when released from the node, with the NF's environment, its log and pid
// file where start_detached() puts them; a second start (restart) and a container whose init is
// not the launcher take the exec path; an unreleased launcher stops on SIGTERM like the idle init.
#include "nf/launcher.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "engine/registry.h"
#include "nf/detached.h"
#include "nf/nf_process.h"
#include "process/local_runner.h"

namespace cnfctl::nf {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class Launcher : public ::testing::Test {
 protected:
  Launcher() : root_("/run/cnfctl-test/launcher-" + std::to_string(::getpid())) {
    engine::EngineOptions options;
    options.state_root = root_ + "/state";
    options.notice = [](const std::string&) {};
    engine_ = engine::make_engine("oci", runner_, options);
  }

  ~Launcher() override {
    for (const auto& id : made_) {
      try {
        engine_->destroy(id);
      } catch (const std::exception&) {
      }
    }
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  // A container of the `host` image whose command is `command` (empty: the idle init).
  PlannedContainer container(const std::string& name, std::vector<std::string> argv,
                             std::map<std::string, std::string> env, bool launcher) {
    PlannedContainer c;
    c.name = name;
    c.id = "lnch" + std::to_string(::getpid()) + "-" + name;
    c.node = "local";
    c.nf.kind = topology::NfKind::kCommand;
    c.nf.argv = std::move(argv);
    c.nf.env = std::move(env);
    engine::ContainerSpec spec;
    spec.name = c.id;
    spec.image = engine::Image{};
    if (launcher) spec.command = launcher_command(c.nf.argv, c.nf.env);
    made_.push_back(c.id);
    engine_->acquire(spec, true);
    engine_->create(spec);
    return c;
  }

  std::string in(const PlannedContainer& c, std::vector<std::string> argv) {
    auto outcome = engine_->exec(c.id, {.argv = std::move(argv), .timeout = milliseconds(10000)});
    EXPECT_TRUE(outcome.ok()) << outcome.describe_status() << ": " << outcome.err;
    return outcome.out;
  }

  // The pids of the container's processes whose command line starts with `argv0`.
  std::string pids_of(const PlannedContainer& c, const std::string& argv0) {
    return in(c, {"/bin/sh", "-c",
                  "for d in /proc/[0-9]*; do tr '\\0' ' ' <$d/cmdline 2>/dev/null | "
                  "grep -q \"^$1\" && echo ${d#/proc/}; done; true",
                  "pids", argv0});
  }

  std::string root_;
  process::LocalRunner runner_;
  std::unique_ptr<engine::Engine> engine_;
  std::vector<std::string> made_;
};

TEST_F(Launcher, StartsTheNfWhenReleasedWithItsEnvironmentLogAndPidFile) {
  auto c =
      container("nf", {"/bin/sh", "-c", "echo \"FOO=$FOO\"; echo started >&2; exec sleep 1000"},
                {{"FOO", "two words; $(touch /x)"}}, true);
  NfContext ctx{c, *engine_, runner_};
  // Not released: nothing runs but the launcher and its idle sleep.
  EXPECT_EQ(pids_of(c, "sleep 1000"), "");
  EXPECT_FALSE(engine_->exec(c.id, {.argv = {"test", "-e", kNfPidGuestPath}}).ok());

  const int pid = start_nf(ctx);
  EXPECT_GT(pid, 1);
  EXPECT_EQ(in(c, {"cat", kNfPidGuestPath}), std::to_string(pid) + "\n");
  // The NF runs as that pid: the shell exec'd sleep.
  EXPECT_EQ(pids_of(c, "sleep 1000"), std::to_string(pid) + "\n");
  NfPids pids;
  pids.remember(c.id, pid);
  EXPECT_TRUE(pids.alive(ctx));
  EXPECT_EQ(in(c, {"cat", kNfLogGuestPath}), "FOO=two words; $(touch /x)\nstarted\n");
  EXPECT_FALSE(engine_->exec(c.id, {.argv = {"test", "-e", "/x"}}).ok());
  // Only the NF has its environment (an LD_PRELOAD must not load into the idle init), and it
  // does not inherit the launcher's ignored SIGUSR1.
  EXPECT_EQ(in(c, {"/bin/sh", "-c", "tr '\\0' '\\n' </proc/1/environ | grep -c '^FOO=' || true"}),
            "0\n");
  const std::string status = in(c, {"cat", "/proc/" + std::to_string(pid) + "/status"});
  const auto ignored = status.find("SigIgn:\t");
  ASSERT_NE(ignored, std::string::npos);
  EXPECT_EQ((std::stoull(status.substr(ignored + 8, 16), nullptr, 16) >> 9) & 1U, 0U) << status;
  // The NF's files are not world-accessible (umask 027, as start_detached's script).
  EXPECT_EQ(in(c, {"stat", "-c", "%a", kNfLogGuestPath}), "640\n");

  // A restart: the launcher is used up, so the second start is an exec, and works.
  stop_detached(*engine_, c.id, pid, "", milliseconds(3000));
  EXPECT_EQ(pids_of(c, "sleep 1000"), "");
  EXPECT_EQ(release_launcher(ctx, milliseconds(2000)), std::nullopt);
  const int again = start_nf(ctx);
  EXPECT_NE(again, pid);
  EXPECT_EQ(pids_of(c, "sleep 1000"), std::to_string(again) + "\n");
}

TEST_F(Launcher, AContainerWithoutTheLauncherGetsItsNfThroughAnExec) {
  auto c = container("idle", {"sleep", "1001"}, {}, false);
  NfContext ctx{c, *engine_, runner_};
  EXPECT_EQ(release_launcher(ctx, milliseconds(2000)), std::nullopt);
  const int pid = start_nf(ctx);
  EXPECT_EQ(pids_of(c, "sleep 1001"), std::to_string(pid) + "\n");
}

TEST_F(Launcher, AnUnreleasedLauncherStopsOnSigterm) {
  auto c = container("unreleased", {"sleep", "1002"}, {}, true);
  ASSERT_TRUE(engine_->is_running(c.id));
  // Well under the 30 s grace: only SIGTERM can have stopped it (a generous bound, not a timing
  // assertion: SIGKILL would come after 30 s).
  const auto before = std::chrono::steady_clock::now();
  engine_->stop(c.id, milliseconds(30000));
  EXPECT_FALSE(engine_->is_running(c.id));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(25));
  EXPECT_TRUE(launcher_command({}, {}).empty());
}

}  // namespace
}  // namespace cnfctl::nf
