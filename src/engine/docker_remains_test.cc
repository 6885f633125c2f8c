#include "engine/docker_remains.h"

#include <gtest/gtest.h>

namespace cnfctl::engine {
namespace {

TEST(DockerRemains, FindsTheShimsServingAnIdAndTheirContainerd) {
  const std::string listing =
      "41\n/usr/bin/containerd-shim-runc-v2\n-namespace\nmoby\n-id\nabc\n-address\n"
      "/x/containerd/containerd.sock\n\n"
      "42\n/usr/bin/containerd-shim-runc-v2\n-namespace\nk8s.io\n-id\nabc\n-address\n/other\n\n"
      "43\n/usr/bin/containerd-shim-runc-v2\n-namespace\nmoby\n-id\nabcd\n-address\n/y\n\n"
      "44\ngrep\n-l\n-a\n-F\n--\nabc\n\n"
      "46\n/usr/bin/containerd-shim-runc-v2\n-namespace\nmoby\n-address\n/d\n-id\nabc\n"
      "-bundle\n/b/abc\ndelete\n\n"
      "45\n/usr/bin/containerd-shim-runc-v2\n-namespace\nmoby\n-id\nabc\n-address\n/z\n";
  const auto shims = shims_serving(listing, "abc");
  ASSERT_EQ(shims.size(), 2U);  // not 42 (other namespace), 43 (other id), 46 (its clean-up)
  EXPECT_EQ(shims[0].pid, "41");
  EXPECT_EQ(shims[0].address, "/x/containerd/containerd.sock");
  EXPECT_EQ(shims[1].pid, "45");
  EXPECT_EQ(shims[1].address, "/z");
  EXPECT_TRUE(shims_serving(listing, "zzz").empty());
  EXPECT_TRUE(shims_serving("", "abc").empty());
}

// What the kill suite saw right after a dockerd restart (CI log): containerd cleaning up the
// dead shim of a container with `shim ... delete` and `runc ... delete --force ID`.
TEST(DockerRemains, SeesContainerdsOwnCleanUpOfAnId) {
  const std::string shim_delete =
      "1963\n/usr/bin/containerd-shim-runc-v2\n-namespace\nmoby\n-address\n/t/containerd.sock\n"
      "-publish-binary\n/usr/bin/containerd\n-id\n598f\n-bundle\n/t/moby/598f\ndelete\n";
  const std::string runc_delete =
      "1990\nrunc\n--root\n/t/runtime-runc/moby\n--log\n/t/moby/9dab/log.json\n--log-format\n"
      "json\ndelete\n--force\n9dab\n";
  EXPECT_TRUE(cleanup_running(shim_delete, "598f"));
  EXPECT_FALSE(cleanup_running(shim_delete, "9dab"));
  EXPECT_TRUE(cleanup_running(runc_delete, "9dab"));
  EXPECT_FALSE(cleanup_running(runc_delete, "598f"));
  // A serving shim is not a clean-up.
  EXPECT_FALSE(cleanup_running(
      "7\ncontainerd-shim-runc-v2\n-namespace\nmoby\n-id\n598f\n-address\n/a\n", "598f"));
  EXPECT_FALSE(cleanup_running("", "598f"));
}

TEST(DockerRemains, FindsTheContainerdOfTheDaemonAtAHost) {
  const std::string listing =
      "10\n/usr/sbin/dockerd\n--iptables=false\n-H\nunix:///tmp/a/sock\n--exec-root\n/tmp/a/exec\n"
      "\n"
      "11\n/usr/sbin/dockerd\n--host=unix:///tmp/b/sock\n--exec-root=/tmp/b/exec\n--containerd\n"
      "/run/containerd/containerd.sock\n\n"
      "12\n/usr/sbin/dockerd\n-H\nfd://\n\n"
      "13\n/usr/bin/containerd-shim-runc-v2\n-address\n/tmp/a/dockerd/exec/x\n";
  auto a = dockerd_paths(listing, "unix:///tmp/a/sock");
  EXPECT_EQ(a.exec_root, "/tmp/a/exec");
  EXPECT_EQ(a.containerd_address, "/tmp/a/exec/containerd/containerd.sock");
  auto b = dockerd_paths(listing, "unix:///tmp/b/sock");
  EXPECT_EQ(b.exec_root, "/tmp/b/exec");
  EXPECT_EQ(b.containerd_address, "/run/containerd/containerd.sock");
  auto system = dockerd_paths(listing, "");
  EXPECT_EQ(system.exec_root, "/var/run/docker");
  EXPECT_EQ(system.containerd_address, "/var/run/docker/containerd/containerd.sock");
  EXPECT_EQ(dockerd_paths(listing, "unix:///elsewhere").exec_root, "");
  EXPECT_EQ(dockerd_paths("", "").exec_root, "");
}

}  // namespace
}  // namespace cnfctl::engine
