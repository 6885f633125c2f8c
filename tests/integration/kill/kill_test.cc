// kill -9 of `cnfctl up` and `cnfctl down` at random moments, on every engine (oci/runc, lxc,
// docker with a private dockerd, podman), each kill followed by `down` and a full leftover check
// (tests/support/leftovers.h): engine objects (podman `ps -a --external`, runc states, docker
// containers, containerd's `moby` namespace), processes, mounts, cgroup dirs, sockets, DPDK and
// state dirs. Nothing may be left and the run names must be usable again.
//
// The kill moments come from a seed printed at the start of each test; CNFCTL_KILL_SEED=<n>
// replays them. CNFCTL_KILL_CHAIN=testpmd runs the testpmd chain example instead of the
// default six `command` NFs (same container count, slower: traffic matters less than the kill
// point here). CNFCTL_TEST_PROGRAM runs another cnfctl binary.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "process/local_runner.h"
#include "run/journal.h"
#include "support/host_fixtures.h"
#include "support/leftovers.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kUpKills = 8;
constexpr int kDownKills = 3;
constexpr int kContainers = 6;

long long ms(Clock::duration d) {
  return std::chrono::duration_cast<milliseconds>(d).count();
}

// The seed of this test: CNFCTL_KILL_SEED when set, else a fresh one.
std::uint64_t kill_seed() {
  if (const char* text = std::getenv("CNFCTL_KILL_SEED"); text != nullptr && *text != '\0') {
    return std::strtoull(text, nullptr, 10);
  }
  return std::random_device{}() ^ (static_cast<std::uint64_t>(::getpid()) << 32);
}

// The cnfctl under test: this build's, or CNFCTL_TEST_PROGRAM (to replay a seed against
// another build, e.g. the one before a fix).
std::string program() {
  const char* other = std::getenv("CNFCTL_TEST_PROGRAM");
  return other != nullptr && *other != '\0' ? other : CNFCTL_PROGRAM;
}

bool have(const std::string& program) {
  process::LocalRunner runner;
  return runner.run({.argv = {"sh", "-c", "command -v \"$0\"", program}}).ok();
}

class KillTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    engine_ = GetParam();
    const std::string tool = engine_ == "oci" ? "runc" : engine_ == "lxc" ? "lxc-start" : engine_;
    if (!have(tool)) GTEST_SKIP() << tool << " missing";
    if (engine_ == "docker" && (!have("dockerd") || !have("ctr"))) {
      GTEST_SKIP() << "dockerd or ctr missing";
    }
    char pattern[] = "/tmp/cnfctl-kill-it.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    setenv("CNFCTL_STATE_DIR", (root_ + "/state").c_str(), 1);
    setenv("CNFCTL_RUN_DIR", (root_ + "/run").c_str(), 1);
    marker_ = std::to_string(40000 + ::getpid() % 20000);
    if (engine_ == "docker") {
      dockerd_.emplace(root_ + "/dockerd");
      setenv("DOCKER_HOST", dockerd_->host().c_str(), 1);
    }
    seed_ = kill_seed();
    random_.seed(seed_ ^ std::hash<std::string>{}(engine_ + test_name()));
    std::cout << "[ " << engine_ << " ] kill seed " << seed_
              << " (replay: CNFCTL_KILL_SEED=" << seed_ << ")" << std::endl;
  }

  void TearDown() override {
    if (root_.empty()) return;
    for (const auto& run : runs_) cnfctl({"down", "-q", run});
    dockerd_.reset();
    host_fixtures::remove_tree_with_mounts(root_);
    unsetenv("CNFCTL_STATE_DIR");
    unsetenv("CNFCTL_RUN_DIR");
    unsetenv("DOCKER_HOST");
  }

  static std::string test_name() {
    return ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  process::Outcome cnfctl(std::vector<std::string> args,
                          milliseconds timeout = milliseconds(300000)) {
    process::Command command{.argv = {program()}};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.timeout = timeout;
    return runner_.run(command);
  }

  // The run's journal as JSON (journal.json with its log folded in, as cnfctl reads it), or
  // null when there is none.
  nlohmann::json journal_of(const std::string& run) {
    return run::read_journal_json(root_ + "/state/runs/" + run);
  }

  // The topology file of `run`: six command NFs, or the testpmd chain (CNFCTL_KILL_CHAIN).
  std::string topology(const std::string& run) {
    runs_.push_back(run);
    const auto path = root_ + "/" + run + ".yaml";
    const char* chain = std::getenv("CNFCTL_KILL_CHAIN");
    if (chain != nullptr && std::string(chain) == "testpmd") {
      std::ifstream in(std::string(CNFCTL_SOURCE_DIR) + "/examples/testpmd-chain.yaml");
      std::stringstream yaml;
      yaml << in.rdbuf();
      std::ofstream(path) << yaml.str() << "paths:\n  socket_dir: " << root_ << "/sockets\n";
      return path;
    }
    std::ofstream(path) << "name: " << run << "\nengine: " << engine_ << "\nimage: host\n"
                        << "paths:\n  socket_dir: " << root_ << "/sockets\n"
                        << "cpu:\n  policy: none\n"
                        << "containers:\n  - prefix: cmd\n    count: " << kContainers << "\n"
                        << "    nf:\n      kind: command\n"
                        << "      argv: [sh, -c, 'touch /tmp/ready; exec sleep " << marker_
                        << "']\n      probe: [test, -e, /tmp/ready]\n";
    return path;
  }

  // Starts `cnfctl ARGS...` with output to <root>/<log>; returns its pid.
  pid_t start(const std::vector<std::string>& cli_args, const std::string& log) {
    std::vector<std::string> args = {program()};
    args.insert(args.end(), cli_args.begin(), cli_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execv(args[0].c_str(), argv.data());
      ::_exit(127);
    }
    return pid;
  }

  // Kills `pid` with SIGKILL `after` its start (or reaps it when it ended before). Returns true
  // when it was killed, false when it had already exited.
  // last_exit_ is then its exit code (-1 when killed).
  bool kill_after(pid_t pid, Clock::time_point started, milliseconds after) {
    const auto at = started + after;
    int status = 0;
    last_exit_ = -1;
    auto ended = [&] {
      if (::waitpid(pid, &status, WNOHANG) != pid) return false;
      last_exit_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return true;
    };
    while (Clock::now() < at) {
      if (ended()) return false;
      std::this_thread::sleep_for(milliseconds(2));
    }
    if (ended()) return false;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return true;
  }

  // What the engine knows of containers right now: ids of everything in the private podman
  // root or docker daemon (all of it is this test's).
  std::vector<std::string> engine_ids() {
    if (engine_ == "podman") return host_fixtures::podman_ids(root_ + "/run/engines/podman");
    if (engine_ == "docker") {
      return host_fixtures::docker_ids(
          dockerd_->host(), host_fixtures::managed_containerd_socket(dockerd_->exec_root()));
    }
    return {};
  }

  // Everything of `run` left on this machine.
  std::vector<std::string> leftovers(const std::string& run, const std::vector<std::string>& ids) {
    auto found = host_fixtures::run_leftovers({.run = run,
                                               .state_dir = root_ + "/state",
                                               .run_dir = root_ + "/run",
                                               .dirs = {root_ + "/sockets/" + run},
                                               .process_markers = {"sleep " + marker_},
                                               .ids = ids});
    std::vector<std::string> more;
    if (engine_ == "podman") more = host_fixtures::podman_leftovers(root_ + "/run/engines/podman");
    if (engine_ == "docker") {
      more = host_fixtures::docker_leftovers(
          dockerd_->host(), host_fixtures::managed_containerd_socket(dockerd_->exec_root()), run);
    }
    found.insert(found.end(), more.begin(), more.end());
    return found;
  }

  // `down RUN` after a kill, then the leftover check; prints one line of the table.
  void down_and_check(const std::string& run, const std::string& what) {
    const auto ids = engine_ids();
    auto down = cnfctl({"down", run});
    auto found = leftovers(run, ids);
    std::cout << "[ " << engine_ << " " << what << " ] down exit " << down.exit_code
              << ", leftovers " << found.size() << std::endl;
    // Killed before its journal existed, `up` made nothing: `down` says the run is unknown.
    const bool never_journalled =
        down.exit_code == 2 && down.err.find("no run called") != std::string::npos;
    EXPECT_TRUE(down.exit_code == 0 || never_journalled) << what << ": " << down.err;
    EXPECT_EQ(found, std::vector<std::string>{}) << what << " (seed " << seed_ << ")";
    if (!found.empty()) ++dirty_;
  }

  std::string engine_;
  std::string root_;
  std::string marker_;
  std::vector<std::string> runs_;
  std::optional<host_fixtures::PrivateDockerd> dockerd_;
  std::uint64_t seed_ = 0;
  std::mt19937_64 random_;
  int dirty_ = 0;
  int last_exit_ = -1;
  process::LocalRunner runner_;
};

// kUpKills kills of `up` at moments drawn uniformly over a whole `up` (measured first, with a
// clean `up` + `down` of its own), kDownKills kills of `down` of a run that is up, each followed
// by `down` and the leftover check; then a killed run's name is brought up and down again.
TEST_P(KillTest, RandomKillsOfUpAndDownLeaveNothing) {
  const std::string base = "k" + marker_ + engine_.substr(0, 2);
  // A clean run first: how long `up` and `down` take here, now.
  const std::string calibration = base + "c";
  const auto file = topology(calibration);
  auto t0 = Clock::now();
  auto up = cnfctl({"up", file, "--name", calibration, "--timeout-ready", "120s"});
  const auto up_time = Clock::now() - t0;
  ASSERT_TRUE(up.ok()) << up.err;
  t0 = Clock::now();
  auto down = cnfctl({"down", calibration});
  const auto down_time = Clock::now() - t0;
  ASSERT_TRUE(down.ok()) << down.err;
  ASSERT_EQ(leftovers(calibration, {}), std::vector<std::string>{});
  std::cout << "[ " << engine_ << " ] up " << ms(up_time) << " ms, down " << ms(down_time)
            << " ms (" << kContainers << " containers)" << std::endl;

  int killed = 0;
  // Moments are drawn as fractions of a whole `up` (so a seed replays the same points of it on
  // another machine); an `up` that ends sooner than the measured one (a loaded machine measured
  // slowly) shortens the whole for the next draws.
  std::uniform_real_distribution<double> up_fraction(0.0, 1.1);
  long long whole_up = ms(up_time);
  for (int i = 1; i <= kUpKills; ++i) {
    const std::string run = base + "u" + std::to_string(i);
    const auto path = topology(run);
    const milliseconds at(static_cast<long long>(up_fraction(random_) * whole_up));
    const auto started = Clock::now();
    const pid_t pid =
        start({"up", path, "--name", run, "--timeout-ready", "120s"}, root_ + "/" + run + ".log");
    ASSERT_GT(pid, 0);
    const bool was_killed = kill_after(pid, started, at);
    killed += was_killed ? 1 : 0;
    if (!was_killed && last_exit_ == 0) whole_up = std::min(whole_up, ms(Clock::now() - started));
    down_and_check(
        run, "kill of up " + std::to_string(i) + "/" + std::to_string(kUpKills) + " at " +
                 std::to_string(at.count()) + " ms" +
                 (was_killed ? "" : " (up had ended, exit " + std::to_string(last_exit_) + ")"));
  }

  std::uniform_int_distribution<long long> down_moment(0, ms(down_time));
  for (int i = 1; i <= kDownKills; ++i) {
    const std::string run = base + "d" + std::to_string(i);
    const auto path = topology(run);
    auto whole = cnfctl({"up", path, "--name", run, "--timeout-ready", "120s"});
    ASSERT_TRUE(whole.ok()) << whole.err;
    const milliseconds at(down_moment(random_));
    const auto started = Clock::now();
    const pid_t pid = start({"down", run}, root_ + "/" + run + ".down.log");
    ASSERT_GT(pid, 0);
    const bool was_killed = kill_after(pid, started, at);
    killed += was_killed ? 1 : 0;
    down_and_check(
        run, "kill of down " + std::to_string(i) + "/" + std::to_string(kDownKills) + " at " +
                 std::to_string(at.count()) + " ms" +
                 (was_killed ? "" : " (down had ended, exit " + std::to_string(last_exit_) + ")"));
  }

  // The name of a run killed during `up` is usable again (podman: "name is already in use").
  const std::string reused = base + "u1";
  auto again = cnfctl({"up", topology(reused), "--name", reused, "--timeout-ready", "120s"});
  EXPECT_TRUE(again.ok()) << again.err;
  down_and_check(reused, "reuse of a killed run's name");

  std::cout << "[ " << engine_ << " ] seed " << seed_ << ": " << kUpKills + kDownKills
            << " kills drawn, " << killed << " hit a running cnfctl, " << dirty_
            << " left something" << std::endl;
}

std::string engine_name(const ::testing::TestParamInfo<const char*>& info) {
  return info.param;
}

INSTANTIATE_TEST_SUITE_P(Engines, KillTest, ::testing::Values("oci", "lxc", "docker", "podman"),
                         engine_name);

// Issue 10 item 9: dockerd itself dies (SIGKILL) while `up` creates containers: `up` fails and
// keeps the journal; once the daemon is back (it restores its containers from its state, its
// containerd finds the shims that outlived it), `down` must leave nothing: no container in
// docker or in containerd's `moby` namespace, no shim, no cgroup dir. The kill moment: the
// first container's create intended, plus a random delay.
class DaemonKillTest : public KillTest {
 protected:
  // True once the run's journal says some container's create was intended.
  bool create_intended(const std::string& run) {
    auto journal = journal_of(run);
    if (!journal.is_object() || !journal.contains("containers")) return false;
    for (const auto& [name, c] : journal["containers"].items()) {
      if (c.contains("steps") && c["steps"].contains("create")) return true;
    }
    return false;
  }
};

// (Its private dockerd once did not come back, "timeout waiting for containerd to start": the
// killed daemon's containerd was still alive or a zombie; PrivateDockerd::kill_daemon now waits
// for it to be gone.) Under load, 4 of 12 kills once left containerd containers without a task
// (docker no longer knew their ids: destroy now also reads the id `docker run --cidfile` wrote,
// and asks containerd when its bundle dir is there) or containerd's own clean-up of a dead shim
// still running (destroy now waits for it).
TEST_P(DaemonKillTest, DockerdKilledDuringUpThenDownLeavesNothing) {
  constexpr int kKills = 4;
  // From "first `docker run` sent" to well into the starts of all six.
  std::uniform_int_distribution<long long> delay(0, 1500);
  for (int i = 1; i <= kKills; ++i) {
    const std::string run = "k" + marker_ + "dd" + std::to_string(i);
    const auto path = topology(run);
    const pid_t pid =
        start({"up", path, "--name", run, "--timeout-ready", "120s"}, root_ + "/" + run + ".log");
    ASSERT_GT(pid, 0);
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (!create_intended(run) && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(2));
    }
    ASSERT_TRUE(create_intended(run)) << host_fixtures::read_host_file(root_ + "/" + run + ".log");
    const milliseconds after(delay(random_));
    std::this_thread::sleep_for(after);
    dockerd_->kill_daemon();
    int status = 0;
    // `up` fails (the daemon is gone) and rolls back what it can; bounded by its deadlines.
    const bool ended = !kill_after(pid, Clock::now(), milliseconds(240000));
    ::waitpid(pid, &status, WNOHANG);
    EXPECT_TRUE(ended) << "up did not end after dockerd died";
    dockerd_->restart();
    down_and_check(run, "dockerd killed " + std::to_string(after.count()) +
                            " ms after the first create, kill " + std::to_string(i) + "/" +
                            std::to_string(kKills));
  }
}

INSTANTIATE_TEST_SUITE_P(Docker, DaemonKillTest, ::testing::Values("docker"), engine_name);

// Issue 10 item 8, its two causes one by one (podman): (a) cnfctl killed while its own
// `podman run -d` is in flight (that run once died with it: the runner's parent-death signal);
// (b) what a `podman run` that dies mid-way leaves (a container only `ps --external` shows, or a
// runc container `created` with a live conmon), which destroy must remove although inspect says
// "no such container". After `down`: nothing of the run in `ps -a --external`, no conmon or
// runc init, no libpod-* cgroup dir, and the name is usable again.
class PodmanCauseTest : public KillTest {
 protected:
  // The pid of a `podman ... run --detach --name <run>-...` process, or 0.
  static pid_t podman_run_of(const std::string& run) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
      const auto name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      std::ifstream in(e.path() / "cmdline", std::ios::binary);
      std::vector<std::string> argv;
      for (std::string arg; std::getline(in, arg, '\0');) argv.push_back(arg);
      if (argv.empty() || fs::path(argv[0]).filename() != "podman") continue;
      for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
        if (argv[i] == "--name" && argv[i + 1].rfind(run + "-", 0) == 0 &&
            std::find(argv.begin(), argv.end(), "--detach") != argv.end()) {
          return static_cast<pid_t>(std::stol(name));
        }
      }
    }
    return 0;
  }

  std::string engine_state() const { return root_ + "/run/engines/podman"; }

  // `podman ps` lines "NAME STATUS" of containers named `name`, with or without --external.
  std::vector<std::string> podman_names(const std::string& name, bool external) {
    std::vector<std::string> args = {"ps", "--all", "--format", "{{.Names}} {{.Status}}"};
    if (external) args.insert(args.begin() + 2, "--external");
    auto ps = runner_.run({.argv = host_fixtures::podman_argv(engine_state(), args)});
    std::vector<std::string> found;
    std::istringstream lines(ps.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(name + " ", 0) == 0) found.push_back(line);
    }
    return found;
  }
};

// Cause (a): kill -9 of cnfctl at a random moment while its `podman run -d` of some container
// is in flight (seen in the process table), 4 times; `down` after each leaves nothing.
TEST_P(PodmanCauseTest, KillWhilePodmanRunIsInFlightThenDownLeavesNothing) {
  constexpr int kKills = 4;
  std::uniform_int_distribution<long long> delay(0, 400);
  int in_flight = 0;
  for (int i = 1; i <= kKills; ++i) {
    const std::string run = "k" + marker_ + "pr" + std::to_string(i);
    const auto path = topology(run);
    const pid_t pid =
        start({"up", path, "--name", run, "--timeout-ready", "120s"}, root_ + "/" + run + ".log");
    ASSERT_GT(pid, 0);
    pid_t podman = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while ((podman = podman_run_of(run)) == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    ASSERT_GT(podman, 0) << "no podman run seen: "
                         << host_fixtures::read_host_file(root_ + "/" + run + ".log");
    const milliseconds after(delay(random_));
    std::this_thread::sleep_for(after);
    const bool running = ::kill(podman, 0) == 0;
    in_flight += running ? 1 : 0;
    const bool was_killed = kill_after(pid, Clock::now(), milliseconds(0));
    down_and_check(run, "kill of up " + std::to_string(after.count()) +
                            " ms after a podman run began" +
                            (running ? " (that run still in flight)" : "") +
                            (was_killed ? "" : " (up had ended)") + ", kill " + std::to_string(i) +
                            "/" + std::to_string(kKills));
  }
  std::cout << "[ podman ] " << in_flight << " of " << kKills
            << " kills hit cnfctl while the podman run it watched was in flight" << std::endl;
  EXPECT_GT(in_flight, 0) << "no kill landed during a podman run; the test proved nothing";
  const std::string reused = "k" + marker_ + "pr1";
  auto again = cnfctl({"up", topology(reused), "--name", reused, "--timeout-ready", "120s"});
  EXPECT_TRUE(again.ok()) << again.err;
  down_and_check(reused, "reuse of a killed run's name");
}

// Cause (b): `up` stopped where the journal says a container's create is intended (pause point
// `create`) and killed there; then a `podman run` of that container's name, with the engine's
// own global options, killed (SIGKILL) part-way, with a delay halved or grown until it leaves a
// partial container (external-only, or `Created` with a live conmon) or 12 tries pass. `down`
// then must remove it (inspect says "no such container" for an external one). Here podman 4.3
// leaves `Created` or an external-only `Storage` container; the destroy before the fix
// (f555e2b: rm only when inspect found it, no --external ids) left the `Storage` one and the
// run's name unusable, which this test caught.
TEST_P(PodmanCauseTest, PodmanRunDyingMidwayLeavesNothingAfterDown) {
  const std::string run = "k" + marker_ + "pm";
  const auto path = topology(run);
  ::setenv("CNFCTL_TEST_PAUSE_AT", "create", 1);
  const pid_t pid =
      start({"up", path, "--name", run, "--timeout-ready", "120s"}, root_ + "/" + run + ".log");
  ::unsetenv("CNFCTL_TEST_PAUSE_AT");
  ASSERT_GT(pid, 0);
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG | WUNTRACED) == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  ASSERT_TRUE(WIFSTOPPED(status)) << host_fixtures::read_host_file(root_ + "/" + run + ".log");
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  auto journal = journal_of(run);
  std::string name;
  for (const auto& [container, c] : journal["containers"].items()) {
    if (c.contains("steps") && c["steps"].contains("create")) name = run + "-" + container;
  }
  ASSERT_FALSE(name.empty()) << journal.dump();
  std::cout << "[ podman ] up killed with " << name << "'s create intended" << std::endl;

  std::string state;
  long long delay = 400;
  for (int attempt = 1; attempt <= 12 && state.empty(); ++attempt) {
    auto argv = host_fixtures::podman_argv(
        engine_state(), {"run", "--detach", "--name", name, "--init", "--network", "none",
                         "--cgroup-parent", "/cnfctl/podman", "--tmpfs", "/tmp:rw,notmpcopyup",
                         "--tmpfs", "/run:rw,notmpcopyup", "--rootfs", "/:O", "sleep", marker_});
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const pid_t podman = ::fork();
    if (podman == 0) {
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    const bool cut = kill_after(podman, Clock::now(), milliseconds(delay));
    const auto all = podman_names(name, true);
    const auto known = podman_names(name, false);
    std::string what;
    if (!all.empty() && known.empty()) what = "only `ps --external` shows it: " + all.front();
    if (!known.empty() && known.front().find("Created") != std::string::npos) {
      what = "podman has it `" + known.front() + "`";
    }
    std::cout << "[ podman ] attempt " << attempt << ": podman run " << (cut ? "killed" : "ended")
              << " after " << delay << " ms; " << (what.empty() ? "no partial state" : what)
              << std::endl;
    if (!what.empty() && cut) {
      state = what;
      break;
    }
    if (!all.empty()) {
      // Complete (or a state made by a run that ended): start again from nothing, sooner.
      runner_.run({.argv = host_fixtures::podman_argv(engine_state(),
                                                      {"rm", "--force", "--time", "0", name})});
      delay = std::max<long long>(delay / 2, 10);
    } else {
      delay = delay * 3 / 2;
    }
  }
  std::cout << "[ podman ] partial state: " << (state.empty() ? "none made" : state) << std::endl;
  down_and_check(run, "down after a podman run of " + name + " died part-way");
  auto again = cnfctl({"up", path, "--name", run, "--timeout-ready", "120s"});
  EXPECT_TRUE(again.ok()) << again.err;
  down_and_check(run, "reuse of the run's name");
}

INSTANTIATE_TEST_SUITE_P(Podman, PodmanCauseTest, ::testing::Values("podman"), engine_name);

}  // namespace
}  // namespace cnfctl
