// VersionCache: a version line is used again only while the program file is the same file.
#include "node/version_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "node/node_survey.h"
#include "support/scoped_env.h"

namespace cnfctl::node {
namespace {

namespace fs = std::filesystem;

class VersionCacheTest : public ::testing::Test {
 protected:
  VersionCacheTest() : dir_("/run/cnfctl-test/version-cache-" + std::to_string(::getpid())) {
    fs::create_directories(dir_);
    program_ = dir_ + "/tool";
    write_program("#!/bin/sh\necho tool 1.0\n");
  }
  ~VersionCacheTest() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  void write_program(const std::string& text) {
    std::ofstream(program_, std::ios::trunc) << text;
    ::chmod(program_.c_str(), 0755);
  }
  std::string file() const { return dir_ + "/state/program-versions.json"; }

  std::string dir_;
  std::string program_;
};

TEST_F(VersionCacheTest, RemembersAcrossInstancesWhileTheFileIsTheSame) {
  {
    VersionCache cache(file());
    EXPECT_FALSE(cache.find(program_).has_value());
    cache.remember(program_, "tool 1.0");
    EXPECT_EQ(cache.find(program_), "tool 1.0");
    cache.save();  // makes the missing state dir
  }
  VersionCache again(file());
  EXPECT_EQ(again.find(program_), "tool 1.0");
  EXPECT_FALSE(again.find(dir_ + "/other").has_value());
}

TEST_F(VersionCacheTest, AChangedFileIsAskedAgain) {
  VersionCache cache(file());
  cache.remember(program_, "tool 1.0");
  cache.save();
  // A new file of the same name (an upgrade) and a rewrite in place both change the identity.
  fs::remove(program_);
  write_program("#!/bin/sh\necho tool 2.0\n");
  EXPECT_FALSE(VersionCache(file()).find(program_).has_value());
  cache.remember(program_, "tool 2.0");
  cache.save();
  EXPECT_EQ(VersionCache(file()).find(program_), "tool 2.0");
  struct timespec times[2] = {{0, UTIME_NOW}, {12345, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, program_.c_str(), times, 0), 0);
  EXPECT_FALSE(VersionCache(file()).find(program_).has_value());
}

TEST_F(VersionCacheTest, ADamagedFileIsAnEmptyCache) {
  fs::create_directories(dir_ + "/state");
  std::ofstream(file()) << "{not json";
  VersionCache cache(file());
  EXPECT_FALSE(cache.find(program_).has_value());
  cache.remember(program_, "tool 1.0");
  cache.save();
  EXPECT_EQ(VersionCache(file()).find(program_), "tool 1.0");
}

// The survey asks; only remember_versions() writes (up, once its input is good): a survey
// alone, as for `plan` or bad input, leaves the state dir as it was.
TEST_F(VersionCacheTest, OnlyRememberVersionsWritesTheStateDir) {
  const testing::ScopedEnv state("CNFCTL_STATE_DIR", (dir_ + "/state").c_str());
  NodeSurvey survey = survey_this_machine(std::vector<std::string>{"runc"});
  EXPECT_FALSE(fs::exists(dir_ + "/state"));
  survey.asked_versions[program_] = "tool 1.0";
  remember_versions(survey);
  EXPECT_EQ(VersionCache().find(program_), "tool 1.0");
}

}  // namespace
}  // namespace cnfctl::node
