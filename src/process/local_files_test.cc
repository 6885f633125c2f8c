#include "process/local_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace cnfctl::process {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class LocalFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "cnfctl-files-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string dir_;
};

TEST_F(LocalFiles, MakeDirsCreatesEveryMissingComponentAndAcceptsExistingOnes) {
  const std::string deep = dir_ + "/a/b/c";
  EXPECT_EQ(make_dirs_local({deep, dir_ + "/a/x/", dir_}), std::nullopt);
  EXPECT_TRUE(fs::is_directory(deep));
  EXPECT_TRUE(fs::is_directory(dir_ + "/a/x"));
  EXPECT_EQ(make_dirs_local({deep}), std::nullopt);  // again: nothing to do, no failure
}

TEST_F(LocalFiles, MakeDirsNamesTheComponentThatIsNotADirectory) {
  std::ofstream(dir_ + "/file") << "x";
  auto failed = make_dirs_local({dir_ + "/file/sub"});
  ASSERT_TRUE(failed.has_value());
  EXPECT_THAT(*failed, HasSubstr("mkdir " + dir_ + "/file: Not a directory"));
  EXPECT_TRUE(make_dirs_local({""}).has_value());
}

TEST_F(LocalFiles, MakeDirsHonoursTheUmaskAsMkdirDoes) {
  const mode_t old = ::umask(027);
  auto failed = make_dirs_local({dir_ + "/masked"});
  ::umask(old);
  ASSERT_EQ(failed, std::nullopt);
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/masked").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
}

TEST_F(LocalFiles, WriteTruncatesAndReadGivesTheBytesBack) {
  const std::string path = dir_ + "/f";
  std::string bytes = "first, longer content\n";
  bytes.push_back('\0');
  bytes += "after a NUL";
  ASSERT_EQ(write_file_local(path, bytes), std::nullopt);
  EXPECT_EQ(read_file_local(path), bytes);
  ASSERT_EQ(write_file_local(path, "short"), std::nullopt);
  EXPECT_EQ(read_file_local(path), "short");
  ASSERT_EQ(write_file_local(path, ""), std::nullopt);
  EXPECT_EQ(read_file_local(path), "");
}

TEST_F(LocalFiles, FailuresAndMissingFilesAreReportedNotThrown) {
  auto failed = write_file_local(dir_ + "/missing/f", "x");
  ASSERT_TRUE(failed.has_value());
  EXPECT_THAT(*failed, HasSubstr("open " + dir_ + "/missing/f: No such file or directory"));
  EXPECT_EQ(read_file_local(dir_ + "/missing"), std::nullopt);
  EXPECT_EQ(read_file_local(dir_), std::nullopt);  // a directory has no bytes to read
  EXPECT_FALSE(exists_local(dir_ + "/missing"));
  EXPECT_TRUE(exists_local(dir_));
}

TEST_F(LocalFiles, ProcFilesAreReadWhole) {
  // /proc files report size 0: the reader must not trust st_size.
  auto stat = read_file_local("/proc/self/stat");
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(stat->rfind(std::to_string(::getpid()) + " (", 0), 0u);
  auto mountinfo = read_file_local("/proc/self/mountinfo");
  ASSERT_TRUE(mountinfo.has_value());
  EXPECT_THAT(*mountinfo, HasSubstr(" / / "));  // the root mount
}

TEST_F(LocalFiles, MountAndUnmountATmpfs) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting needs root";
  const std::string target = dir_ + "/mnt";
  ASSERT_EQ(make_dirs_local({target}), std::nullopt);
  ASSERT_EQ(mount_local("tmpfs", "cnfctl-test", target, "size=64k,mode=0700"), std::nullopt);
  EXPECT_THAT(read_file_local("/proc/self/mountinfo").value_or(""), HasSubstr(" " + target + " "));
  ASSERT_EQ(write_file_local(target + "/inside", "x"), std::nullopt);
  EXPECT_EQ(unmount_local(target, false), std::nullopt);
  EXPECT_FALSE(exists_local(target + "/inside"));

  auto failed = unmount_local(target, false);  // no longer a mount point
  ASSERT_TRUE(failed.has_value());
  EXPECT_THAT(*failed, HasSubstr("umount " + target + ": Invalid argument"));
  failed = mount_local("no-such-fs-type", "x", target, "");
  ASSERT_TRUE(failed.has_value());
  EXPECT_THAT(*failed, HasSubstr("mount -t no-such-fs-type " + target + ": "));
}

TEST(NulSeparatedWords, SplitsACmdline) {
  using namespace std::string_literals;
  EXPECT_EQ(nul_separated_words("runc\0init\0"s), (std::vector<std::string>{"runc", "init"}));
  EXPECT_EQ(nul_separated_words("a\0\0b"s), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(nul_separated_words(""), std::vector<std::string>{});
}

}  // namespace
}  // namespace cnfctl::process
