// How the node tells a container init that is still the runtime's own process (the launcher may
// still come) from one that runs something else (start through an exec instead).
#include "nf/launcher.h"

#include <gtest/gtest.h>

namespace cnfctl::nf {
namespace {

TEST(RuntimeNotYetExecd, RuncInitAndCrunsForkAreTheRuntime) {
  EXPECT_TRUE(runtime_not_yet_execd({"runc", "init"}));
  EXPECT_TRUE(runtime_not_yet_execd({"/usr/sbin/runc", "init"}));
  // crun forks the container's init from `crun run -d`: until the exec, the init's cmdline is
  // crun's own, whatever its options (seen: 3 of 16 NFs then went through an exec).
  EXPECT_TRUE(runtime_not_yet_execd(
      {"/usr/bin/crun", "--root", "/run/cnfctl/oci-crun", "run", "-d", "--bundle", "/b", "c1"}));
  EXPECT_TRUE(runtime_not_yet_execd({"crun", "run", "-d", "c1"}));
}

TEST(RuntimeNotYetExecd, TheContainersOwnCommandIsNot) {
  EXPECT_FALSE(runtime_not_yet_execd({}));
  EXPECT_FALSE(runtime_not_yet_execd({kLauncherBinaryGuestPath, "/run/l", "/run/p", "0", "sleep"}));
  EXPECT_FALSE(runtime_not_yet_execd({"/bin/sh", "-c", "script", kLauncherName}));
  EXPECT_FALSE(runtime_not_yet_execd({"/sbin/docker-init", "--", kLauncherBinaryGuestPath}));
  EXPECT_FALSE(runtime_not_yet_execd({"/usr/bin/runcx"}));
  EXPECT_FALSE(runtime_not_yet_execd({"sleep", "runc"}));
}

}  // namespace
}  // namespace cnfctl::nf
