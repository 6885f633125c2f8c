#include "process/doomed_processes.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace cnfctl::process {
namespace {

using std::chrono::milliseconds;

TEST(KillPending, ReadsTheThreadAndTheProcessSets) {
  const std::string base = "Name:\trunc\nState:\tD (disk sleep)\n";
  EXPECT_FALSE(kill_pending(base + "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"));
  EXPECT_TRUE(kill_pending(base + "SigPnd:\t0000000000000100\nShdPnd:\t0000000000000000\n"));
  EXPECT_TRUE(kill_pending(base + "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000100\n"));
  // SIGTERM (bit 15) pending is no doom.
  EXPECT_FALSE(kill_pending(base + "SigPnd:\t0000000000004000\nShdPnd:\t0000000000004000\n"));
  EXPECT_FALSE(kill_pending(base));
  EXPECT_FALSE(kill_pending(""));
}

TEST(OrphanedRuncInit, IsARuncInitWhoseParentIsNoRunc) {
  using namespace std::string_literals;
  const std::string init = "runc\0init\0"s;
  EXPECT_TRUE(orphaned_runc_init(init, ""));  // parent gone: reparented to init
  EXPECT_TRUE(orphaned_runc_init(init, "/sbin/init\0"s));
  EXPECT_TRUE(orphaned_runc_init("/usr/sbin/runc\0init\0"s, "process_api\0--addr\0"s));
  // Its own runc is still there: a container being made, not debris.
  EXPECT_FALSE(orphaned_runc_init(init, "runc\0--root\0/r\0run\0--detach\0c1\0"s));
  EXPECT_FALSE(orphaned_runc_init(init, "/usr/sbin/runc\0run\0c1\0"s));
  EXPECT_FALSE(orphaned_runc_init("runc\0run\0c1\0"s, ""));
  EXPECT_FALSE(orphaned_runc_init("crun\0init\0"s, ""));
  EXPECT_FALSE(orphaned_runc_init("", ""));
}

// A live process whose command line matches is not doomed: nothing is waited for.
TEST(DoomedProcesses, AMatchingProcessWithoutAPendingKillIsNotListed) {
  const std::string marker = "cnfctl-doomed-test-" + std::to_string(::getpid());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::execlp("sh", "sh", "-c", "sleep 30; :", marker.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Until the exec, the child's command line is this test's; no need to see it: it is not
  // doomed either way.
  EXPECT_EQ(doomed_processes({marker}), std::vector<int>{});
  EXPECT_FALSE(wait_until_gone({child}, milliseconds(20)));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(wait_until_gone({child}, milliseconds(0)));
}

TEST(DoomedProcesses, AZombieCountsAsGone) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  // Not reaped yet: a zombie once it exited.
  EXPECT_TRUE(wait_until_gone({child}, milliseconds(10000)));
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(wait_until_gone({}, milliseconds(0)));
  EXPECT_EQ(doomed_processes({}), std::vector<int>{});
}

}  // namespace
}  // namespace cnfctl::process
