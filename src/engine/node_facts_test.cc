#include "engine/node_facts.h"

#include <gtest/gtest.h>

namespace cnfctl::engine {
namespace {

constexpr const char* kHybrid =
    "Name:\tcat\nCapBnd:\t000001fffeffffff\n"
    "Max open files            1024                 20000                files\n"
    "22 1 0:20 / / rw - overlay overlay rw,lowerdir=/\n"
    "30 22 0:25 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:26 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
    "32 30 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n"
    "33 30 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
    "34 22 0:29 / /run/my\\040dir rw - tmpfs tmpfs rw\n";

TEST(NodeFacts, ParsesHybridNode) {
  auto facts = parse_node_facts(kHybrid);
  EXPECT_EQ(facts.nofile_hard_limit, 20000U);
  EXPECT_EQ(facts.cgroup_layout(), "hybrid");
  EXPECT_EQ(facts.cpuset_v1_mount(), "/sys/fs/cgroup/cpuset");
  EXPECT_EQ(facts.unified_root(), "");
  EXPECT_EQ(facts.all_mount_points().size(), 3U);
  EXPECT_EQ(capabilities_missing(facts.capability_bounding_set),
            (std::vector<std::string>{"CAP_SYS_RESOURCE"}));
}

TEST(NodeFacts, ParsesV2Node) {
  auto facts = parse_node_facts("30 22 0:25 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  EXPECT_EQ(facts.cgroup_layout(), "v2");
  EXPECT_EQ(facts.unified_root(), "/sys/fs/cgroup");
  EXPECT_EQ(facts.cpuset_v1_mount(), "");
}

TEST(NodeFacts, DecodesMountPoints) {
  auto points = parse_mount_points(kHybrid);
  EXPECT_EQ(points.back(), "/run/my dir");
}

}  // namespace
}  // namespace cnfctl::engine
