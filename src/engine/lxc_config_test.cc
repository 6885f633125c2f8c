#include "engine/lxc_config.h"

#include <gtest/gtest.h>

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

TEST(LxcConfig, MergeReplacesThePreviousBlock) {
  std::string base = "lxc.net.0.type = empty\n";
  auto once = lxc_merge_config(base, std::string(kLxcConfigMarker) + "\nlxc.a = 1\n");
  auto twice = lxc_merge_config(once, std::string(kLxcConfigMarker) + "\nlxc.a = 2\n");
  EXPECT_EQ(twice, base + kLxcConfigMarker + "\nlxc.a = 2\n");
}

}  // namespace
}  // namespace cnfctl::engine
