// SealedProgram: a sealed, executable in-memory copy that runs as the program it copies, with
// the seals runc and crun look for; the runner executes it while argv[0] keeps its name.
#include "process/sealed_program.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "process/local_runner.h"

namespace cnfctl::process {
namespace {

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(SealedProgram, IsASealedCopyOfTheFile) {
  auto copy = SealedProgram::copy_of("/bin/echo");
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(copy->path(),
            "/proc/" + std::to_string(::getpid()) + "/fd/" + std::to_string(copy->fd()));
  EXPECT_EQ(::fcntl(copy->fd(), F_GET_SEALS), SealedProgram::kSeals);
  EXPECT_EQ(bytes_of(copy->path()), bytes_of("/bin/echo"));
  // Sealed: no write, no growth, no shrink, through any descriptor.
  const int writable = ::open(copy->path().c_str(), O_WRONLY | O_CLOEXEC);
  if (writable >= 0) {
    EXPECT_LT(::write(writable, "x", 1), 0);
    EXPECT_LT(::ftruncate(writable, 0), 0);
    ::close(writable);
  }
}

TEST(SealedProgram, RunsUnderItsOwnNameThroughTheRunner) {
  auto copy = SealedProgram::copy_of("/bin/sh");
  ASSERT_TRUE(copy.has_value());
  LocalRunner runner;
  // argv[0] is what the program sees; the runner executes the copy.
  auto outcome = runner.run(
      {.argv = {"sh", "-c", "echo \"$0\"; readlink /proc/$$/exe"}, .program = copy->path()});
  ASSERT_TRUE(outcome.ok()) << outcome.describe_status() << outcome.err;
  EXPECT_EQ(outcome.out.substr(0, outcome.out.find('\n')), "sh");
  EXPECT_NE(outcome.out.find("/memfd:sh"), std::string::npos) << outcome.out;
}

TEST(SealedProgram, AProgramThatCannotBeRunFromACopyFallsBackToArgv0) {
  LocalRunner runner;
  auto outcome = runner.run({.argv = {"true"}, .program = "/nonexistent/copy"});
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status();
}

TEST(SealedProgram, NoCopyOfWhatIsNotAnExecutableFile) {
  EXPECT_FALSE(SealedProgram::copy_of("/nonexistent").has_value());
  EXPECT_FALSE(SealedProgram::copy_of("/etc").has_value());
  const std::string data = "/run/cnfctl-sealed-test-" + std::to_string(::getpid());
  std::ofstream(data) << "not a program\n";
  ::chmod(data.c_str(), 0644);
  EXPECT_FALSE(SealedProgram::copy_of(data).has_value());
  ::unlink(data.c_str());
}

}  // namespace
}  // namespace cnfctl::process
