// The NF launcher (nf/launcher.h) in real runc containers of the `host` image: the container's
// init starts the NF when released from the node, with the NF's environment, its log and pid
// file where start_detached() puts them; a second start (restart) and a container whose init is
// not the launcher take the exec path; an unreleased launcher stops on SIGTERM like the idle init.
#include "nf/launcher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "common/poll.h"
#include "engine/registry.h"
#include "nf/cpu_priority.h"
#include "nf/detached.h"
#include "nf/nf_process.h"
#include "nf/node_stop.h"
#include "process/local_runner.h"

#ifndef CNFCTL_TEST_LAUNCHER
#define CNFCTL_TEST_LAUNCHER ""  // not built for this architecture: the script only
#endif

namespace cnfctl::nf {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// The launcher's two forms: the script, and the static program built beside cnfctl.
enum class Form { kScript, kBinary };

std::string form_name(const ::testing::TestParamInfo<Form>& info) {
  return info.param == Form::kScript ? "Script" : "Binary";
}

class Launcher : public ::testing::TestWithParam<Form> {
 protected:
  void SetUp() override {
    if (GetParam() == Form::kBinary && std::string(CNFCTL_TEST_LAUNCHER).empty()) {
      GTEST_SKIP() << "no static launcher here";
    }
  }

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
                             std::map<std::string, std::string> env, bool launcher,
                             NfStdin stdin_kind = NfStdin::kNull) {
    PlannedContainer c;
    c.name = name;
    c.id = "lnch" + std::to_string(::getpid()) + "-" + name;
    c.node = "local";
    c.nf.kind = topology::NfKind::kCommand;
    c.nf.argv = std::move(argv);
    c.nf.env = std::move(env);
    c.nf.stdin_kind = stdin_kind;
    engine::ContainerSpec spec;
    spec.name = c.id;
    spec.image = engine::Image{};
    if (launcher) {
      use_launcher(spec, c.nf, GetParam() == Form::kBinary ? CNFCTL_TEST_LAUNCHER : "");
    }
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

TEST_P(Launcher, StartsTheNfWhenReleasedWithItsEnvironmentLogAndPidFile) {
  auto c =
      container("nf", {"/bin/sh", "-c", "echo \"FOO=$FOO\"; echo started >&2; exec sleep 1000"},
                {{"FOO", "two words; $(touch /x)"}}, true);
  NfContext ctx{c, *engine_, runner_};
  // The container's init is the launcher of this form.
  const std::string init_argv0 =
      in(c, {"/bin/sh", "-c", "tr '\\0' '\\n' </proc/1/cmdline | head -n 1"});
  EXPECT_EQ(init_argv0, GetParam() == Form::kBinary ? std::string(kLauncherBinaryGuestPath) + "\n"
                                                    : std::string("/bin/sh\n"));
  // Not released: nothing runs but the launcher (and the script's idle sleep).
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

// NfStdin::kHeldOpen, through the launcher and then through the exec of a restart: the NF's stdin
// is a pipe with no data and no end (`cat` keeps running), no FIFO is left in the container's
// /run, and SIGTERM still stops it.
TEST_P(Launcher, AHeldOpenStdinNeverEnds) {
  const std::string script = "stat -L -c %F /proc/self/fd/0; exec cat";
  auto c = container("held", {"/bin/sh", "-c", script}, {}, true, NfStdin::kHeldOpen);
  NfContext ctx{c, *engine_, runner_};
  NfPids pids;
  for (const char* start : {"launcher", "exec"}) {
    SCOPED_TRACE(start);
    const int pid = start_nf(ctx);
    pids.remember(c.id, pid);
    ASSERT_TRUE(poll_until([&] { return pids_of(c, "cat") == std::to_string(pid) + "\n"; },
                           std::chrono::steady_clock::now() + std::chrono::seconds(10),
                           Backoff(milliseconds(1), milliseconds(50))));
    EXPECT_EQ(in(c, {"cat", kNfLogGuestPath}), "fifo\n");
    EXPECT_EQ(in(c, {"ls", "/run"}).find(".stdin"), std::string::npos);
    // Looked at from the node: nothing to read and no end of file.
    const auto init = engine_->init_pid(c.id);
    ASSERT_TRUE(init);
    const int stdin_fd = ::open(
        ("/proc/" + std::to_string(*init) + "/root/proc/" + std::to_string(pid) + "/fd/0").c_str(),
        O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(stdin_fd, 0);
    pollfd look{stdin_fd, POLLIN, 0};
    EXPECT_EQ(::poll(&look, 1, 0), 0) << "revents " << look.revents;
    ::close(stdin_fd);
    EXPECT_TRUE(pids.alive(ctx));
    stop_detached(*engine_, c.id, pid, "", milliseconds(3000));
    EXPECT_FALSE(pids.alive(ctx));
    EXPECT_EQ(pids_of(c, "cat"), "");
    EXPECT_EQ(in(c, {"rm", kNfLogGuestPath}), "");
  }
}

// stop_nf() from the node: the NF and its namesakes in the container get SIGTERM, a namesake on
// the node outside the container does not; the pid file goes; an NF deaf to SIGTERM gets SIGKILL
// after the grace; a fresh NfPids reads the pid file from the node.
TEST_P(Launcher, StopsTheNfFromTheNodeWithItsNamesakesOnly) {
  const pid_t outside = ::fork();
  ASSERT_GE(outside, 0);
  if (outside == 0) {
    ::execlp("tail", "tail", "-f", "/dev/null", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Not `sleep`: the launcher script idles in a `sleep` of its own, which a namesake stop ends
  // too (as the stop script always did), and the container with it.
  auto c =
      container("stop", {"/bin/sh", "-c", "tail -f /dev/null & exec tail -f /dev/null"}, {}, true);
  NfContext ctx{c, *engine_, runner_};
  const int pid = start_nf(ctx);
  ASSERT_TRUE(poll_until(
      [&] {
        const std::string pids = pids_of(c, "tail -f");
        return std::count(pids.begin(), pids.end(), '\n') == 2;
      },
      std::chrono::steady_clock::now() + std::chrono::seconds(10),
      Backoff(milliseconds(1), milliseconds(50))));
  NfPids fresh;
  EXPECT_EQ(fresh.pid_of(ctx), pid);
  EXPECT_EQ(pid_file_from_node(ctx), std::optional<std::optional<int>>(pid));
  stop_nf(ctx, pid, "/usr/bin/tail", milliseconds(3000));
  EXPECT_EQ(pids_of(c, "tail -f"), "");
  EXPECT_FALSE(engine_->exec(c.id, {.argv = {"test", "-e", kNfPidGuestPath}}).ok());
  EXPECT_EQ(pid_file_from_node(ctx), std::optional<std::optional<int>>(std::optional<int>()));
  EXPECT_EQ(::kill(outside, 0), 0) << "the namesake outside the container was stopped";
  ::kill(outside, SIGKILL);
  ::waitpid(outside, nullptr, 0);

  auto deaf = container("deaf", {"/bin/sh", "-c", "trap '' TERM; exec sleep 1006"}, {}, true);
  NfContext deaf_ctx{deaf, *engine_, runner_};
  start_nf(deaf_ctx);
  ASSERT_TRUE(poll_until([&] { return !pids_of(deaf, "sleep 1006").empty(); },
                         std::chrono::steady_clock::now() + std::chrono::seconds(10),
                         Backoff(milliseconds(1), milliseconds(50))));
  stop_nf(deaf_ctx, 0, "", milliseconds(200));  // the pid from the pid file
  EXPECT_EQ(pids_of(deaf, "sleep 1006"), "");
}

// The container's own cpu cgroup gets kRaiseFactor times its weight while its NF starts, and the
// weight it had back after; a moved-from or restored priority restores nothing more.
TEST_P(Launcher, RaisesTheContainersCpuWeightAndPutsItBack) {
  auto c = container("weight", {"sleep", "1007"}, {}, true);
  NfContext ctx{c, *engine_, runner_};
  // A command NF is not raised: only NFs that busy-poll once started.
  EXPECT_TRUE(CpuPriority::raise(ctx).file().empty());
  c.nf.kind = topology::NfKind::kTestpmd;
  auto read = [](const std::string& file) {
    std::ifstream in(file);
    long long value = 0;
    in >> value;
    return value;
  };
  auto priority = CpuPriority::raise(ctx);
  ASSERT_FALSE(priority.file().empty()) << "no cpu cgroup of its own found";
  EXPECT_NE(priority.file().find(c.id), std::string::npos) << priority.file();
  const long long raised = read(priority.file());
  const std::string file = priority.file();
  CpuPriority moved = std::move(priority);
  EXPECT_TRUE(priority.file().empty());
  moved.restore();
  const long long before = read(file);
  EXPECT_EQ(raised, std::min<long long>(before * kRaiseFactor,
                                        file.ends_with("cpu.shares") ? 262144 : 10000));
  EXPECT_GT(raised, before);
  moved.restore();
  EXPECT_EQ(read(file), before);
}

TEST_P(Launcher, AContainerWithoutTheLauncherGetsItsNfThroughAnExec) {
  auto c = container("idle", {"sleep", "1001"}, {}, false);
  NfContext ctx{c, *engine_, runner_};
  EXPECT_EQ(release_launcher(ctx, milliseconds(2000)), std::nullopt);
  const int pid = start_nf(ctx);
  EXPECT_EQ(pids_of(c, "sleep 1001"), std::to_string(pid) + "\n");
}

TEST_P(Launcher, AnUnreleasedLauncherStopsOnSigterm) {
  auto c = container("unreleased", {"sleep", "1002"}, {}, true);
  ASSERT_TRUE(engine_->is_running(c.id));
  // Well under the 30 s grace: only SIGTERM can have stopped it (a generous bound, not a timing
  // assertion: SIGKILL would come after 30 s).
  const auto before = std::chrono::steady_clock::now();
  engine_->stop(c.id, milliseconds(30000));
  EXPECT_FALSE(engine_->is_running(c.id));
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(25));
  EXPECT_TRUE(launcher_command(NfLaunch{}).empty());
}

INSTANTIATE_TEST_SUITE_P(Forms, Launcher, ::testing::Values(Form::kScript, Form::kBinary),
                         form_name);

// The static launcher run directly on this machine: the script's contract without a container.
class LauncherBinary : public ::testing::Test {
 protected:
  LauncherBinary() : dir_("/run/cnfctl-test/launcher-binary-" + std::to_string(::getpid())) {
    fs::create_directories(dir_);
  }
  ~LauncherBinary() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  void SetUp() override {
    if (std::string(CNFCTL_TEST_LAUNCHER).empty()) GTEST_SKIP() << "no static launcher here";
  }

  // Starts the launcher with `words` after LOG PIDFILE; returns once it waits for SIGUSR1.
  void start(std::vector<std::string> words, std::vector<std::string> env) {
    std::vector<std::string> argv = {CNFCTL_TEST_LAUNCHER, dir_ + "/log", dir_ + "/pid"};
    argv.insert(argv.end(), words.begin(), words.end());
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      std::vector<char*> args, envp;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      for (auto& e : env) envp.push_back(e.data());
      envp.push_back(nullptr);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(99);
    }
    ASSERT_TRUE(poll_until([&] { return usr1_in("SigBlk"); },
                           std::chrono::steady_clock::now() + std::chrono::seconds(10),
                           Backoff(milliseconds(1), milliseconds(20))));
    EXPECT_FALSE(usr1_in("SigCgt"));
    EXPECT_FALSE(usr1_in("SigIgn"));
  }

  bool usr1_in(const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind(field + ":", 0) == 0) {
        return (std::stoull(line.substr(field.size() + 1), nullptr, 16) >> (SIGUSR1 - 1)) & 1U;
      }
    }
    return false;
  }

  // Waits for the launcher's exit; its status.
  int exit_status() {
    int status = 0;
    EXPECT_EQ(::waitpid(pid_, &status, 0), pid_);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // Whether the NF log holds exactly `expected` within 10 s (the NF writes it after its release).
  bool log_becomes(const std::string& expected) {
    return poll_until([&] { return read("log") == expected; },
                      std::chrono::steady_clock::now() + std::chrono::seconds(10),
                      Backoff(milliseconds(1), milliseconds(20)));
  }

  std::string read(const std::string& name) {
    std::ifstream in(dir_ + "/" + name);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  std::string dir_;
  pid_t pid_ = 0;
};

TEST_F(LauncherBinary, StartsTheNfWithItsEnvironmentAndStaysTheIdleInit) {
  start({"null", "2", "FOO=new", "BAR=two words", "sh", "-c",
         "echo \"$FOO|$BAR|$KEEP\"; umask; grep -E '^Sig(Blk|Ign)' /proc/self/status"},
        {"PATH=/usr/bin:/bin", "FOO=old", "KEEP=kept"});
  ::kill(pid_, SIGUSR1);
  // The NF ends; the launcher reaps it and stays, ignoring SIGUSR1, until SIGTERM.
  EXPECT_TRUE(log_becomes(
      "new|two words|kept\n0027\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"))
      << read("log");
  EXPECT_TRUE(usr1_in("SigIgn"));
  ::kill(pid_, SIGUSR1);
  ::kill(pid_, SIGTERM);
  EXPECT_EQ(exit_status(), 0);
  EXPECT_EQ(fs::status(dir_ + "/log").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  const std::string pid = read("pid");
  ASSERT_FALSE(pid.empty());
  EXPECT_EQ(pid.back(), '\n');
  EXPECT_GT(std::stoi(pid), 1);
}

TEST_F(LauncherBinary, ExitsZeroOnSigtermAndSaysWhatItCannotRun) {
  start({"null", "0", "sleep", "1000"}, {"PATH=/usr/bin:/bin"});
  ::kill(pid_, SIGTERM);
  EXPECT_EQ(exit_status(), 0);
  EXPECT_EQ(read("pid"), "");  // never released: nothing started

  start({"null", "0", "cnfctl-no-such-program"}, {"PATH=/usr/bin:/bin"});
  ::kill(pid_, SIGUSR1);
  EXPECT_TRUE(log_becomes("cnfctl-launcher: cannot execute cnfctl-no-such-program: not found\n"))
      << read("log");
  ::kill(pid_, SIGINT);
  EXPECT_EQ(exit_status(), 0);

  start({"maybe", "0", "sleep", "1000"}, {"PATH=/usr/bin:/bin"});
  EXPECT_EQ(exit_status(), 2);  // neither "null" nor "open"
}

// STDIN "open": the NF reads a pipe whose write end the launcher holds: no data and no end of
// file while the launcher lives; its end when the launcher exits.
TEST_F(LauncherBinary, AnOpenStdinEndsOnlyWithTheLauncher) {
  start({"open", "0", "sh", "-c", "stat -L -c %F /proc/self/fd/0; cat; echo ended"},
        {"PATH=/usr/bin:/bin"});
  ::kill(pid_, SIGUSR1);
  ASSERT_TRUE(log_becomes("fifo\n")) << read("log");
  const std::string nf = read("pid");
  ASSERT_FALSE(nf.empty());
  // `cat` is the shell's child; its stdin is the shell's: look at the shell's.
  const int stdin_fd = ::open(("/proc/" + std::to_string(std::stoi(nf)) + "/fd/0").c_str(),
                              O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(stdin_fd, 0);
  pollfd look{stdin_fd, POLLIN, 0};
  EXPECT_EQ(::poll(&look, 1, 0), 0) << "revents " << look.revents;  // no data, no hang-up
  ::close(stdin_fd);
  ::kill(pid_, SIGTERM);
  EXPECT_EQ(exit_status(), 0);
  EXPECT_TRUE(log_becomes("fifo\nended\n")) << read("log");
}

}  // namespace
}  // namespace cnfctl::nf
