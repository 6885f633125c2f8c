#include "process/runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>

#include "common/error.h"

namespace cnfctl::process {
namespace {

using ::testing::HasSubstr;

Outcome exited(int code, std::string err = "", std::string out = "") {
  Outcome outcome;
  outcome.status = Outcome::Status::kExited;
  outcome.exit_code = code;
  outcome.err = std::move(err);
  outcome.out = std::move(out);
  return outcome;
}

TEST(CommandTest, DisplayQuotesTheArgv) {
  Command command{.argv = {"docker", "exec", "nf 1", "it's"}};
  EXPECT_EQ(command.display(), "docker exec 'nf 1' 'it'\\''s'");
  EXPECT_EQ(Command{}.display(), "");
}

TEST(OutcomeTest, OkOnlyForExitCodeZero) {
  EXPECT_TRUE(exited(0).ok());
  EXPECT_FALSE(exited(1).ok());
  Outcome killed;
  killed.status = Outcome::Status::kKilled;
  killed.exit_code = 0;
  EXPECT_FALSE(killed.ok());
}

TEST(OutcomeTest, DescribeStatus) {
  EXPECT_EQ(exited(3).describe_status(), "exited with code 3");

  Outcome killed;
  killed.status = Outcome::Status::kKilled;
  killed.signal = SIGKILL;
  EXPECT_EQ(killed.describe_status(), "killed by signal 9 (SIGKILL)");

  Outcome timed_out;
  timed_out.status = Outcome::Status::kTimedOut;
  timed_out.elapsed = std::chrono::milliseconds(500);
  EXPECT_EQ(timed_out.describe_status(), "timed out after 500 ms");

  Outcome not_started;
  not_started.status = Outcome::Status::kFailedToStart;
  not_started.start_errno = ENOENT;
  not_started.start_step = "exec";
  EXPECT_EQ(not_started.describe_status(), "failed to start: No such file or directory");
  not_started.start_step = "chdir";
  EXPECT_EQ(not_started.describe_status(), "failed to start: chdir: No such file or directory");
}

TEST(OutcomeTest, TailKeepsTheLastLinesOfStderr) {
  EXPECT_EQ(exited(1, "a\nb\nc\nd\n").tail(2), "c\nd");
  EXPECT_EQ(exited(1, "a\nb").tail(5), "a\nb");
  EXPECT_EQ(exited(1, "only").tail(1), "only");
  EXPECT_EQ(exited(1, "a\nb\n\n\n").tail(1), "b");
  EXPECT_EQ(exited(1, "a\nb\n").tail(0), "");
  EXPECT_EQ(exited(1, "").tail(), "");
}

TEST(OutcomeTest, TailFallsBackToStdout) {
  EXPECT_EQ(exited(1, "", "x\ny\n").tail(1), "y");
  EXPECT_EQ(exited(1, "e\n", "x\ny\n").tail(1), "e");
}

class CannedRunner : public Runner {
 public:
  explicit CannedRunner(Outcome outcome) : outcome_(std::move(outcome)) {}
  Outcome run(const Command&) override { return outcome_; }
  std::vector<Outcome> run_all(const std::vector<Command>& commands, std::size_t) override {
    return std::vector<Outcome>(commands.size(), outcome_);
  }
  std::string name() const override { return "canned"; }

 private:
  Outcome outcome_;
};

TEST(RunCheckedTest, ReturnsTheOutcomeOnSuccess) {
  CannedRunner runner(exited(0, "", "hello\n"));
  EXPECT_EQ(run_checked(runner, Command{.argv = {"true"}}, "say hello").out, "hello\n");
}

TEST(RunCheckedTest, ThrowsWithCommandStatusAndStderrTail) {
  CannedRunner runner(exited(125, "pulling\nError: no such image\n"));
  Command command{.argv = {"docker", "run", "my image"}};
  try {
    run_checked(runner, command, "create container nf1");
    FAIL() << "run_checked did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kFailure);
    EXPECT_EQ(error.message(), "create container nf1 failed");
    EXPECT_THAT(error.describe(), HasSubstr("command: docker run 'my image'"));
    EXPECT_THAT(error.describe(), HasSubstr("status: exited with code 125"));
    EXPECT_THAT(error.describe(), HasSubstr("Error: no such image"));
    ASSERT_TRUE(error.stderr_tail().has_value());
    EXPECT_EQ(*error.stderr_tail(), "pulling\nError: no such image");
  }
}

}  // namespace
}  // namespace cnfctl::process
