// SshRunner against real sshd instances (DUT1, DUT2 in network namespaces; see ssh_hosts.h).
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include "process/ssh_runner.h"
#include "ssh_hosts.h"

namespace cnfctl::process {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class SshNodes : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    try {
      hosts_ = std::make_unique<testing::SshTestHosts>();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { hosts_.reset(); }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_TRUE(hosts_) << setup_error_;
  }

  static testing::SshTestHosts& hosts() { return *hosts_; }

  static std::unique_ptr<testing::SshTestHosts> hosts_;
  static std::string setup_error_;
};

std::unique_ptr<testing::SshTestHosts> SshNodes::hosts_;
std::string SshNodes::setup_error_;

std::string random_bytes(std::size_t size) {
  std::mt19937 engine(42);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(engine() & 0xff);
  for (int c = 0; c < 256; ++c) bytes[static_cast<std::size_t>(c)] = static_cast<char>(c);
  return bytes;
}

SshError expect_ssh_error(const std::function<void()>& action, SshFailure failure) {
  try {
    action();
  } catch (const SshError& e) {
    EXPECT_EQ(e.failure(), failure) << e.describe();
    return e;
  }
  ADD_FAILURE() << "no SshError";
  return SshError(SshFailure::kOther, "none");
}

TEST_F(SshNodes, ExecRoundTripsArgvAndBytes) {
  SshRunner runner(hosts().options(1));
  std::vector<std::string> words = {"a b",  "'",  "\"",      "$HOME", "`id`", "$(id)",
                                    "x\ny", "",   " ",       "*",     "~",    "-n",
                                    "\\",   "if", "a;b|c&d", "\t\r",  "é€",   "%s"};
  Command command{.argv = {"printf", "<%s>"}};
  command.argv.insert(command.argv.end(), words.begin(), words.end());
  Outcome outcome = runner.run(command);
  std::string expected;
  for (const auto& word : words) expected += "<" + word + ">";
  ASSERT_TRUE(outcome.ok()) << outcome.describe_status() << "\n" << outcome.err;
  EXPECT_EQ(outcome.out, expected);
  EXPECT_EQ(outcome.err, "");

  std::string blob = random_bytes(1 << 20);
  auto started = Clock::now();
  Outcome cat = runner.run(
      Command{.argv = {"sh", "-c", "cat; cat \"$0\" >&2", "/dev/null"}}.with_stdin(blob));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  ASSERT_TRUE(cat.ok()) << cat.err;
  EXPECT_EQ(cat.out.size(), blob.size());
  EXPECT_TRUE(cat.out == blob);
  EXPECT_FALSE(cat.out_truncated);
  std::cout << "1 MiB stdin -> stdout over ssh: " << took.count() << " ms\n";

  Outcome err = runner.run(Command{.argv = {"sh", "-c", "head -c 300000 >&2"}}.with_stdin(blob));
  EXPECT_TRUE(err.err == blob.substr(0, 300000));
}

TEST_F(SshNodes, EnvCwdExitCodesAndSignals) {
  SshRunner runner(hosts().options(1));
  Command command{.argv = {"sh", "-c", "pwd; printf '%s' \"$K\"; exit 7"}};
  command.in_dir("/usr/share").set_env("K", "v 'w' $x");
  Outcome outcome = runner.run(command);
  EXPECT_EQ(outcome.status, Outcome::Status::kExited);
  EXPECT_EQ(outcome.exit_code, 7);
  EXPECT_EQ(outcome.out, "/usr/share\nv 'w' $x");
  Outcome all = runner.run(Command{.argv = {"sh", "-c", "exit 255"}});
  EXPECT_EQ(all.status, Outcome::Status::kExited);
  EXPECT_EQ(all.exit_code, 255);
  Outcome killed = runner.run(Command{.argv = {"sh", "-c", "kill -KILL $$"}});
  EXPECT_EQ(killed.status, Outcome::Status::kKilled);
  EXPECT_EQ(killed.signal, SIGKILL);
  Outcome missing = runner.run(Command{.argv = {"no-such-program"}});
  EXPECT_EQ(missing.status, Outcome::Status::kFailedToStart);
  EXPECT_EQ(missing.start_errno, ENOENT);
  Outcome bad_dir = runner.run(Command{.argv = {"true"}}.in_dir("/nonexistent"));
  EXPECT_EQ(bad_dir.start_step, "chdir");
}

TEST_F(SshNodes, DeadlineKillsTheRemoteProcesses) {
  SshRunner runner(hosts().options(1));
  std::string a = fmt::format("911.{}", getpid());
  std::string b = fmt::format("912.{}", getpid());
  Outcome outcome = runner.run(
      Command{.argv = {"sh", "-c", "sleep \"$1\" & sleep \"$2\"", "sh", a, b}}.with_timeout(500ms));
  EXPECT_EQ(outcome.status, Outcome::Status::kTimedOut);
  EXPECT_LT(outcome.elapsed, 3s);
  std::cout << "deadline 500 ms -> outcome after " << outcome.elapsed.count() << " ms\n";
  // The remote side: no process of the command is left in DUT1.
  EXPECT_FALSE(hosts().runs(1, a));
  EXPECT_FALSE(hosts().runs(1, b));
  EXPECT_TRUE(runner.run(Command{.argv = {"true"}}).ok());  // the master is fine
}

TEST_F(SshNodes, TwentyParallelExecsShareOneConnection) {
  SshOptions options = hosts().options(1);
  options.max_sessions = 20;  // the test sshd allows 64 sessions per connection
  SshRunner runner(options);
  std::vector<Command> commands;
  for (int i = 0; i < 20; ++i) {
    commands.push_back(Command{.argv = {"sh", "-c",
                                        "sleep 0.5; echo \"$0\"; ss -Htn state established "
                                        "'( sport = :22 )' | wc -l",
                                        std::to_string(i)}});
  }
  auto started = Clock::now();
  auto outcomes = runner.run_all(commands);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(outcomes[i].ok()) << outcomes[i].err;
    EXPECT_EQ(outcomes[i].out, fmt::format("{}\n1\n", i));  // one connection while all ran
  }
  EXPECT_EQ(runner.connections_opened(), 1U);
  EXPECT_EQ(hosts().ssh_connections(1), 1);
  EXPECT_LT(took, 2500ms);  // concurrent: 20 x 0.5 s would be 10 s
  std::cout << "20 parallel execs (0.5 s each, 1 master incl. connect): " << took.count()
            << " ms\n";

  std::vector<Command> trivial(20, Command{.argv = {"true"}});
  started = Clock::now();
  outcomes = runner.run_all(trivial);
  took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  for (const auto& outcome : outcomes) EXPECT_TRUE(outcome.ok());
  std::cout << "20 parallel `true` over the warm master: " << took.count() << " ms\n";

  // The default bound (8 sessions) runs them in 3 rounds over the same connection.
  SshRunner bounded(hosts().options(1));
  started = Clock::now();
  outcomes = bounded.run_all(commands);
  took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  for (const auto& outcome : outcomes) EXPECT_TRUE(outcome.ok());
  EXPECT_GE(took, 1500ms);
  std::cout << "20 execs bounded to 8 sessions: " << took.count() << " ms\n";
  runner.close();
  bounded.close();
  for (int i = 0; i < 100 && hosts().ssh_connections(1) != 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(hosts().ssh_connections(1), 0);  // close() ended the masters
}

TEST_F(SshNodes, BothDutsAtOnce) {
  SshRunner dut1(hosts().options(1));
  SshRunner dut2(hosts().options(2));
  auto on = [](SshRunner& runner) {
    return std::async(std::launch::async, [&runner] {
      return runner.run(Command{.argv = {"ip", "-4", "-o", "addr", "show", "scope", "global"}});
    });
  };
  auto first = on(dut1);
  auto second = on(dut2);
  Outcome one = first.get();
  Outcome two = second.get();
  EXPECT_THAT(one.out, HasSubstr("10.99.1.2/24"));
  EXPECT_THAT(one.out, ::testing::Not(HasSubstr("10.99.2.2")));
  EXPECT_THAT(two.out, HasSubstr("10.99.2.2/24"));
  EXPECT_EQ(dut1.name(), "ssh root@10.99.1.2:22");
}

TEST_F(SshNodes, NonRootUserWithSudo) {
  SshRunner sudo(hosts().options(1, testing::kSudoUser));
  Outcome root = sudo.run(Command{.argv = {"sh", "-c", "id -u; printf '%s' \"$X\""}}
                              .set_env("X", "a'b")
                              .with_stdin("ignored"));
  EXPECT_TRUE(root.ok()) << root.err;
  EXPECT_EQ(root.out, "0\na'b");
  EXPECT_EQ(root.err, "");

  std::string token = fmt::format("913.{}", getpid());
  Outcome timed = sudo.run(Command{.argv = {"sleep", token}}.with_timeout(400ms));
  EXPECT_EQ(timed.status, Outcome::Status::kTimedOut);
  EXPECT_FALSE(hosts().runs(1, token));

  SshOptions plain = hosts().options(1, testing::kSudoUser);
  plain.sudo = false;
  SshRunner user(plain);
  EXPECT_EQ(user.run(Command{.argv = {"id", "-un"}}).out, std::string(testing::kSudoUser) + "\n");
}

TEST_F(SshNodes, SudoAskingForAPasswordIsAClearError) {
  SshRunner runner(hosts().options(1, testing::kPasswordUser));
  SshError e =
      expect_ssh_error([&] { runner.run(Command{.argv = {"true"}}); }, SshFailure::kSudoPassword);
  EXPECT_THAT(e.describe(), HasSubstr("node dut1"));
  EXPECT_THAT(e.describe(), HasSubstr("NOPASSWD"));
  std::cout << e.describe() << "\n";
}

TEST_F(SshNodes, WrongKeyIsAuthenticationRefused) {
  SshOptions options = hosts().options(2);
  options.identity_file = hosts().unauthorized_key();
  SshRunner runner(options);
  SshError e = expect_ssh_error([&] { runner.connect(); }, SshFailure::kAuthRefused);
  EXPECT_THAT(e.describe(), HasSubstr("node dut2"));
  EXPECT_THAT(e.describe(), HasSubstr("Permission denied (publickey)"));
  EXPECT_THAT(e.describe(), HasSubstr("authorized_keys"));
  std::cout << e.describe() << "\n";
}

TEST_F(SshNodes, UnknownHostKeyIsRefused) {
  SshOptions options = hosts().options(2);
  options.ssh_options[0] = "UserKnownHostsFile=" + hosts().empty_known_hosts();
  SshRunner runner(options);
  SshError e =
      expect_ssh_error([&] { runner.run(Command{.argv = {"true"}}); }, SshFailure::kHostKeyUnknown);
  EXPECT_THAT(e.describe(), HasSubstr("ssh-keyscan -p 22 10.99.2.2"));
  std::cout << e.describe() << "\n";
}

TEST_F(SshNodes, StoppedSshdIsUnreachableAndKilledSshdIsConnectionLost) {
  SshRunner runner(hosts().options(2));
  ASSERT_TRUE(runner.run(Command{.argv = {"true"}}).ok());

  // sshd (and with it the master's connection) dies while a command runs.
  std::string token = fmt::format("914.{}", getpid());
  auto running = std::async(std::launch::async, [&] {
    return runner.run(Command{.argv = {"sleep", token}}.with_timeout(20s));
  });
  for (int i = 0; i < 200 && !hosts().runs(2, token); ++i) std::this_thread::sleep_for(10ms);
  hosts().stop_sshd(2);
  auto started = Clock::now();
  SshError lost = expect_ssh_error([&] { running.get(); }, SshFailure::kConnectionLost);
  EXPECT_LT(Clock::now() - started, 5s);
  EXPECT_THAT(lost.describe(), HasSubstr("node dut2"));
  EXPECT_THAT(lost.describe(), HasSubstr("sleep " + token));
  std::cout << lost.describe() << "\n";

  // Nothing listens now: the reconnect is refused.
  SshError refused =
      expect_ssh_error([&] { runner.run(Command{.argv = {"true"}}); }, SshFailure::kUnreachable);
  EXPECT_THAT(refused.describe(), HasSubstr("Connection refused"));
  std::cout << refused.describe() << "\n";

  // Back up: the same runner reconnects.
  hosts().start_sshd(2);
  EXPECT_TRUE(runner.run(Command{.argv = {"true"}}).ok());
  EXPECT_EQ(runner.connections_opened(), 2U);
}

}  // namespace
}  // namespace cnfctl::process
