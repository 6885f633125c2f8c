#include "nf/cpu_priority.h"

#include <gtest/gtest.h>

namespace cnfctl::nf {
namespace {

// A v1 machine as this one: cpu and cpuacct each mounted on their own, a cgroup2 beside them.
constexpr const char* kHybridMounts =
    "30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "33 30 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "34 30 0:30 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

constexpr const char* kContainer =
    "11:pids:/cnfctl/run-a-nf1\n"
    "3:cpuset:/cnfctl/run-a-nf1\n"
    "2:cpu:/cnfctl/run-a-nf1\n"
    "1:cpuacct:/cnfctl/run-a-nf1\n"
    "0::/cnfctl/run-a-nf1\n";

constexpr const char* kCnfctl =
    "11:pids:/\n"
    "3:cpuset:/\n"
    "2:cpu:/\n"
    "1:cpuacct:/\n"
    "0::/\n";

TEST(CpuWeightFile, AV1ContainerHasItsCpuShares) {
  EXPECT_EQ(cpu_weight_file(kContainer, kCnfctl, kHybridMounts),
            "/sys/fs/cgroup/cpu/cnfctl/run-a-nf1/cpu.shares");
}

TEST(CpuWeightFile, AJointCpuHierarchyIsFound) {
  const std::string mounts =
      "31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n";
  EXPECT_EQ(cpu_weight_file("4:cpu,cpuacct:/docker/0123\n0::/\n", kCnfctl, mounts),
            "/sys/fs/cgroup/cpu,cpuacct/docker/0123/cpu.shares");
}

TEST(CpuWeightFile, ACgroup2ContainerHasItsCpuWeight) {
  const std::string mounts = "30 25 0:26 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n";
  EXPECT_EQ(cpu_weight_file("0::/machine.slice/libpod-42.scope\n", "0::/init.scope\n", mounts),
            "/sys/fs/cgroup/machine.slice/libpod-42.scope/cpu.weight");
}

TEST(CpuWeightFile, NothingForACgroupSharedWithCnfctlOrTheRoot) {
  EXPECT_FALSE(cpu_weight_file(kCnfctl, "2:cpu:/user\n", kHybridMounts));
  EXPECT_FALSE(cpu_weight_file("2:cpu:/cnfctl/x\n", "2:cpu:/cnfctl/x\n", kHybridMounts));
}

TEST(CpuWeightFile, NothingWithoutAMountOfTheHierarchy) {
  const std::string no_cpu =
      "33 30 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n";
  EXPECT_FALSE(cpu_weight_file(kContainer, kCnfctl, no_cpu));
  EXPECT_FALSE(cpu_weight_file("garbage", kCnfctl, kHybridMounts));
}

TEST(RaisedWeight, TimesTheFactorUpToTheFilesMaximum) {
  EXPECT_EQ(raised_weight("/sys/fs/cgroup/cpu/a/cpu.shares", "1024", 8), "8192");
  EXPECT_EQ(raised_weight("/sys/fs/cgroup/cpu/a/cpu.shares", "100000", 8), "262144");
  EXPECT_EQ(raised_weight("/sys/fs/cgroup/a/cpu.weight", "100", 8), "800");
  EXPECT_EQ(raised_weight("/sys/fs/cgroup/a/cpu.weight", "5000", 8), "10000");
  EXPECT_FALSE(raised_weight("/sys/fs/cgroup/a/cpu.weight", "max", 8));
  EXPECT_FALSE(raised_weight("/sys/fs/cgroup/a/cpu.weight", "0", 8));
}

}  // namespace
}  // namespace cnfctl::nf
