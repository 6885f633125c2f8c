// SshRunner against a stand-in `ssh` that runs the remote command with /bin/sh here: the
// wrapper scripts, quoting, markers, deadlines and error mapping without an sshd. The real
// thing (sshd in network namespaces) is tests/integration/ssh/.
#include "process/ssh_runner.h"

#include <dirent.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace cnfctl::process {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

// Parses ssh's argv like ssh does (enough for what SshRunner passes) and acts locally. A
// prelude may make a mode fail the way real ssh fails.
constexpr const char* kFakeSshBody = R"sh(
mode=session S= req=
while [ $# -gt 0 ]; do
  case $1 in
    -M) mode=master ;;
    -O) mode=control; req=$2; shift ;;
    -S) S=$2; shift ;;
    -o|-i|-p|-l|-e) shift ;;
    --) shift; break ;;
  esac
  shift
done
shift  # the host
case $mode in
master)
  if [ -n "$master_error" ]; then printf '%s\n' "$master_error" >&2; exit 255; fi
  setsid sleep 600 </dev/null >/dev/null 2>&1 &
  echo $! > "$S"
  exit 0 ;;
control)
  p=$(cat "$S" 2>/dev/null) || exit 255
  case $req in
    check) kill -0 "$p" && echo "Master running (pid=$p)" >&2 ;;
    exit) kill "$p"; rm -f "$S"; echo "Exit request sent." >&2 ;;
  esac
  exit 0 ;;
esac
if [ -n "$session_error" ]; then printf '%s\n' "$session_error" >&2; exit "$session_code"; fi
exec /bin/sh -c "$1"
)sh";

class SshRunnerFake : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cnfctl-ssh-unit-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes a fake ssh with `prelude` (shell assignments) and returns options that use it.
  SshOptions fake(const std::string& prelude = "") {
    std::string path = dir_ + fmt::format("/ssh{}", fakes_++);
    std::ofstream(path) << "#!/bin/sh\n" << prelude << "\n" << kFakeSshBody;
    ::chmod(path.c_str(), 0755);
    SshOptions options;
    options.node = "dut1";
    options.host = "fakehost";
    options.ssh_program = path;
    options.control_dir = dir_;
    return options;
  }

  std::string dir_;
  int fakes_ = 0;
};

// Whether any process has `word` as one of its arguments.
bool process_with_argument(const std::string& word) {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return false;
  bool found = false;
  while (dirent* entry = readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream file(fmt::format("/proc/{}/cmdline", entry->d_name));
    std::stringstream text;
    text << file.rdbuf();
    std::string cmdline = text.str();
    std::size_t start = 0;
    while (start < cmdline.size()) {
      std::size_t end = cmdline.find('\0', start);
      if (end == std::string::npos) end = cmdline.size();
      if (cmdline.compare(start, end - start, word) == 0) found = true;
      start = end + 1;
    }
  }
  closedir(proc);
  return found;
}

TEST_F(SshRunnerFake, RoundTripsArgvAndStdinExactly) {
  SshRunner runner(fake());
  std::vector<std::string> words = {"a b", "'", "\"", "$HOME", "`id`", "x\ny",
                                    "",    "*", "-n", "\\",    "if",   "a;b|c&d"};
  Command command{.argv = {"printf", "<%s>"}};
  command.argv.insert(command.argv.end(), words.begin(), words.end());
  Outcome outcome = runner.run(command);
  std::string expected;
  for (const auto& word : words) expected += "<" + word + ">";
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status() << outcome.err;
  EXPECT_EQ(outcome.out, expected);
  EXPECT_EQ(outcome.err, "");

  std::string bytes;
  for (int i = 0; i < 70000; ++i) bytes += static_cast<char>(i * 7 % 256);
  Outcome cat = runner.run(Command{.argv = {"cat"}}.with_stdin(bytes));
  EXPECT_TRUE(cat.ok());
  EXPECT_EQ(cat.out, bytes);
}

TEST_F(SshRunnerFake, ExitCodesSignalsAndStderr) {
  SshRunner runner(fake());
  Outcome three = runner.run(Command{.argv = {"sh", "-c", "echo oops >&2; printf e >&2; exit 3"}});
  EXPECT_EQ(three.status, Outcome::Status::kExited);
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_EQ(three.err, "oops\ne");
  Outcome all = runner.run(Command{.argv = {"sh", "-c", "exit 255"}});
  EXPECT_EQ(all.status, Outcome::Status::kExited);
  EXPECT_EQ(all.exit_code, 255);
  Outcome term = runner.run(Command{.argv = {"sh", "-c", "kill -TERM $$"}});
  EXPECT_EQ(term.status, Outcome::Status::kKilled);
  EXPECT_EQ(term.signal, SIGTERM);
  EXPECT_EQ(term.describe_status(), "killed by signal 15 (SIGTERM)");
}

TEST_F(SshRunnerFake, CwdEnvAndStartFailures) {
  SshRunner runner(fake());
  Command command{.argv = {"sh", "-c", "pwd; printf '%s|%s' \"$K\" \"${HOME-unset}\""}};
  command.in_dir("/usr").set_env("K", "v w$x").unset("HOME");
  Outcome outcome = runner.run(command);
  EXPECT_TRUE(outcome.ok()) << outcome.err;
  EXPECT_EQ(outcome.out, "/usr\nv w$x|unset");

  Outcome missing = runner.run(Command{.argv = {"no-such-program-cnfctl"}});
  EXPECT_EQ(missing.status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(missing.start_errno, ENOENT);
  EXPECT_EQ(missing.err, "");
  Outcome not_exec = runner.run(Command{.argv = {"/etc/passwd"}});
  EXPECT_EQ(not_exec.status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(not_exec.start_errno, EACCES);
  Outcome bad_dir = runner.run(Command{.argv = {"true"}}.in_dir("/no/such/dir"));
  EXPECT_EQ(bad_dir.status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(bad_dir.start_step, "chdir");
  EXPECT_EQ(bad_dir.describe_status(), "failed to start: chdir: No such file or directory");
  Outcome empty = runner.run(Command{});
  EXPECT_EQ(empty.status, Outcome::Status::kFailedToStart);
}

TEST_F(SshRunnerFake, DeadlineKillsTheRemoteSession) {
  SshRunner runner(fake());
  std::string a = fmt::format("901.{}", getpid());
  std::string b = fmt::format("902.{}", getpid());
  auto started = std::chrono::steady_clock::now();
  Outcome outcome = runner.run(
      Command{.argv = {"sh", "-c", "sleep \"$1\" & sleep \"$2\"", "sh", a, b}}.with_timeout(300ms));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(outcome.status, Outcome::Status::kTimedOut);
  EXPECT_LT(took, 3s);
  EXPECT_FALSE(process_with_argument(a));
  EXPECT_FALSE(process_with_argument(b));
}

TEST_F(SshRunnerFake, LeftoverProcessesHoldingTheOutputAreEnded) {
  SshRunner runner(fake());
  std::string token = fmt::format("903.{}", getpid());
  Outcome outcome =
      runner.run(Command{.argv = {"sh", "-c", "sleep \"$1\" & echo done", "sh", token}});
  EXPECT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.out, "done\n");
  EXPECT_LT(outcome.elapsed, 30s);  // not the 903 s of the sleep
  // Killed when the run ended; on a loaded machine the kernel may take a moment to finish it.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (process_with_argument(token) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(process_with_argument(token));
}

TEST_F(SshRunnerFake, RunAllKeepsOrderAndTheSessionLimit) {
  SshOptions options = fake();
  options.max_sessions = 2;
  SshRunner runner(options);
  std::vector<Command> commands;
  for (int i = 0; i < 6; ++i) {
    commands.push_back(Command{.argv = {"sh", "-c", "sleep 0.2; echo $0", std::to_string(i)}});
  }
  auto started = std::chrono::steady_clock::now();
  auto outcomes = runner.run_all(commands, 0);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(outcomes.size(), 6U);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(outcomes[i].out, std::to_string(i) + "\n");
  EXPECT_GE(took, 550ms);  // 3 rounds of 2
}

TEST_F(SshRunnerFake, OutputLimitKeepsTheTail) {
  SshRunner runner(fake());
  Outcome outcome = runner.run(
      Command{.argv = {"sh", "-c", "printf 0123456789; printf abcdefghij >&2"}}.with_output_limit(
          4));
  EXPECT_EQ(outcome.out, "6789");
  EXPECT_TRUE(outcome.out_truncated);
  EXPECT_EQ(outcome.err, "ghij");
  EXPECT_TRUE(outcome.err_truncated);
}

TEST_F(SshRunnerFake, OneMasterUntilClose) {
  SshRunner runner(fake());
  EXPECT_EQ(runner.name(), "ssh root@fakehost:22");
  runner.run(Command{.argv = {"true"}});
  runner.run_all({Command{.argv = {"true"}}, Command{.argv = {"true"}}});
  EXPECT_EQ(runner.connections_opened(), 1U);
  ASSERT_TRUE(std::filesystem::exists(runner.control_path()));
  runner.close();
  EXPECT_FALSE(std::filesystem::exists(runner.control_path()));
  runner.run(Command{.argv = {"true"}});  // reconnects
  EXPECT_EQ(runner.connections_opened(), 2U);
}

SshError expect_ssh_error(SshRunner& runner, const Command& command, SshFailure failure) {
  try {
    runner.run(command);
  } catch (const SshError& e) {
    EXPECT_EQ(e.failure(), failure) << e.describe();
    EXPECT_THAT(e.describe(), HasSubstr("node dut1"));
    return e;
  }
  ADD_FAILURE() << "no SshError";
  return SshError(SshFailure::kOther, "none");
}

TEST_F(SshRunnerFake, AuthenticationRefusedAtConnect) {
  SshRunner runner(fake("master_error='root@fakehost: Permission denied (publickey).'"));
  SshError e = expect_ssh_error(runner, Command{.argv = {"true"}}, SshFailure::kAuthRefused);
  EXPECT_THAT(e.describe(), HasSubstr("authentication refused while connecting"));
  EXPECT_THAT(e.describe(), HasSubstr("Permission denied (publickey)"));
}

TEST_F(SshRunnerFake, ConnectionLostMidRun) {
  SshRunner runner(
      fake("session_error='Connection to fakehost closed by remote host.' "
           "session_code=255"));
  SshError e = expect_ssh_error(runner, Command{.argv = {"vppctl", "show", "int"}},
                                SshFailure::kConnectionLost);
  EXPECT_THAT(e.describe(), HasSubstr("vppctl show int"));
  EXPECT_THAT(e.describe(), HasSubstr("connection was lost while running a command"));
  std::vector<Command> many(5, Command{.argv = {"true"}});
  EXPECT_THROW(runner.run_all(many), SshError);
}

TEST_F(SshRunnerFake, SudoAskingForAPassword) {
  SshOptions options = fake("session_error='sudo: a password is required' session_code=1");
  options.sudo = true;
  options.user = "cnf";
  SshRunner runner(options);
  SshError e = expect_ssh_error(runner, Command{.argv = {"true"}}, SshFailure::kSudoPassword);
  EXPECT_THAT(e.describe(), HasSubstr("cnf ALL=(ALL) NOPASSWD: ALL"));
}

}  // namespace
}  // namespace cnfctl::process
