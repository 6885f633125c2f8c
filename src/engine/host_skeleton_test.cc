#include "engine/host_skeleton.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"
#include "engine/docker_engine.h"
#include "process/local_runner.h"

namespace cnfctl::engine {
namespace {

using Args = std::vector<std::string>;
using Type = HostRootEntry::Type;

bool contains(const Args& args, const Args& sequence) {
  return std::search(args.begin(), args.end(), sequence.begin(), sequence.end()) != args.end();
}

// A merged-/usr Debian: bin, lib, lib64, sbin are symlinks into /usr; no /srv; no lib32.
std::vector<HostRootEntry> merged_usr() {
  return {{"usr", Type::kDirectory, ""},         {"etc", Type::kDirectory, ""},
          {"opt", Type::kDirectory, ""},         {"bin", Type::kSymlink, "usr/bin"},
          {"sbin", Type::kSymlink, "usr/sbin"},  {"lib", Type::kSymlink, "usr/lib"},
          {"lib64", Type::kSymlink, "usr/lib64"}};
}

// `tar -tv` of the stream, through the real tar: the stream must be one tar reads.
std::string tar_listing(const std::string& stream) {
  process::LocalRunner runner;
  auto outcome = runner.run({.argv = {"tar", "-tvf", "-"}, .stdin_bytes = stream});
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status() << outcome.err;
  return outcome.out;
}

TEST(WriteTar, WritesUstarBlocksThatTarReads) {
  auto tar = write_tar({{.type = TarEntry::Type::kDirectory, .path = "tmp", .mode = 01777},
                        {.type = TarEntry::Type::kSymlink, .path = "bin", .link_target = "usr/bin"},
                        {.type = TarEntry::Type::kFile,
                         .path = "etc/x",
                         .mode = 0600,
                         .bytes = std::string("a\0b", 3)}});
  // Three headers, one data block, two end blocks.
  EXPECT_EQ(tar.size(), 512U * 6);
  EXPECT_EQ(tar.substr(257, 6), std::string("ustar\0", 6));
  auto listing = tar_listing(tar);
  EXPECT_NE(listing.find("drwxrwxrwt root/root"), std::string::npos) << listing;
  EXPECT_NE(listing.find("tmp/"), std::string::npos) << listing;
  EXPECT_NE(listing.find("bin -> usr/bin"), std::string::npos) << listing;
  EXPECT_NE(listing.find("-rw------- root/root         3"), std::string::npos) << listing;
}

TEST(WriteTar, RefusesPathsThatEscapeOrDoNotFit) {
  for (const char* bad : {"/abs", "../x", "a/../b", "a//b", "./a", ""}) {
    EXPECT_THROW(write_tar({{.path = bad}}), Error) << bad;
  }
  EXPECT_THROW(write_tar({{.path = std::string(100, 'a')}}), Error);
  EXPECT_THROW(
      write_tar(
          {{.type = TarEntry::Type::kSymlink, .path = "l", .link_target = std::string(101, 'a')}}),
      Error);
  EXPECT_THROW(write_tar({{.type = TarEntry::Type::kSymlink, .path = "l"}}), Error);
}

TEST(HostRootProbe, ParsesStatOutputAndIgnoresOtherLines) {
  auto argv = host_root_probe_argv();
  EXPECT_EQ(Args(argv.begin(), argv.begin() + 4), (Args{"stat", "-c", "%n|%F", "--"}));
  EXPECT_NE(std::find(argv.begin(), argv.end(), "/usr"), argv.end());
  EXPECT_NE(std::find(argv.begin(), argv.end(), "/lib64"), argv.end());
  auto entries = parse_host_root_probe(
      "/usr|directory\n/bin|symbolic link\n/srv|regular file\n/home|directory\ngarbage\n"
      "/etc|directory");
  ASSERT_EQ(entries.size(), 4U);
  EXPECT_EQ(entries[0].name, "usr");
  EXPECT_EQ(entries[0].type, Type::kDirectory);
  EXPECT_EQ(entries[1].name, "bin");
  EXPECT_EQ(entries[1].type, Type::kSymlink);
  EXPECT_EQ(entries[2].type, Type::kOther);  // /srv as a file: neither bound nor copied
  EXPECT_EQ(entries[3].name, "etc");
}

TEST(HostInit, PicksTheFirstExecutableCandidate) {
  EXPECT_EQ(pick_host_init(""), "");
  EXPECT_EQ(pick_host_init("/usr/bin/tini|regular file|-rwxr-xr-x\n"
                           "/usr/bin/docker-init|regular file|-rwxr-xr-x\n"),
            "/usr/bin/docker-init");
  EXPECT_EQ(pick_host_init("/usr/bin/docker-init|regular file|-rw-r--r--\n"
                           "/usr/sbin/tini|regular file|-rwxr-xr-x\n"),
            "/usr/sbin/tini");
  EXPECT_EQ(pick_host_init("/usr/bin/docker-init|directory|drwxr-xr-x\n"), "");
  EXPECT_EQ(pick_host_init("/elsewhere/docker-init|regular file|-rwxr-xr-x\n"), "");
  auto argv = host_init_probe_argv();
  EXPECT_TRUE(contains(argv, {"stat", "-L"}));
}

TEST(HostSkeleton, MergedUsrCopiesSymlinksAndBindsTheOsDirectories) {
  auto skeleton = make_host_skeleton(merged_usr());
  std::vector<std::string> binds;
  for (const auto& m : skeleton.os_mounts) {
    EXPECT_EQ(m.host, m.guest);
    EXPECT_TRUE(m.read_only);
    EXPECT_FALSE(m.create_host_dir);
    binds.push_back(m.guest);
  }
  EXPECT_EQ(binds, (Args{"/usr", "/etc", "/opt"}));
  auto listing = tar_listing(skeleton.tar);
  for (const char* expected : {"bin -> usr/bin", "sbin -> usr/sbin", "lib -> usr/lib",
                               "lib64 -> usr/lib64", "var/run -> ../run", " usr/", " etc/", " opt/",
                               " proc/", " sys/", " dev/", " run/", " var/tmp/"}) {
    EXPECT_NE(listing.find(expected), std::string::npos) << expected << "\n" << listing;
  }
  EXPECT_NE(listing.find("drwxrwxrwt root/root         0 1970-01-01 00:00 tmp/"), std::string::npos)
      << listing;
  EXPECT_NE(listing.find("drwx------ root/root         0 1970-01-01 00:00 root/"),
            std::string::npos)
      << listing;
  // Nothing of the node's data: no home contents, no srv (absent here), no lib32.
  EXPECT_EQ(listing.find("srv"), std::string::npos) << listing;
  EXPECT_EQ(listing.find("lib32"), std::string::npos) << listing;
}

TEST(HostSkeleton, TagIsAContentHashSameLayoutSameTag) {
  auto a = make_host_skeleton(merged_usr());
  auto b = make_host_skeleton(merged_usr());
  EXPECT_EQ(a.tar, b.tar);
  EXPECT_EQ(a.tag, b.tag);
  EXPECT_EQ(a.tag.rfind("cnfctl/host-skeleton:", 0), 0U) << a.tag;
  EXPECT_EQ(a.tag.size(), std::string("cnfctl/host-skeleton:").size() + 16);
  auto entries = merged_usr();
  entries.push_back({"srv", Type::kDirectory, ""});
  EXPECT_NE(make_host_skeleton(entries).tag, a.tag);
}

TEST(HostSkeleton, SplitUsrBindsRealBinAndLibDirectories) {
  auto skeleton = make_host_skeleton({{"usr", Type::kDirectory, ""},
                                      {"etc", Type::kDirectory, ""},
                                      {"bin", Type::kDirectory, ""},
                                      {"lib", Type::kDirectory, ""},
                                      {"lib64", Type::kSymlink, "/lib"}});
  std::vector<std::string> binds;
  for (const auto& m : skeleton.os_mounts) binds.push_back(m.guest);
  EXPECT_EQ(binds, (Args{"/usr", "/etc", "/bin", "/lib"}));
  EXPECT_NE(tar_listing(skeleton.tar).find("lib64 -> /lib"), std::string::npos);
}

TEST(HostSkeleton, NeedsUsrAndEtcDirectories) {
  EXPECT_THROW(make_host_skeleton({{"usr", Type::kDirectory, ""}}), Error);
  EXPECT_THROW(make_host_skeleton({{"usr", Type::kDirectory, ""}, {"etc", Type::kSymlink, "x"}}),
               Error);
  EXPECT_THROW(make_host_skeleton({{"usr", Type::kDirectory, ""},
                                   {"etc", Type::kDirectory, ""},
                                   {"bin", Type::kSymlink, ""}}),
               Error);
}

TEST(DockerHostImageRunArgs, BindsTheOsTmpfsScratchAndTheNodesInit) {
  ContainerSpec spec;
  spec.name = "nf1";
  spec.cpuset_cpus = {1};
  spec.mounts = {{"/run/cnfctl/memif", "/run/cnfctl/memif", false, true},
                 {"/var/run/dpdk/r-nf1", "/var/run/dpdk/r-nf1", false, true}};
  spec.command = {"dpdk-testpmd", "--no-pci"};
  auto skeleton = make_host_skeleton(merged_usr());
  CliRunSettings settings{.image = skeleton.tag, .cgroup_parent = "/cnfctl/docker"};
  auto args = DockerEngine::host_image_run_args(spec, settings, skeleton, "/usr/bin/docker-init");
  EXPECT_EQ(std::count(args.begin(), args.end(), "--init"), 0);
  EXPECT_TRUE(contains(args, {"run", "--detach", "--name", "nf1", "--network", "none"}));
  EXPECT_TRUE(contains(args, {"--cpuset-cpus", "1"}));
  EXPECT_TRUE(contains(args, {"--volume", "/usr:/usr:ro", "--volume", "/etc:/etc:ro", "--volume",
                              "/opt:/opt:ro", "--volume", "/run/cnfctl/memif:/run/cnfctl/memif"}));
  EXPECT_TRUE(contains(args, {"--volume", "/var/run/dpdk/r-nf1:/var/run/dpdk/r-nf1"}));
  EXPECT_TRUE(contains(args, {"--tmpfs", "/tmp:rw,exec,nosuid,nodev,mode=1777"}));
  EXPECT_TRUE(contains(args, {"--tmpfs", "/run:rw,nosuid,nodev,mode=755"}));
  EXPECT_TRUE(
      contains(args, {skeleton.tag, "/usr/bin/docker-init", "--", "dpdk-testpmd", "--no-pci"}));
  EXPECT_EQ(args.back(), "--no-pci");
  // Every option comes before the image.
  auto image = std::find(args.begin(), args.end(), skeleton.tag);
  for (auto it = image; it != args.end(); ++it) EXPECT_NE(*it, "--tmpfs");
}

TEST(DockerHostImageRunArgs, TheSpecsOwnMountsWinAndTheIdleCommandRunsUnderInit) {
  ContainerSpec spec;
  spec.name = "nf2";
  spec.mounts = {{"/srv/etc", "/etc", true, false}, {"/srv/tmp", "/tmp", false, true}};
  auto skeleton = make_host_skeleton(merged_usr());
  CliRunSettings settings{.image = skeleton.tag};
  auto args = DockerEngine::host_image_run_args(spec, settings, skeleton, "/usr/bin/tini");
  EXPECT_FALSE(contains(args, {"--volume", "/etc:/etc:ro"}));
  EXPECT_TRUE(contains(args, {"--volume", "/srv/etc:/etc:ro"}));
  EXPECT_FALSE(contains(args, {"--tmpfs", "/tmp:rw,exec,nosuid,nodev,mode=1777"}));
  EXPECT_TRUE(contains(args, {"--tmpfs", "/run:rw,nosuid,nodev,mode=755"}));
  Args tail = {skeleton.tag, "/usr/bin/tini", "--"};
  tail.insert(tail.end(), kIdleCommand.begin(), kIdleCommand.end());
  EXPECT_TRUE(std::equal(tail.rbegin(), tail.rend(), args.rbegin()));
}

}  // namespace
}  // namespace cnfctl::engine
