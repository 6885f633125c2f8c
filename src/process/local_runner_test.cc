#include "process/local_runner.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "process/spawn.h"

namespace cnfctl::process {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

constexpr std::size_t kEightMiB = std::size_t{8} << 20;

Command sh(const std::string& script, std::vector<std::string> args = {}) {
  Command command{.argv = {"sh", "-c", script, "sh"}};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  return command;
}

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cnfctl-process-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// True once `pid` has exited (or is gone), waiting at most `limit` for it without busy-waiting.
bool exits_within(pid_t pid, milliseconds limit) {
  int fd = open_pidfd(pid);
  if (fd < 0) return errno == ESRCH;
  pollfd event{fd, POLLIN, 0};
  int ready = poll(&event, 1, static_cast<int>(limit.count()));
  close(fd);
  return ready == 1;
}

pid_t parse_pid(const std::string& text) {
  return static_cast<pid_t>(std::stol(text));
}

TEST(LocalRunnerTest, NameIsLocal) {
  EXPECT_EQ(LocalRunner().name(), "local");
}

TEST(LocalRunnerTest, ReportsExitCodes) {
  LocalRunner runner;
  Outcome ok = runner.run(Command{.argv = {"true"}});
  EXPECT_TRUE(ok.ok()) << ok.describe_status();
  EXPECT_EQ(ok.exit_code, 0);

  Outcome three = runner.run(sh("echo oops >&2; exit 3"));
  EXPECT_EQ(three.status, Outcome::Status::kExited);
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_EQ(three.err, "oops\n");
  EXPECT_EQ(three.describe_status(), "exited with code 3");
}

TEST(LocalRunnerTest, ReportsTheKillingSignal) {
  Outcome outcome = LocalRunner().run(sh("kill -TERM $$"));
  EXPECT_EQ(outcome.status, Outcome::Status::kKilled);
  EXPECT_EQ(outcome.signal, SIGTERM);
  EXPECT_EQ(outcome.describe_status(), "killed by signal 15 (SIGTERM)");
}

TEST(LocalRunnerTest, DeadlineKillsTheWholeProcessGroup) {
  Command command = sh("sleep 100 & echo $!; sleep 100");
  command.timeout = milliseconds(300);
  Outcome outcome = LocalRunner().run(command);
  EXPECT_EQ(outcome.status, Outcome::Status::kTimedOut) << outcome.describe_status();
  EXPECT_EQ(outcome.signal, SIGKILL);
  EXPECT_GE(outcome.elapsed, milliseconds(300));
  EXPECT_LT(outcome.elapsed, milliseconds(30000));
  EXPECT_THAT(outcome.describe_status(), HasSubstr("timed out after"));
  ASSERT_FALSE(outcome.out.empty());
  EXPECT_TRUE(exits_within(parse_pid(outcome.out), milliseconds(10000)))
      << "the background sleep survived the deadline";
}

TEST(LocalRunnerTest, DeadlineNotReachedLeavesTheOutcomeAlone) {
  Command command = sh("echo done");
  command.timeout = milliseconds(60000);
  Outcome outcome = LocalRunner().run(command);
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status();
  EXPECT_EQ(outcome.out, "done\n");
}

TEST(LocalRunnerTest, LeftoverHoldingThePipesIsKilledInsteadOfHanging) {
  // The leader exits at once, but its background child keeps stdout open for 100 s.
  Outcome outcome = LocalRunner().run(sh("sleep 100 & echo $!"));
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status();
  EXPECT_LT(outcome.elapsed, milliseconds(30000));
  ASSERT_FALSE(outcome.out.empty());
  EXPECT_TRUE(exits_within(parse_pid(outcome.out), milliseconds(10000)));
}

TEST(LocalRunnerTest, LeftoverThatClosedThePipesIsLeftRunning) {
  Outcome outcome = LocalRunner().run(sh("sleep 100 </dev/null >/dev/null 2>&1 & echo $!"));
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status();
  ASSERT_FALSE(outcome.out.empty());
  pid_t daemon = parse_pid(outcome.out);
  EXPECT_FALSE(exits_within(daemon, milliseconds(0)));
  kill(daemon, SIGKILL);
}

// `runc run -d` leaves the container holding the runtime's stdout and stderr: with an output
// file there is no pipe to wait for, both streams are appended there, and nothing is captured.
TEST(LocalRunnerTest, OutputFileTakesBothStreamsAndADaemonHoldingItDoesNotHang) {
  TempDir dir;
  const std::string log = dir.path() + "/log";
  Command command = sh("echo out; echo err >&2; sleep 100 & echo $!; exit 3");
  command.output_file = log;
  Outcome outcome = LocalRunner().run(command);
  EXPECT_EQ(outcome.status, Outcome::Status::kExited);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_EQ(outcome.out, "");
  EXPECT_EQ(outcome.err, "");
  EXPECT_LT(outcome.elapsed, LocalRunner::kLeftoverGrace * 50);
  std::ifstream in(log);
  std::string first, second, pid;
  std::getline(in, first);
  std::getline(in, second);
  std::getline(in, pid);
  EXPECT_EQ(first, "out");
  EXPECT_EQ(second, "err");
  const pid_t daemon = parse_pid(pid);
  EXPECT_FALSE(exits_within(daemon, milliseconds(0)));  // left running, as any daemon
  kill(daemon, SIGKILL);
  struct stat st {};
  ASSERT_EQ(stat(log.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);

  command = sh("echo again");
  command.output_file = log;
  EXPECT_TRUE(LocalRunner().run(command).ok());
  std::ifstream appended(log);
  std::string text((std::istreambuf_iterator<char>(appended)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.substr(text.size() - 6), "again\n");

  command.output_file = dir.path() + "/missing/log";
  outcome = LocalRunner().run(command);
  EXPECT_EQ(outcome.status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(outcome.start_errno, ENOENT);
  EXPECT_EQ(outcome.start_step, "open " + command.output_file);
}

TEST(LocalRunnerTest, MissingProgramFailsToStartWithEnoent) {
  LocalRunner runner;
  for (std::string program : {"/nonexistent/cnfctl-no-such-program", "cnfctl-no-such-program"}) {
    Outcome outcome = runner.run(Command{.argv = {program}});
    EXPECT_EQ(outcome.status, Outcome::Status::kFailedToStart) << program;
    EXPECT_EQ(outcome.start_errno, ENOENT) << program;
    EXPECT_EQ(outcome.start_step, "exec");
    EXPECT_EQ(outcome.describe_status(), "failed to start: No such file or directory");
    EXPECT_FALSE(outcome.ok());
  }
}

TEST(LocalRunnerTest, NonExecutableFileFailsWithEacces) {
  TempDir dir;
  std::string file = dir.path() + "/script";
  close(open(file.c_str(), O_CREAT | O_WRONLY, 0644));
  Outcome outcome = LocalRunner().run(Command{.argv = {file}});
  EXPECT_EQ(outcome.status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(outcome.start_errno, EACCES);
}

TEST(LocalRunnerTest, MissingWorkingDirectoryFailsInChdir) {
  Outcome outcome = LocalRunner().run(Command{.argv = {"true"}, .cwd = "/nonexistent/dir"});
  EXPECT_EQ(outcome.status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(outcome.start_step, "chdir");
  EXPECT_EQ(outcome.start_errno, ENOENT);
}

TEST(LocalRunnerTest, EmptyArgvFailsToStart) {
  Outcome outcome = LocalRunner().run(Command{});
  EXPECT_EQ(outcome.status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(outcome.start_errno, EINVAL);
}

TEST(LocalRunnerTest, SetsAndUnsetsEnvironment) {
  setenv("CNFCTL_TEST_INHERITED", "inherited", 1);
  setenv("CNFCTL_TEST_REMOVED", "removed", 1);
  Command command = sh(R"(printf '%s|%s|%s' "$CNFCTL_TEST_INHERITED" "$CNFCTL_TEST_SET" )"
                       R"("${CNFCTL_TEST_REMOVED-unset}")");
  command.env = {{"CNFCTL_TEST_SET", "a b$c"}};
  command.unset_env = {"CNFCTL_TEST_REMOVED"};
  Outcome outcome = LocalRunner().run(command);
  unsetenv("CNFCTL_TEST_INHERITED");
  unsetenv("CNFCTL_TEST_REMOVED");
  EXPECT_EQ(outcome.out, "inherited|a b$c|unset");
}

TEST(LocalRunnerTest, LooksProgramsUpInTheChildsPath) {
  Command command{.argv = {"sh", "-c", "true"}, .env = {{"PATH", "/nonexistent"}}};
  Outcome outcome = LocalRunner().run(command);
  EXPECT_EQ(outcome.status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(outcome.start_errno, ENOENT);
}

TEST(LocalRunnerTest, RunsInTheGivenDirectory) {
  TempDir dir;
  Outcome outcome = LocalRunner().run(Command{.argv = {"pwd", "-P"}, .cwd = dir.path()});
  EXPECT_EQ(outcome.out, std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(LocalRunnerTest, StdinIsDevNullByDefault) {
  Outcome outcome = LocalRunner().run(Command{.argv = {"cat"}});
  EXPECT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.out, "");
}

TEST(LocalRunnerTest, StdinBytesRoundTrip) {
  std::string bytes("line one\n\0binary\xff\nno newline", 28);
  Outcome outcome = LocalRunner().run(Command{.argv = {"cat"}, .stdin_bytes = bytes});
  EXPECT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.out, bytes);

  Outcome empty = LocalRunner().run(Command{.argv = {"cat"}, .stdin_bytes = ""});
  EXPECT_TRUE(empty.ok());
  EXPECT_EQ(empty.out, "");
}

std::string pattern_bytes(std::size_t size) {
  std::string bytes(size, '\0');
  std::uint32_t state = 12345;
  for (auto& byte : bytes) {
    state = state * 1103515245u + 12345u;
    byte = static_cast<char>(state >> 24);
  }
  return bytes;
}

TEST(LocalRunnerTest, EightMebibytesThroughStdinAndStdout) {
  std::string bytes = pattern_bytes(kEightMiB);
  Command command{.argv = {"cat"}, .stdin_bytes = bytes, .output_limit = 2 * kEightMiB};
  Outcome outcome = LocalRunner().run(command);
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status();
  EXPECT_FALSE(outcome.out_truncated);
  EXPECT_EQ(outcome.out.size(), bytes.size());
  EXPECT_TRUE(outcome.out == bytes);
}

TEST(LocalRunnerTest, EightMebibytesOfStdout) {
  Command command{.argv = {"head", "-c", std::to_string(kEightMiB), "/dev/zero"},
                  .output_limit = kEightMiB};
  Outcome outcome = LocalRunner().run(command);
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status();
  EXPECT_FALSE(outcome.out_truncated);
  EXPECT_EQ(outcome.out, std::string(kEightMiB, '\0'));
}

TEST(LocalRunnerTest, UnreadStdinDoesNotHangOrRaiseSigpipe) {
  Outcome outcome =
      LocalRunner().run(Command{.argv = {"true"}, .stdin_bytes = pattern_bytes(kEightMiB)});
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status();
}

std::string seq_output(int count) {
  std::string text;
  for (int i = 1; i <= count; ++i) text += std::to_string(i) + "\n";
  return text;
}

TEST(LocalRunnerTest, KeepsTheTailOfLongOutput) {
  const std::string expected = seq_output(20000);
  Command command{.argv = {"seq", "1", "20000"}, .output_limit = 1000};
  Outcome out = LocalRunner().run(command);
  EXPECT_TRUE(out.out_truncated);
  EXPECT_FALSE(out.err_truncated);
  EXPECT_EQ(out.out, expected.substr(expected.size() - 1000));

  Command to_stderr = sh("seq 1 20000 >&2; echo short");
  to_stderr.output_limit = 1000;
  Outcome err = LocalRunner().run(to_stderr);
  EXPECT_TRUE(err.err_truncated);
  EXPECT_FALSE(err.out_truncated);
  EXPECT_EQ(err.err, expected.substr(expected.size() - 1000));
  EXPECT_EQ(err.out, "short\n");
  EXPECT_EQ(err.tail(2), "19999\n20000");

  Command exact{.argv = {"printf", "12345"}, .output_limit = 5};
  Outcome fits = LocalRunner().run(exact);
  EXPECT_EQ(fits.out, "12345");
  EXPECT_FALSE(fits.out_truncated);

  Command nothing{.argv = {"printf", "x"}, .output_limit = 0};
  Outcome none = LocalRunner().run(nothing);
  EXPECT_EQ(none.out, "");
  EXPECT_TRUE(none.out_truncated);
}

TEST(LocalRunnerTest, ChildInheritsOnlyStandardDescriptors) {
  int leaked = open("/dev/null", O_RDONLY);  // deliberately not close-on-exec
  ASSERT_GE(leaked, 0);
  Outcome outcome = LocalRunner().run(Command{.argv = {"ls", "/proc/self/fd"}});
  close(leaked);
  // ls itself has the directory open as fd 3.
  EXPECT_EQ(outcome.out, "0\n1\n2\n3\n");
}

TEST(LocalRunnerTest, ChildLeadsItsOwnProcessGroup) {
  Outcome outcome = LocalRunner().run(sh("echo $$; cut -d' ' -f5 /proc/$$/stat"));
  auto newline = outcome.out.find('\n');
  ASSERT_NE(newline, std::string::npos);
  EXPECT_EQ(outcome.out.substr(0, newline + 1), outcome.out.substr(newline + 1));
  EXPECT_NE(parse_pid(outcome.out), getpgrp());
}

TEST(LocalRunnerTest, ChildStartsWithDefaultSignalHandling) {
  // Ignoring SIGPIPE in cnfctl must not leak into children: `yes` would then report EPIPE.
  auto previous = signal(SIGPIPE, SIG_IGN);
  Outcome outcome = LocalRunner().run(sh("yes | head -c 4"));
  signal(SIGPIPE, previous);
  EXPECT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.out, "y\ny\n");
  EXPECT_EQ(outcome.err, "");
}

TEST(LocalRunnerTest, ChildDiesWithItsParent) {
  TempDir dir;
  std::string fifo = dir.path() + "/pid";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  pid_t helper = fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    // A stand-in for cnfctl: runs a long command from a thread, then gets killed. It must not
    // outlive this test process if an assertion below fails.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::thread([&fifo] {
      LocalRunner().run(sh("echo $$ > \"$1\"; exec sleep 100", {fifo}));
    }).detach();
    while (true) pause();
  }
  struct KillOnExit {
    pid_t pid;
    ~KillOnExit() {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } helper_guard{helper};
  int fd = open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(fd, 0);
  pollfd readable{fd, POLLIN, 0};
  ASSERT_EQ(poll(&readable, 1, 30000), 1);
  char text[32] = {};
  ASSERT_GT(read(fd, text, sizeof text - 1), 0);
  close(fd);
  pid_t sleeper = parse_pid(text);

  kill(helper, SIGKILL);
  EXPECT_TRUE(exits_within(sleeper, milliseconds(10000))) << "the child outlived its parent";
}

TEST(LocalRunnerTest, RunAllOfNothingIsNothing) {
  EXPECT_TRUE(LocalRunner().run_all({}).empty());
}

TEST(LocalRunnerTest, RunAllFiftyInParallelKeepsTheOrder) {
  std::vector<Command> commands;
  for (int i = 0; i < 50; ++i)
    commands.push_back(sh("sleep 1; printf %s \"$1\"", {std::to_string(i)}));
  auto start = std::chrono::steady_clock::now();
  std::vector<Outcome> outcomes = LocalRunner().run_all(commands);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(outcomes.size(), commands.size());
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(outcomes[i].ok()) << i << ": " << outcomes[i].describe_status();
    EXPECT_EQ(outcomes[i].out, std::to_string(i));
  }
  // Serially this takes 50 s; in parallel about 1 s. The bound only proves they overlapped.
  EXPECT_LT(elapsed, std::chrono::seconds(40));
}

TEST(LocalRunnerTest, RunAllRespectsTheParallelLimit) {
  TempDir dir;
  std::vector<Command> commands;
  for (int i = 0; i < 9; ++i) {
    // Each child registers itself, counts who is registered, then leaves.
    commands.push_back(sh("mkdir \"$1/$2\"; ls \"$1\" | wc -l; sleep 0.2; rmdir \"$1/$2\"",
                          {dir.path(), std::to_string(i)}));
  }
  std::vector<Outcome> outcomes = LocalRunner().run_all(commands, 3);
  ASSERT_EQ(outcomes.size(), 9u);
  for (const auto& outcome : outcomes) {
    EXPECT_TRUE(outcome.ok()) << outcome.err;
    EXPECT_LE(std::stoi(outcome.out), 3);
  }
}

TEST(LocalRunnerTest, RunAllReportsEachFailureInItsPlace) {
  std::vector<Command> commands = {
      Command{.argv = {"printf", "a"}},
      Command{.argv = {"cnfctl-no-such-program"}},
      sh("exit 4"),
      Command{.argv = {"cat"}, .stdin_bytes = "d"},
  };
  std::vector<Outcome> outcomes = LocalRunner().run_all(commands, 2);
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_EQ(outcomes[0].out, "a");
  EXPECT_EQ(outcomes[1].status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(outcomes[2].exit_code, 4);
  EXPECT_EQ(outcomes[3].out, "d");
}

TEST(LocalRunnerTest, RunFromFourThreadsAtOnce) {
  LocalRunner runner;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&runner, &failures, t] {
      for (int i = 0; i < 25; ++i) {
        std::string tag = std::to_string(t) + "-" + std::to_string(i);
        Command command = sh("cat; printf %s \"$1\"", {tag});
        command.stdin_bytes = tag + ":";
        if (i % 5 == 0) command.timeout = milliseconds(60000);
        Outcome outcome = runner.run(command);
        if (!outcome.ok() || outcome.out != tag + ":" + tag) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace cnfctl::process
