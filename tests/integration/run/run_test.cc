// The cnfctl program driving real runs (oci engine, `host` image, root): every test ends with
// a check that nothing of its run is left on this machine.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "integration/engines/engine_harness.h"
#include "process/local_runner.h"
#include "run/journal.h"
#include "support/host_fixtures.h"
#include "support/leftovers.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The `resources` object of `up --json` / `down --json` (cnfctl's own getrusage): every field a
// number, CPU non-negative and below the wall time of a test-sized run (10 min), the peak RSS of
// a C++ program (more than 1 MB, less than 1 GB).
void expect_sane_resources(const nlohmann::json& summary, const std::string& command) {
  ASSERT_TRUE(summary.contains("resources")) << command << ": " << summary.dump();
  const auto& r = summary["resources"];
  for (const char* key : {"cpu_self_ms", "cpu_children_ms", "max_rss_kb"}) {
    ASSERT_TRUE(r.contains(key) && r[key].is_number()) << command << " " << key << ": " << r;
  }
  EXPECT_GT(r["cpu_self_ms"].get<double>(), 0.0) << command << ": " << r;
  EXPECT_LT(r["cpu_self_ms"].get<double>(), 600000.0) << command << ": " << r;
  // Every step ran an engine CLI (runc), a waited-for child.
  EXPECT_GT(r["cpu_children_ms"].get<double>(), 0.0) << command << ": " << r;
  EXPECT_LT(r["cpu_children_ms"].get<double>(), 600000.0) << command << ": " << r;
  EXPECT_GT(r["max_rss_kb"].get<double>(), 1024.0) << command << ": " << r;
  EXPECT_LT(r["max_rss_kb"].get<double>(), 1024.0 * 1024.0) << command << ": " << r;
}

class RunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    char pattern[] = "/tmp/cnfctl-run-it.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    setenv("CNFCTL_STATE_DIR", (root_ + "/state").c_str(), 1);
    setenv("CNFCTL_RUN_DIR", (root_ + "/run").c_str(), 1);
    marker_ = std::to_string(40000 + ::getpid() % 20000);
  }

  void TearDown() override {
    if (root_.empty()) return;
    // Whatever a failed test left: down every run, then remove the scratch dir.
    for (const auto& run : runs_) cnfctl({"down", "-q", run});
    engine::testing::remove_tree_with_mounts(root_);
    unsetenv("CNFCTL_STATE_DIR");
    unsetenv("CNFCTL_RUN_DIR");
    unsetenv("DOCKER_HOST");
  }

  process::Outcome cnfctl(std::vector<std::string> args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
    process::Command command;
    command.argv = {CNFCTL_PROGRAM};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.timeout = timeout;
    return runner_.run(command);
  }

  // A topology of `count` command NFs; `probe` is the readiness command.
  std::string command_topology(const std::string& run, int count, const std::string& probe) {
    runs_.push_back(run);
    const auto path = root_ + "/" + run + ".yaml";
    std::ofstream(path) << "name: " << run << "\nengine: oci\nimage: host\n"
                        << "paths:\n  socket_dir: " << root_ << "/sockets\n"
                        << "cpu:\n  policy: none\n"
                        << "containers:\n  - prefix: cmd\n    count: " << count << "\n"
                        << "    nf:\n      kind: command\n"
                        << "      argv: [sh, -c, 'echo nf-log-" << marker_
                        << "; touch /tmp/ready; exec sleep " << marker_ << "']\n"
                        << "      probe: " << probe << "\n";
    return path;
  }

  // Everything of `run` still on this machine; empty when nothing is left.
  std::vector<std::string> leftovers(const std::string& run) {
    return host_fixtures::run_leftovers({.run = run,
                                         .state_dir = root_ + "/state",
                                         .run_dir = root_ + "/run",
                                         .dirs = {root_ + "/sockets/" + run},
                                         .process_markers = {"sleep " + marker_}});
  }

  // Starts `cnfctl up FILE --name RUN EXTRA...` paused at `point` (CNFCTL_TEST_PAUSE_AT), waits
  // until it stopped itself, then kills it with SIGKILL.
  void kill_up_at(const std::string& file, const std::string& run, const std::string& point,
                  const std::vector<std::string>& extra) {
    const auto log = root_ + "/" + run + ".log";
    std::vector<std::string> args = {CNFCTL_PROGRAM, "up", file, "--name", run};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      setenv("CNFCTL_TEST_PAUSE_AT", point.c_str(), 1);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(CNFCTL_PROGRAM, argv.data());
      ::_exit(127);
    }
    bool stopped = false;
    for (int i = 0; i < 6000 && !stopped; ++i) {
      auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
      auto close = stat.rfind(')');
      stopped = close != std::string::npos && stat.size() > close + 2 && stat[close + 2] == 'T';
      if (!stopped) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(stopped) << "up never paused at " << point << ":\n" << read_file(log);
  }

  // Starts `cnfctl up ARGS...` in its own process group (as a shell starts a foreground job, so
  // kill(-pid) is what a terminal's Ctrl-C does), output to <root>/<log>.
  pid_t start_up(const std::vector<std::string>& up_args, const std::string& log) {
    std::vector<std::string> args = {CNFCTL_PROGRAM, "up"};
    args.insert(args.end(), up_args.begin(), up_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(CNFCTL_PROGRAM, argv.data());
      ::_exit(127);
    }
    if (pid > 0) ::setpgid(pid, pid);  // both sides: no race with the kill below
    return pid;
  }

  // The run's journal as JSON (journal.json with its log folded in, as cnfctl reads it), or
  // null when there is none.
  nlohmann::json journal_of(const std::string& run) {
    return run::read_journal_json(root_ + "/state/runs/" + run);
  }

  // Waits up to `limit` for `pid` to exit; its wait status, or nullopt (then it was killed).
  std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid, &status, WNOHANG) == pid) return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return std::nullopt;
  }

  std::string root_;
  std::string marker_;
  std::vector<std::string> runs_;
  process::LocalRunner runner_;
};

TEST_F(RunTest, CommandNfsUpPsExecLogsRestartDownLeaveNothing) {
  const std::string run = "itcmd" + marker_;
  auto file = command_topology(run, 3, "[test, -e, /tmp/ready]");
  auto up = cnfctl({"up", file, "--json"});
  ASSERT_TRUE(up.ok()) << up.describe_status() << "\n" << up.err;
  auto summary = nlohmann::json::parse(up.out);
  ASSERT_EQ(summary["containers"].size(), 3u);
  for (const auto& c : summary["containers"]) EXPECT_EQ(c["state"], "ready");
  EXPECT_NE(up.err.find("cmd1: container running"), std::string::npos) << up.err;
  expect_sane_resources(summary, "up");

  auto again = cnfctl({"up", file});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;

  auto ps = cnfctl({"ps", run, "--json"});
  ASSERT_TRUE(ps.ok()) << ps.err;
  // Parsed into a local: a range-for over a member of parse()'s temporary reads freed memory.
  const auto listed = nlohmann::json::parse(ps.out);
  ASSERT_EQ(listed.at(0).at("containers").size(), 3u) << ps.out;
  for (const auto& c : listed[0]["containers"]) {
    EXPECT_EQ(c["running"], true);
    EXPECT_EQ(c["nf_ready"], true);
    // The journal's NF pid is the one the NF's pid file inside the container holds.
    ASSERT_TRUE(c["nf_pid"].is_number_integer()) << c.dump();
    auto pid_file = cnfctl({"exec", run, c["name"], "--", "cat", "/run/cnfctl-nf.pid"});
    EXPECT_EQ(pid_file.out, std::to_string(c["nf_pid"].get<int>()) + "\n") << pid_file.err;
    // On this machine the container's init is the static launcher built beside cnfctl.
    auto init = cnfctl({"exec", run, c["name"], "--", "head", "-c", "17", "/proc/1/cmdline"});
    EXPECT_EQ(init.out, "/.cnfctl-launcher") << init.err;
  }
  auto exec = cnfctl({"exec", run, "cmd2", "--", "sh", "-c", "echo $MICROSERVICE_LABEL; exit 7"});
  EXPECT_EQ(exec.exit_code, 7);
  EXPECT_EQ(exec.out, run + "-cmd2\n");
  auto all = cnfctl({"exec", run, "--all", "--", "true"});
  EXPECT_TRUE(all.ok()) << all.err;
  auto logs = cnfctl({"logs", run, "cmd3"});
  ASSERT_TRUE(logs.ok()) << logs.err;
  EXPECT_NE(logs.out.find("nf-log-" + marker_), std::string::npos) << logs.out;
  auto restart = cnfctl({"restart", run, "cmd1"});
  EXPECT_TRUE(restart.ok()) << restart.err;

  auto down = cnfctl({"down", run, "--json"});
  ASSERT_TRUE(down.ok()) << down.err;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
  const auto down_summary = nlohmann::json::parse(down.out);
  ASSERT_EQ(down_summary["runs"].size(), 1u) << down.out;
  EXPECT_EQ(down_summary["runs"][0]["run"], run);
  EXPECT_EQ(down_summary["runs"][0]["containers_removed"], 3);
  EXPECT_EQ(down_summary["runs"][0]["already_down_at"], "");
  expect_sane_resources(down_summary, "down");
  auto second = cnfctl({"down", run});
  EXPECT_TRUE(second.ok());
  EXPECT_NE(second.out.find("already down"), std::string::npos) << second.out;
  EXPECT_EQ(cnfctl({"down", "never" + marker_}).exit_code, 2);
}

TEST_F(RunTest, AnNfThatNeverGetsReadyFailsWithItsLogTailAndLeavesNothing) {
  const std::string run = "itnever" + marker_;
  auto file = command_topology(run, 2, "[test, -e, /tmp/never]");
  const auto started = std::chrono::steady_clock::now();
  auto up = cnfctl({"up", file, "--timeout-ready", "1s"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
  EXPECT_EQ(up.exit_code, 1) << up.err;
  EXPECT_NE(up.err.find("not ready after 1000 ms"), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("nf-log-" + marker_), std::string::npos) << "no log tail:\n" << up.err;
  EXPECT_NE(up.err.find("nothing is left"), std::string::npos) << up.err;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// kill -9 of `up` stopped (CNFCTL_TEST_PAUSE_AT) at one step, then `down` from the journal.
class KillDuringUp : public RunTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(KillDuringUp, DownLeavesNothing) {
  std::string point = GetParam();
  std::string run = "itkill" + marker_ + "-";
  for (char c : point) run += (c == ':') ? 'd' : c;
  auto file = command_topology(run, 2, "[test, -e, /tmp/ready]");
  kill_up_at(file, run, point, {});
  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  std::cout << "[ kill -9 at " << point << " ] down: " << down.out;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// Issue "Orchestration": Ctrl-C (SIGINT to the process group, as a terminal sends it) or SIGTERM
// while `up` waits for NFs that never get ready rolls everything back. `up` then exits 1 (an
// interruption is a run failure, SPEC §11: no 128+signal code), says it was interrupted and
// rolled back, and leaves no journal and nothing on the machine.
class SignalDuringUp : public RunTest, public ::testing::WithParamInterface<int> {};

TEST_P(SignalDuringUp, RollsBackAndLeavesNothing) {
  const int sig = GetParam();
  const std::string run = "itsig" + std::to_string(sig) + "-" + marker_;
  auto file = command_topology(run, 3, "[test, -e, /tmp/never]");
  const auto log = root_ + "/" + run + ".log";
  const pid_t pid = start_up({file, "--timeout-ready", "120s"}, log);
  ASSERT_GT(pid, 0);
  bool created = false;
  for (int i = 0; i < 3000 && !created; ++i) {
    auto journal = journal_of(run);
    if (journal.is_object()) {
      for (const auto& [name, c] : journal["containers"].items()) {
        if (c["steps"].value("create", "") == "done") created = true;
      }
    }
    if (!created) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(created) << "no container was ever created:\n" << read_file(log);
  const auto signalled = std::chrono::steady_clock::now();
  ::kill(sig == SIGINT ? -pid : pid, sig);
  auto status = wait_exit(pid, std::chrono::seconds(60));
  const auto rollback = std::chrono::steady_clock::now() - signalled;
  const auto err = read_file(log);
  ASSERT_TRUE(status.has_value()) << "up did not end after the signal:\n" << err;
  ASSERT_TRUE(WIFEXITED(*status)) << "up died of signal " << WTERMSIG(*status) << "\n" << err;
  EXPECT_EQ(WEXITSTATUS(*status), 1) << err;
  EXPECT_NE(err.find("interrupted by signal " + std::to_string(sig)), std::string::npos) << err;
  EXPECT_NE(err.find("rolled back, nothing is left"), std::string::npos) << err;
  std::cout << "[ signal " << sig << " after the first create ] exit " << WEXITSTATUS(*status)
            << ", rolled back in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(rollback).count() << " ms\n";
  EXPECT_FALSE(fs::exists(root_ + "/state/runs/" + run + "/journal.json"));
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  EXPECT_NE(down.out.find("already down"), std::string::npos) << down.out;
}

INSTANTIATE_TEST_SUITE_P(Signals, SignalDuringUp, ::testing::Values(SIGINT, SIGTERM),
                         [](const auto& param_info) {
                           return std::string(param_info.param == SIGINT ? "SIGINT" : "SIGTERM");
                         });

// Issue "Orchestration": with no docker daemon answering, `up --engine docker` fails at acquire
// naming the daemon; its containers were never created, so the rollback is complete: no
// journal, `down` says the run is already down, nothing is left.
TEST_F(RunTest, UpWithoutADockerDaemonFailsNamingItAndLeavesNothing) {
  if (!runner_.run({.argv = {"sh", "-c", "command -v docker"}}).ok()) {
    GTEST_SKIP() << "docker missing";
  }
  const std::string run = "itnodaemon" + marker_;
  auto file = command_topology(run, 3, "[test, -e, /tmp/ready]");
  setenv("DOCKER_HOST", ("unix://" + root_ + "/none.sock").c_str(), 1);
  auto up = cnfctl({"up", file, "--engine", "docker"});
  EXPECT_EQ(up.exit_code, 1) << up.describe_status() << "\n" << up.err;
  EXPECT_NE(
      up.err.find("docker daemon is not reachable at unix://" + root_ + "/none.sock (DOCKER_HOST)"),
      std::string::npos)
      << up.err;
  EXPECT_NE(up.err.find("step acquire"), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("rolled back, nothing is left"), std::string::npos) << up.err;
  EXPECT_FALSE(fs::exists(root_ + "/state/runs/" + run + "/journal.json"));
  auto down = cnfctl({"down", run});
  EXPECT_EQ(down.exit_code, 0) << down.err;
  EXPECT_NE(down.out.find("already down"), std::string::npos) << down.out;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// The daemon goes away after `up` was killed (-9) at a step. Acquire done, create never
// intended: the container was never made, so `down` succeeds without the daemon. Create
// intended: the container may exist, so `down` fails naming the daemon and keeps the journal,
// and succeeds once a daemon answers again.
class DaemonGoneAfterKill : public RunTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(DaemonGoneAfterKill, DownClearsOnlyWhatWasNeverCreated) {
  if (!runner_.run({.argv = {"sh", "-c", "command -v dockerd"}}).ok()) {
    GTEST_SKIP() << "dockerd missing";
  }
  const std::string point = GetParam();
  const bool may_exist = point == "create";
  const std::string run = "itdgone" + marker_ + (may_exist ? "-c" : "-a");
  auto file = command_topology(run, 1, "[test, -e, /tmp/ready]");
  std::optional<host_fixtures::PrivateDockerd> dockerd;
  dockerd.emplace(root_ + "/dockerd");
  setenv("DOCKER_HOST", dockerd->host().c_str(), 1);
  kill_up_at(file, run, point, {"--engine", "docker"});
  dockerd.reset();  // the daemon is gone, its socket too

  auto down = cnfctl({"down", run});
  const auto journal = root_ + "/state/runs/" + run + "/journal.json";
  std::cout << "[ kill -9 at " << point << ", no daemon ] down: exit " << down.exit_code << "\n";
  if (!may_exist) {
    EXPECT_TRUE(down.ok()) << down.err;
    EXPECT_NE(down.err.find("never created"), std::string::npos) << down.err;
    EXPECT_FALSE(fs::exists(journal));
  } else {
    EXPECT_EQ(down.exit_code, 1) << down.err;
    EXPECT_NE(down.err.find("daemon is not reachable"), std::string::npos) << down.err;
    EXPECT_NE(down.err.find("may exist"), std::string::npos) << down.err;
    EXPECT_NE(down.err.find("the journal is kept"), std::string::npos) << down.err;
    ASSERT_TRUE(fs::exists(journal));
    EXPECT_EQ(journal_of(run).value("state", ""), "down-failed");
    // A daemon answers again (a fresh one: the container was never made): down finishes.
    dockerd.emplace(root_ + "/dockerd2");
    setenv("DOCKER_HOST", dockerd->host().c_str(), 1);
    auto again = cnfctl({"down", run});
    EXPECT_TRUE(again.ok()) << again.err;
    EXPECT_FALSE(fs::exists(journal));
    dockerd.reset();
  }
  unsetenv("DOCKER_HOST");
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Steps, DaemonGoneAfterKill, ::testing::Values("acquire:done", "create"),
                         [](const auto& param_info) {
                           return std::string(param_info.param) == "create" ? "create"
                                                                            : "acquire_done";
                         });

INSTANTIATE_TEST_SUITE_P(Steps, KillDuringUp,
                         ::testing::Values("journal", "dirs:done", "acquire", "acquire:done",
                                           "create", "create:done", "files:done", "start",
                                           "start:done", "ready"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (auto& c : name) {
                             if (c == ':') c = '_';
                           }
                           return name;
                         });

TEST_F(RunTest, TestpmdChainPassesTrafficRestartsAndLeavesNothing) {
  if (::access("/usr/bin/dpdk-testpmd", X_OK) != 0) GTEST_SKIP() << "dpdk-testpmd missing";
  const std::string run = "itchain" + marker_;
  runs_.push_back(run);
  const auto yaml = read_file(std::string(CNFCTL_SOURCE_DIR) + "/examples/testpmd-chain.yaml");
  const auto file = root_ + "/chain.yaml";
  std::ofstream(file) << yaml << "paths:\n  socket_dir: " << root_ << "/sockets\n";
  auto up = cnfctl({"up", file, "--name", run, "--timeout-ready", "60s"});
  ASSERT_TRUE(up.ok()) << up.err;
  std::cout << up.out;
  auto sink_rx = [&] {
    auto traffic = cnfctl({"traffic", run, "--duration", "2s", "--json"});
    EXPECT_TRUE(traffic.ok()) << traffic.err;
    if (!traffic.ok()) return 0.0;
    auto j = nlohmann::json::parse(traffic.out);
    return j.value("end_to_end_mpps", 0.0);
  };
  EXPECT_GT(sink_rx(), 0.0);
  auto restart = cnfctl({"restart", run, "nf2", "--timeout-ready", "60s"});
  EXPECT_TRUE(restart.ok()) << restart.err;
  EXPECT_GT(sink_rx(), 0.0);
  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// Issue 4: the same chain file with --engine lxc, docker and podman (the `host` image; docker
// runs it from a skeleton image plus read-only binds of the host's OS dirs, against a private
// dockerd started here, reached through DOCKER_HOST). The chain binds memif sockets to
// /run/cnfctl/memif and DPDK runtime dirs to /var/run/dpdk/<id>, which LXC only mounts once the
// /var/run -> /run symlink is resolved.
class TestpmdChainOnEngine : public RunTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(TestpmdChainOnEngine, PassesTrafficAndDownLeavesNothing) {
  if (::access("/usr/bin/dpdk-testpmd", X_OK) != 0) GTEST_SKIP() << "dpdk-testpmd missing";
  const std::string engine = GetParam();
  const std::string tool = engine == "lxc" ? "lxc-start" : engine;
  if (!runner_.run({.argv = {"sh", "-c", "command -v \"$0\"", tool}}).ok()) {
    GTEST_SKIP() << tool << " missing";
  }
  const std::string run = "itchain" + engine + marker_;
  std::optional<host_fixtures::PrivateDockerd> dockerd;
  if (engine == "docker") {
    dockerd.emplace(root_ + "/dockerd");
    setenv("DOCKER_HOST", dockerd->host().c_str(), 1);
  }
  runs_.push_back(run);
  const auto yaml = read_file(std::string(CNFCTL_SOURCE_DIR) + "/examples/testpmd-chain.yaml");
  const auto file = root_ + "/chain.yaml";
  std::ofstream(file) << yaml << "paths:\n  socket_dir: " << root_ << "/sockets\n";
  auto up = cnfctl({"up", file, "--name", run, "--engine", engine, "--timeout-ready", "60s"});
  ASSERT_TRUE(up.ok()) << up.err;
  std::cout << up.out;
  auto traffic = cnfctl({"traffic", run, "--duration", "2s", "--json"});
  EXPECT_TRUE(traffic.ok()) << traffic.err;
  if (traffic.ok()) {
    EXPECT_GT(nlohmann::json::parse(traffic.out).value("end_to_end_mpps", 0.0), 0.0) << traffic.out;
  }
  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  auto found = leftovers(run);
  if (engine == "podman") {
    const std::string state = root_ + "/run/engines/podman";
    auto ps = runner_.run({.argv = {"podman", "--root", state + "/storage", "--runroot",
                                    state + "/run", "ps", "-a", "--format", "{{.Names}}"}});
    if (ps.out.find(run + "-") != std::string::npos) found.push_back("podman " + ps.out);
  }
  if (dockerd) {
    auto ps = runner_.run(
        {.argv = {"docker", "--host", dockerd->host(), "ps", "-a", "--format", "{{.Names}}"}});
    if (!ps.ok() || ps.out.find(run + "-") != std::string::npos) {
      found.push_back("docker " + ps.out + ps.err);
    }
    // The only thing kept is the cached skeleton image of the host image.
    auto images = runner_.run({.argv = {"docker", "--host", dockerd->host(), "image", "ls",
                                        "--format", "{{.Repository}}"}});
    for (std::size_t start = 0; start < images.out.size();) {
      auto end = images.out.find('\n', start);
      if (end == std::string::npos) end = images.out.size();
      const auto repo = images.out.substr(start, end - start);
      if (!repo.empty() && repo != "cnfctl/host-skeleton") found.push_back("image " + repo);
      start = end + 1;
    }
    cnfctl({"down", "-q", run});  // before the daemon goes (TearDown runs after it)
    unsetenv("DOCKER_HOST");
  }
  EXPECT_EQ(found, std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Engines, TestpmdChainOnEngine,
                         ::testing::Values("lxc", "docker", "podman"));

TEST_F(RunTest, KillOfATestpmdChainUpThenDownLeavesNoSocketsOrRuntimeDirs) {
  if (::access("/usr/bin/dpdk-testpmd", X_OK) != 0) GTEST_SKIP() << "dpdk-testpmd missing";
  const std::string run = "itchainkill" + marker_;
  runs_.push_back(run);
  const auto yaml = read_file(std::string(CNFCTL_SOURCE_DIR) + "/examples/testpmd-chain.yaml");
  const auto file = root_ + "/chain.yaml";
  std::ofstream(file) << yaml << "paths:\n  socket_dir: " << root_ << "/sockets\n";
  kill_up_at(file, run, "ready", {});  // the first NF started: sockets and DPDK dirs exist
  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  std::cout << "[ kill -9 of the chain at ready ] down: " << down.out;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// nginx answers wrk from the node with the configured body, through up --traffic --rm.
TEST_F(RunTest, NginxUpServesWrkWithTheConfiguredBodyAndRmLeavesNothing) {
  if (::access("/usr/sbin/nginx", X_OK) != 0 || ::access("/usr/bin/wrk", X_OK) != 0) {
    GTEST_SKIP() << "nginx or wrk missing";
  }
  const std::string run = "itweb" + marker_;
  runs_.push_back(run);
  const auto file = root_ + "/web.yaml";
  std::ofstream(file) << "name: web\ncontainers:\n  - prefix: web\n    nf: {kind: nginx, port: "
                         "18089, body_size: 300}\ncpu: {policy: shared}\n";
  // `up` succeeds only when the nginx probe got 200 with exactly 300 body bytes.
  auto up = cnfctl({"up", file, "--name", run, "--traffic", "2s", "--rm", "--json"});
  ASSERT_TRUE(up.ok()) << up.err;
  const auto report = nlohmann::json::parse(up.out);
  ASSERT_FALSE(report["http"].empty()) << up.out;
  EXPECT_GT(report["http"][0]["requests_per_s"].get<double>(), 0.0) << up.out;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// --- issue 10: safe under hostile input -------------------------------------------------------

// Every pause point of the README has a `:done` form that pauses (journal:done never did).
INSTANTIATE_TEST_SUITE_P(EveryPausePoint, KillDuringUp,
                         ::testing::Values("journal:done", "dirs", "prepare", "prepare:done",
                                           "files", "ready:done"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           for (auto& c : name) {
                             if (c == ':') c = '_';
                           }
                           return name;
                         });

// A testpmd chain (vswitch + 1 NF) whose NF gets `extra_args`, memif sockets under `socket_dir`.
std::string testpmd_pair(const std::string& root, const std::string& run,
                         const std::string& socket_dir, const std::string& extra_args) {
  const auto path = root + "/" + run + ".yaml";
  std::ofstream(path) << "name: " << run << "\nengine: oci\nimage: host\n"
                      << "paths: {socket_dir: " << socket_dir << "}\n"
                      << "cpu: {policy: shared}\n"
                      << "containers:\n  - {prefix: vswitch, role: vswitch}\n"
                      << "  - prefix: nf\n    nf: {kind: testpmd, extra_args: " << extra_args
                      << "}\ntopology: {kind: chain}\n";
  return path;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Issue 10 items 2 and 10. A testpmd that exits on a bad option fails `up`: the error says
// "testpmd exited: <its error line>" once, its usage text is printed once (the NF log tail), and
// the rollback removes the run's socket dir <D>/<run>, which it made, and nothing else of D.
TEST_F(RunTest, ATestpmdThatExitsOnABadOptionIsReportedOnceAndOnlyTheRunsDirIsRemoved) {
  if (::access("/usr/bin/dpdk-testpmd", X_OK) != 0) GTEST_SKIP() << "dpdk-testpmd missing";
  const std::string run = "itbadopt" + marker_;
  runs_.push_back(run);
  const auto sockets = root_ + "/user-sockets";
  fs::create_directories(sockets);
  std::ofstream(sockets + "/keep.txt") << "the user's data\n";
  const auto file = testpmd_pair(root_, run, sockets, "[--bogus-option]");
  auto up = cnfctl({"up", file, "--timeout-ready", "60s"});
  EXPECT_EQ(up.exit_code, 1) << up.err;
  EXPECT_EQ(count_of(up.err, "testpmd exited: "), 1U) << up.err;
  EXPECT_EQ(count_of(up.err, "dpdk-testpmd: unrecognized option '--bogus-option'"), 1U) << up.err;
  EXPECT_EQ(count_of(up.err, "answered null"), 0U) << up.err;
  // The end of its usage text, from the NF log tail, once.
  EXPECT_EQ(count_of(up.err, "hairpin port self"), 1U) << up.err;
  EXPECT_NE(up.err.find("rolled back, nothing is left"), std::string::npos) << up.err;
  EXPECT_TRUE(fs::is_regular_file(sockets + "/keep.txt"));
  EXPECT_FALSE(fs::exists(sockets + "/" + run));
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// Issue 10 item 2. A user's file in <socket_dir>/<run>/ survives: `up` refuses the run dir that
// exists (exit 2) before anything is touched. Before: the failed `up` (the NF exits at once)
// rolled back with `rm -rf <socket_dir>/<run>` and the file was gone.
TEST_F(RunTest, AUsersFileInTheRunsSocketDirSurvivesAFailedUp) {
  if (::access("/usr/bin/dpdk-testpmd", X_OK) != 0) GTEST_SKIP() << "dpdk-testpmd missing";
  const std::string run = "itusers" + marker_;
  runs_.push_back(run);
  const auto sockets = root_ + "/user-sockets";
  fs::create_directories(sockets + "/" + run);
  std::ofstream(sockets + "/" + run + "/users-file") << "the user's data\n";
  const auto file = testpmd_pair(root_, run, sockets, "[--bogus-option]");
  auto up = cnfctl({"up", file, "--timeout-ready", "60s"});
  EXPECT_EQ(up.exit_code, 2) << up.err;
  EXPECT_NE(up.err.find(run + ".yaml:4:"), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("exists already on node local and is not cnfctl's"), std::string::npos)
      << up.err;
  EXPECT_TRUE(fs::is_regular_file(sockets + "/" + run + "/users-file"));
  EXPECT_FALSE(fs::exists(root_ + "/state/runs/" + run));
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// Issue 10 item 3. A mount written with `create: true` gets its host dir made by `up` (recorded
// in the journal) and removed by `down`; one that existed is used and kept; a missing host path
// without `create` is bad input (tests/bad_input/mount_host_path_missing.yaml).
TEST_F(RunTest, ACreateTrueMountDirIsMadeJournalledAndRemovedByDown) {
  const std::string run = "itcreate" + marker_;
  runs_.push_back(run);
  const auto made = root_ + "/mounts/made";
  const auto kept = root_ + "/mounts/kept";
  fs::create_directories(kept);
  std::ofstream(kept + "/data") << "kept\n";
  const auto path = root_ + "/" + run + ".yaml";
  std::ofstream(path) << "name: " << run << "\nengine: oci\nimage: host\ncpu: {policy: none}\n"
                      << "containers:\n  - prefix: c\n"
                      << "    nf: {kind: command, argv: [sleep, '" << marker_ << "']}\n"
                      << "    mounts:\n      - {host: " << made
                      << ", guest: /made, create: true}\n      - {host: " << kept
                      << ", guest: /kept, create: true}\n";
  auto up = cnfctl({"up", path});
  ASSERT_TRUE(up.ok()) << up.err;
  EXPECT_TRUE(fs::is_directory(made));
  auto seen = cnfctl({"exec", run, "c1", "--", "sh", "-c", "touch /made/x && cat /kept/data"});
  EXPECT_TRUE(seen.ok()) << seen.err;
  EXPECT_EQ(seen.out, "kept\n");
  const auto journal = journal_of(run);
  ASSERT_TRUE(journal.is_object());
  bool made_recorded = false;
  for (const auto& d : journal["node_dirs"]) {
    if (d["path"] == made) made_recorded = d["created"] == true;
    if (d["path"] == kept) {
      EXPECT_EQ(d["created"], false) << d.dump();
    }
  }
  EXPECT_TRUE(made_recorded) << journal["node_dirs"].dump();
  auto down = cnfctl({"down", run});
  ASSERT_TRUE(down.ok()) << down.err;
  EXPECT_FALSE(fs::exists(made));
  EXPECT_TRUE(fs::is_regular_file(kept + "/data"));
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// Issue 10 item 10: `ps` keeps a multi-line reason (an NF log tail) out of its table.
TEST_F(RunTest, PsShowsAMultiLineReasonAfterTheTable) {
  const std::string run = "itps" + marker_;
  runs_.push_back(run);
  const auto path = root_ + "/" + run + ".yaml";
  std::ofstream(path) << "name: " << run << "\nengine: oci\nimage: host\ncpu: {policy: none}\n"
                      << "containers:\n  - prefix: c\n    nf:\n      kind: command\n"
                      << "      argv: [sh, -c, 'for i in 1 2 3 4 5 6 7 8 9 10; do echo "
                      << "log-line-$i; done; sleep 3; exit 3']\n";
  auto up = cnfctl({"up", path});
  ASSERT_TRUE(up.ok()) << up.err;
  std::string out;
  for (int i = 0; i < 100; ++i) {  // until the NF has exited (about 3 s)
    out = cnfctl({"ps", run}).out;
    if (out.find("is not ready:") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const auto details = out.find("  c1 is not ready:");
  ASSERT_NE(details, std::string::npos) << out;
  const auto row = out.find("  c1 ");
  ASSERT_LT(row, details) << out;
  const auto row_text = out.substr(row, out.find('\n', row) - row);
  EXPECT_NE(row_text.find("(see below)"), std::string::npos) << out;
  EXPECT_EQ(out.find("log-line-"), out.find("log-line-", details)) << out;
  EXPECT_NE(out.find("log-line-10", details), std::string::npos) << out;
  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

}  // namespace
}  // namespace cnfctl
