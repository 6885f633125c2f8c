// The bad-input suite: every file here must make `cnfctl` exit 2 with the expected message and
// touch nothing. Each file starts with comment lines that say what to expect:
//   # expect: <text the error message must contain>
//   # where: <text the location must contain>      (optional)
//   # stage: plan                                    (optional: found by planning, not loading)
//   # setup: file|dir <path>                         (optional, repeatable: made before the run)
//   # absent: <path>                                 (optional, repeatable: must never appear)
// "@SCRATCH@" in a file stands for a per-case scratch directory (the "user's" directory): the
// file is copied with it replaced, `setup:` paths are made in it, and after `plan` and `up` it
// must hold exactly what the setup made (nothing created, nothing removed).
//
// Cases that cannot be files in a repository are made at run time by the tests at the end: a
// FIFO, a device and a symlink loop given as FILE, and a file with 110,000 keys.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
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
  std::vector<std::pair<std::string, std::string>> setup;  // kind, path
  std::vector<std::string> absent;
};

std::vector<BadInputCase> load_cases() {
  std::vector<BadInputCase> cases;
  for (const auto& entry : fs::directory_iterator(CNFCTL_BAD_INPUT_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    BadInputCase c{entry.path(), "", "", {}, {}};
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line) && line.rfind('#', 0) == 0) {
      if (line.rfind("# expect: ", 0) == 0) c.expect = line.substr(10);
      if (line.rfind("# where: ", 0) == 0) c.where = line.substr(9);
      if (line.rfind("# absent: ", 0) == 0) c.absent.push_back(line.substr(10));
      if (line.rfind("# setup: ", 0) == 0) {
        std::istringstream words(line.substr(9));
        std::string kind;
        std::string path;
        words >> kind >> path;
        c.setup.emplace_back(kind, path);
      }
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

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Every path under `dir` (relative), with "/" after directories.
std::set<std::string> tree_of(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    auto rel = fs::relative(it->path(), dir).string();
    if (it->is_directory() && !it->is_symlink()) rel += "/";
    out.insert(rel);
  }
  return out;
}

// Runs `plan FILE` and `up FILE --traffic 1s --rm` with state and run dirs under `scratch`.
// Both must exit 2 with `expect` (and `where`) in the message, print nothing on stdout, and
// create neither state dir.
void expect_refused(const fs::path& file, const fs::path& scratch, const std::string& expect,
                    const std::string& where) {
  process::LocalRunner runner;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"plan", file.string()},
        std::vector<std::string>{"up", file.string(), "--traffic", "1s", "--rm"}}) {
    process::Command command;
    command.argv = {CNFCTL_PROGRAM};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.env = {{"CNFCTL_STATE_DIR", (scratch / "state").string()},
                   {"CNFCTL_RUN_DIR", (scratch / "run").string()}};
    command.timeout = std::chrono::seconds(60);
    const process::Outcome outcome = runner.run(command);
    SCOPED_TRACE(args.front());
    EXPECT_EQ(outcome.status, process::Outcome::Status::kExited) << outcome.describe_status();
    EXPECT_EQ(outcome.exit_code, 2) << outcome.err;
    EXPECT_NE(outcome.err.find(expect), std::string::npos) << "expected '" << expect << "' in:\n"
                                                           << outcome.err;
    if (!where.empty()) {
      EXPECT_NE(outcome.err.find(where), std::string::npos)
          << "expected location '" << where << "' in:\n"
          << outcome.err;
    }
    // One location, not the section's and then the key's ("f.yaml:17:9: f.yaml:19:15: ...").
    const auto message_at = outcome.err.find(expect);
    const std::string before = outcome.err.substr(0, message_at);
    const std::string name = file.filename().string() + ":";
    std::size_t named = 0;
    for (auto at = before.find(name); at != std::string::npos; at = before.find(name, at + 1)) {
      ++named;
    }
    EXPECT_LE(named, 1U) << "the location is given more than once:\n" << outcome.err;
    EXPECT_TRUE(outcome.out.empty()) << "printed output for bad input:\n" << outcome.out;
  }
  EXPECT_FALSE(fs::exists(scratch / "state")) << "bad input created " << scratch / "state";
  EXPECT_FALSE(fs::exists(scratch / "run")) << "bad input created " << scratch / "run";
}

fs::path scratch_for(const std::string& name) {
  return fs::temp_directory_path() /
         ("cnfctl-bad-input-" + std::to_string(::getpid()) + "-" + name);
}

class BadInput : public testing::TestWithParam<BadInputCase> {};

TEST_P(BadInput, ExitsTwoWithAClearMessageAndTouchesNothing) {
  const BadInputCase& c = GetParam();
  ASSERT_FALSE(c.expect.empty()) << c.file << " has no '# expect: ' line";
  const fs::path scratch = scratch_for(c.file.stem().string());
  const fs::path user = scratch / "user";
  fs::remove_all(scratch);
  fs::create_directories(user);
  for (const auto& [kind, path] : c.setup) {
    const auto target = user / path;
    fs::create_directories(kind == "dir" ? target : target.parent_path());
    if (kind == "file") std::ofstream(target) << "the user's data\n";
  }
  const auto before = tree_of(user);

  // The file as given, with @SCRATCH@ replaced; under its own name so locations match.
  std::ifstream in(c.file);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::path file = c.file;
  if (text.find("@SCRATCH@") != std::string::npos) {
    file = scratch / c.file.filename();
    std::ofstream(file) << replace_all(text, "@SCRATCH@", user.string());
  }
  expect_refused(file, scratch, replace_all(c.expect, "@SCRATCH@", user.string()), c.where);

  EXPECT_EQ(tree_of(user), before) << "bad input changed the user's directory " << user;
  for (const auto& path : c.absent) {
    EXPECT_FALSE(fs::exists(fs::symlink_status(user / path))) << "bad input created " << path;
  }
  for (const auto& [kind, path] : c.setup) {
    if (kind == "file") {
      EXPECT_TRUE(fs::is_regular_file(user / path)) << path << " is gone";
    }
  }
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

// --- cases made at run time ---------------------------------------------------------------

class BadInputMadeAtRunTime : public testing::Test {
 protected:
  void SetUp() override {
    scratch_ = scratch_for(testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(scratch_);
    fs::create_directories(scratch_ / "user");
  }
  void TearDown() override { fs::remove_all(scratch_); }
  fs::path user() const { return scratch_ / "user"; }
  fs::path scratch_;
};

// Before: `plan` and `up` opened the FIFO and blocked forever (the test's 60 s deadline would
// kill them and fail the exit-code check).
TEST_F(BadInputMadeAtRunTime, FifoAsFileIsRefusedWithoutBlocking) {
  const auto fifo = user() / "topo.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_refused(fifo, scratch_, "it is a FIFO (named pipe), not a regular file", fifo.string());
}

TEST_F(BadInputMadeAtRunTime, DeviceAsFileIsRefusedWithoutReadingIt) {
  const auto device = user() / "topo.yaml";
  fs::create_symlink("/dev/zero", device);
  expect_refused(device, scratch_, "it is a character device, not a regular file", device.string());
}

TEST_F(BadInputMadeAtRunTime, SymlinkLoopAsFileIsRefused) {
  const auto loop = user() / "topo.yaml";
  fs::create_symlink(user() / "other.yaml", loop);
  fs::create_symlink(loop, user() / "other.yaml");
  expect_refused(loop, scratch_, "Too many levels of symbolic links", loop.string());
}

// 110,000 keys in under 1 MiB, the last one a duplicate of the first: found (at its line)
// after reading every key once. Before: the duplicate check compared every key with every
// earlier one (16 s of CPU for `plan`); bench/topology_load measures the cost per key.
TEST_F(BadInputMadeAtRunTime, HundredThousandKeysAreCheckedInOnePass) {
  constexpr int kKeys = 110000;
  // "n" and 4 base-36 digits: 9 bytes a line.
  auto name = [](int i) {
    std::string out = "n0000";
    for (int pos = 4; pos > 0; --pos, i /= 36) {
      out[static_cast<std::size_t>(pos)] = "0123456789abcdefghijklmnopqrstuvwxyz"[i % 36];
    }
    return out;
  };
  std::string text = "containers:\n  - {prefix: nf, node: n0000}\nnodes:\n";
  for (int i = 0; i < kKeys; ++i) text += "  " + name(i) + ":\n";
  text += "  n0000:\n";
  ASSERT_LT(text.size(), std::size_t{1} << 20);
  const auto file = user() / "many_keys.yaml";
  std::ofstream(file) << text;
  expect_refused(file, scratch_, "duplicate key 'n0000' in nodes (first written at line 4)",
                 "many_keys.yaml:" + std::to_string(kKeys + 4) + ":3");
}

}  // namespace
}  // namespace cnfctl
