#include "engine/lxc_config.h"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

namespace cnfctl::engine {
namespace {

TEST(LxcConfig, WritesTheSettingsThisNodeNeeds) {
  ContainerSpec spec;
  spec.name = "nf1";
  spec.cpuset_cpus = {1};
  spec.mounts = {{"/srv/x", "/mnt/x/", true, true}};
  spec.env = {{"A", "x y"}};
  LxcSettings settings{.rootfs = "overlay:/:/s/nf1/nf1/delta0",
                       .cgroup_dir = "cnfctl/lxc/nf1",
                       .console_log = "/s/nf1/nf1/console.log",
                       .nofile_limit = 20000,
                       .cgroup_v2 = false,
                       .mount_is_dir = {true}};
  auto text = lxc_container_config(spec, settings);
  for (const char* line :
       {"lxc.rootfs.path = overlay:/:/s/nf1/nf1/delta0\n", "lxc.net.0.type = empty\n",
        "lxc.apparmor.profile = unconfined\n", "lxc.autodev = 1\n",
        "lxc.mount.auto = proc:mixed sys:ro cgroup:mixed\n",
        "lxc.mount.entry = tmpfs run tmpfs defaults,mode=755 0 0\n",
        "lxc.mount.entry = /srv/x mnt/x none bind,create=dir,ro 0 0\n",
        "lxc.prlimit.nofile = 20000\n", "lxc.cgroup.cpuset.cpus = 1\n",
        "lxc.cgroup.dir.monitor.pivot = cnfctl/lxc/nf1.pivot\n", "lxc.environment = A=x y\n",
        "lxc.environment = MICROSERVICE_LABEL=nf1\n", "lxc.signal.halt = SIGTERM\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\nin:\n" << text;
  }
  settings.cgroup_v2 = true;
  EXPECT_NE(lxc_container_config(spec, settings).find("lxc.cgroup2.cpuset.cpus = 1\n"),
            std::string::npos);
}

TEST(LxcConfig, ResolvesMountTargetsThroughTheRootfsSymlinks) {
  // LXC refuses to mount through a symlink: /var/run -> /run as on the host image.
  std::map<std::string, std::string> links = {{"/var/run", "/run"},
                                              {"/lib", "usr/lib"},
                                              {"/usr/lib/up", "../../opt"},
                                              {"/a", "/b"},
                                              {"/b", "/a"}};
  auto readlink = [&](const std::string& path) -> std::optional<std::string> {
    auto it = links.find(path);
    if (it == links.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(lxc_resolve_in_rootfs("/var/run/dpdk/x1", readlink), "/run/dpdk/x1");
  EXPECT_EQ(lxc_resolve_in_rootfs("/run/cnfctl/memif/", readlink), "/run/cnfctl/memif");
  EXPECT_EQ(lxc_resolve_in_rootfs("/lib/up/x", readlink), "/opt/x");
  EXPECT_EQ(lxc_resolve_in_rootfs("/mnt/./x/../y", readlink), "/mnt/y");
  EXPECT_THROW(lxc_resolve_in_rootfs("/a/x", readlink), std::runtime_error);

  ContainerSpec spec;
  spec.name = "nf1";
  spec.mounts = {{"/var/run/dpdk/x1", "/var/run/dpdk/x1", false, true}};
  LxcSettings settings{.mount_is_dir = {true}, .mount_guest = {"/run/dpdk/x1"}};
  auto text = lxc_container_config(spec, settings);
  EXPECT_NE(text.find("lxc.mount.entry = /var/run/dpdk/x1 run/dpdk/x1 none bind,create=dir 0 0\n"),
            std::string::npos)
      << text;
  // The bind comes after the tmpfs on /run, which would hide it otherwise.
  EXPECT_LT(text.find("tmpfs run tmpfs"), text.find("run/dpdk/x1 none"));
}

TEST(LxcConfig, MergeReplacesThePreviousBlock) {
  std::string base = "lxc.net.0.type = empty\n";
  auto once = lxc_merge_config(base, std::string(kLxcConfigMarker) + "\nlxc.a = 1\n");
  auto twice = lxc_merge_config(once, std::string(kLxcConfigMarker) + "\nlxc.a = 2\n");
  EXPECT_EQ(twice, base + kLxcConfigMarker + "\nlxc.a = 2\n");
}

}  // namespace
}  // namespace cnfctl::engine
