// Verifies the data of tests/bad_input/ against the loader alone: every file fails to load with
// its `# expect:` text (and `# where:` location), except `# stage: plan` files, which must load
// so that the plan builder is the one to reject them. "@SCRATCH@" (a scratch directory the
// bad-input suite makes) is read as /tmp/cnfctl-scratch.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/error.h"
#include "topology/loader.h"

namespace cnfctl::topology {
namespace {

namespace fs = std::filesystem;

struct BadFile {
  fs::path path;
  std::string expect;
  std::string where;
  bool plan_stage = false;
};

// The file's text with @SCRATCH@ replaced, loaded under its own path.
Topology load(const fs::path& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto at = text.find("@SCRATCH@"); at != std::string::npos; at = text.find("@SCRATCH@")) {
    text.replace(at, 9, "/tmp/cnfctl-scratch");
  }
  return load_topology_text(text, path.string());
}

std::vector<BadFile> bad_files() {
  std::vector<BadFile> files;
  for (const auto& entry : fs::directory_iterator(CNFCTL_SOURCE_DIR "/tests/bad_input")) {
    if (entry.path().extension() != ".yaml") continue;
    BadFile file{entry.path(), "", "", false};
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line) && line.starts_with("#")) {
      if (line.starts_with("# expect: ")) file.expect = line.substr(10);
      if (line.starts_with("# where: ")) file.where = line.substr(9);
      if (line == "# stage: plan") file.plan_stage = true;
    }
    files.push_back(file);
  }
  std::sort(files.begin(), files.end(),
            [](const BadFile& a, const BadFile& b) { return a.path < b.path; });
  return files;
}

TEST(BadInputFiles, EachFailsToLoadWithItsExpectedMessage) {
  const auto files = bad_files();
  EXPECT_GE(files.size(), 34u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.path.filename().string());
    ASSERT_FALSE(file.expect.empty()) << "no '# expect: ' line";
    if (file.plan_stage) {
      EXPECT_NO_THROW(load(file.path)) << "a plan-stage file must load";
      continue;
    }
    try {
      load(file.path);
      ADD_FAILURE() << "loaded without an error";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_NE(e.describe().find(file.expect), std::string::npos)
          << "expected '" << file.expect << "' in: " << e.describe();
      EXPECT_NE(e.describe().find(file.where), std::string::npos)
          << "expected location '" << file.where << "' in: " << e.describe();
    }
  }
}

}  // namespace
}  // namespace cnfctl::topology
