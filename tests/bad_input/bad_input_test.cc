// The bad-input suite: every file here must make `cnfctl` exit 2 with the expected message and
// touch nothing. Each file starts with comment lines that say what to expect:
//   # expect: <text the error message must contain>
//   # where: <text the location must contain>      (optional)
//   # stage: plan                                    (optional: found by planning, not loading)
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "process/local_runner.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;

struct BadInputCase {
  fs::path file;
  std::string expect;
  std::string where;
};

std::vector<BadInputCase> load_cases() {
  std::vector<BadInputCase> cases;
  for (const auto& entry : fs::directory_iterator(CNFCTL_BAD_INPUT_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    BadInputCase c{entry.path(), "", ""};
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line) && line.rfind('#', 0) == 0) {
      if (line.rfind("# expect: ", 0) == 0) c.expect = line.substr(10);
      if (line.rfind("# where: ", 0) == 0) c.where = line.substr(9);
    }
    cases.push_back(c);
  }
  std::sort(cases.begin(), cases.end(),
            [](const auto& a, const auto& b) { return a.file < b.file; });
  return cases;
}

// Test names are the file names; print the case as its file, not as bytes.
void PrintTo(const BadInputCase& c, std::ostream* os) {
  *os << c.file.filename();
}

class BadInput : public testing::TestWithParam<BadInputCase> {};

TEST_P(BadInput, ExitsTwoWithAClearMessageAndTouchesNothing) {
  const BadInputCase& c = GetParam();
  ASSERT_FALSE(c.expect.empty()) << c.file << " has no '# expect: ' line";
  const fs::path scratch =
      fs::temp_directory_path() /
      ("cnfctl-bad-input-" + std::to_string(::getpid()) + "-" + c.file.stem().string());
  fs::remove_all(scratch);
  process::LocalRunner runner;
  // `plan` and `up` must both refuse before touching anything (up with --traffic --rm too).
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"plan", c.file.string()},
        std::vector<std::string>{"up", c.file.string(), "--traffic", "1s", "--rm"}}) {
    process::Command command;
    command.argv = {CNFCTL_PROGRAM};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.env = {{"CNFCTL_STATE_DIR", (scratch / "state").string()},
                   {"CNFCTL_RUN_DIR", (scratch / "run").string()}};
    command.timeout = std::chrono::seconds(30);
    const process::Outcome outcome = runner.run(command);
    SCOPED_TRACE(args.front());
    EXPECT_EQ(outcome.status, process::Outcome::Status::kExited) << outcome.describe_status();
    EXPECT_EQ(outcome.exit_code, 2) << outcome.err;
    EXPECT_NE(outcome.err.find(c.expect), std::string::npos)
        << "expected '" << c.expect << "' in:\n"
        << outcome.err;
    if (!c.where.empty()) {
      EXPECT_NE(outcome.err.find(c.where), std::string::npos)
          << "expected location '" << c.where << "' in:\n"
          << outcome.err;
    }
    EXPECT_TRUE(outcome.out.empty()) << "printed output for bad input:\n" << outcome.out;
  }
  EXPECT_FALSE(fs::exists(scratch)) << "bad input created " << scratch;
  fs::remove_all(scratch);
}

std::string case_name(const testing::TestParamInfo<BadInputCase>& info) {
  std::string name = info.param.file.stem().string();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, BadInput, testing::ValuesIn(load_cases()), case_name);

TEST(BadInputSuite, HasAtLeastThirtyFiles) {
  EXPECT_GE(load_cases().size(), 30U);
}

}  // namespace
}  // namespace cnfctl
