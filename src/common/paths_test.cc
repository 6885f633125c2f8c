#include "common/paths.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace cnfctl {
namespace {

TEST(JoinPath, NeverDoubleSlashes) {
  EXPECT_EQ(join_path("/run/vpp/", "/memif-nf1-1"), "/run/vpp/memif-nf1-1");
  EXPECT_EQ(join_path("/run/vpp", "memif-nf1-1"), "/run/vpp/memif-nf1-1");
  EXPECT_EQ(join_path("/", "x"), "/x");
  EXPECT_EQ(join_path("/a//", "//b/c"), "/a/b/c");
  EXPECT_EQ(join_path("/a", ""), "/a");
}

TEST(Dirs, EnvironmentOverrides) {
  ::setenv("CNFCTL_STATE_DIR", "/tmp/s", 1);
  ::setenv("CNFCTL_RUN_DIR", "/tmp/r", 1);
  EXPECT_EQ(state_dir(), "/tmp/s");
  EXPECT_EQ(run_dir(), "/tmp/r");
  ::unsetenv("CNFCTL_STATE_DIR");
  ::unsetenv("CNFCTL_RUN_DIR");
  EXPECT_EQ(run_dir(), "/run/cnfctl");
}

}  // namespace
}  // namespace cnfctl
