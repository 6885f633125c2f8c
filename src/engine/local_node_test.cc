#include "engine/local_node.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "support/temp_dir.h"

namespace cnfctl::engine {
namespace {

namespace fs = std::filesystem;

class LocalNode : public ::testing::Test {
 protected:
  void touch(const std::string& path) { std::ofstream(path) << "x"; }

  nf::testing::TempDir temp_{"cnfctl-local-node"};
  const std::string dir_ = temp_.path();
};

TEST_F(LocalNode, ProcessStatOfThisProcessAndOfNone) {
  auto self = local_process_stat(::getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_GT(self->start_time, 0U);
  EXPECT_NE(self->state, 'Z');
  EXPECT_FALSE(local_process_stat(0).has_value());
  EXPECT_FALSE(local_process_stat(-1).has_value());
  EXPECT_TRUE(local_process_started_at(::getpid(), self->start_time));
  EXPECT_FALSE(local_process_started_at(::getpid(), self->start_time + 1));
  EXPECT_FALSE(local_process_started_at(0, self->start_time));
}

TEST_F(LocalNode, PidfdSeesAChildEnd) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  auto pidfd = open_pidfd(child);
  if (!pidfd) {
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    GTEST_SKIP() << "no pidfd_open on this kernel";
  }
  EXPECT_FALSE(wait_pidfd(pidfd, std::chrono::milliseconds(1)));
  ::kill(child, SIGTERM);
  EXPECT_TRUE(wait_pidfd(pidfd, std::chrono::seconds(60)));
  // A zombie still counts as ended, and its stat says so.
  auto stat = local_process_stat(child);
  EXPECT_TRUE(!stat || stat->state == 'Z');
  ::waitpid(child, nullptr, 0);
}

TEST_F(LocalNode, RemoveTreeRemovesEverythingAndAcceptsAMissingPath) {
  fs::create_directories(dir_ + "/t/a/b");
  touch(dir_ + "/t/a/b/file");
  touch(dir_ + "/t/top");
  fs::create_symlink("/etc", dir_ + "/t/link");  // removed, not followed
  EXPECT_EQ(remove_tree_local(dir_ + "/t"), std::nullopt);
  EXPECT_FALSE(fs::exists(dir_ + "/t"));
  EXPECT_TRUE(fs::exists("/etc"));
  EXPECT_EQ(remove_tree_local(dir_ + "/t"), std::nullopt);
}

TEST_F(LocalNode, DirectoryTestAndSymlinkTarget) {
  fs::create_directories(dir_ + "/d");
  touch(dir_ + "/f");
  fs::create_symlink("d", dir_ + "/to-d");
  fs::create_symlink(std::string(300, 'x'), dir_ + "/long");
  EXPECT_TRUE(is_directory_local(dir_ + "/d"));
  EXPECT_TRUE(is_directory_local(dir_ + "/to-d"));  // followed, as test -d does
  EXPECT_FALSE(is_directory_local(dir_ + "/f"));
  EXPECT_FALSE(is_directory_local(dir_ + "/missing"));
  EXPECT_EQ(read_link_local(dir_ + "/to-d"), "d");
  EXPECT_EQ(read_link_local(dir_ + "/long"), std::string(300, 'x'));
  EXPECT_EQ(read_link_local(dir_ + "/d"), std::nullopt);
  EXPECT_EQ(read_link_local(dir_ + "/missing"), std::nullopt);
}

TEST_F(LocalNode, RemoveFileAndEmptyParents) {
  fs::create_directories(dir_ + "/p/q/r");
  touch(dir_ + "/p/q/r/.lock");
  touch(dir_ + "/p/keep");
  EXPECT_EQ(remove_file_local(dir_ + "/p/q/r/.lock"), std::nullopt);
  EXPECT_EQ(remove_file_local(dir_ + "/p/q/r/.lock"), std::nullopt);  // missing: fine
  remove_empty_parents_local(dir_ + "/p/q/r");
  EXPECT_FALSE(fs::exists(dir_ + "/p/q"));
  EXPECT_TRUE(fs::exists(dir_ + "/p/keep"));  // p is not empty: it and its parents stay
}

TEST_F(LocalNode, RemoveDirsDeepestFirstAndReportsWhatStays) {
  fs::create_directories(dir_ + "/c/x/y");
  fs::create_directories(dir_ + "/d");
  EXPECT_TRUE(remove_cgroup_dirs_local({dir_ + "/c", dir_ + "/missing"}));
  EXPECT_FALSE(fs::exists(dir_ + "/c"));
  touch(dir_ + "/d/file");  // outside cgroupfs a file keeps its dir
  EXPECT_FALSE(remove_cgroup_dirs_local({dir_ + "/d"}));
  EXPECT_TRUE(fs::exists(dir_ + "/d"));
}

TEST_F(LocalNode, ProcessesMatchingAndListing) {
  const std::string marker = "cnfctl-local-node-" + std::to_string(::getpid());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setpgid(0, 0);
    ::execlp("sh", "sh", "-c", "sleep 600; :", marker.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::vector<int> found;
  for (int i = 0; i < 6000 && found.empty(); ++i) {
    found = local_processes_matching("sh -c ", marker);
    if (found.empty()) ::usleep(10000);
  }
  EXPECT_EQ(found, std::vector<int>{child});
  EXPECT_TRUE(local_processes_matching(marker, "sh -c").empty());  // order matters
  const std::string listing = local_process_listing(marker);
  EXPECT_NE(listing.find(std::to_string(child) + "\nsh\n-c\nsleep 600; :\n" + marker + "\n\n"),
            std::string::npos)
      << listing;
  ::kill(-child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

}  // namespace
}  // namespace cnfctl::engine
