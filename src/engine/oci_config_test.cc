#include "engine/oci_config.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace cnfctl::engine {
namespace {

OciBundleSettings settings() {
  OciBundleSettings s;
  s.rootfs = "/run/cnfctl/engines/oci/nf1/rootfs";
  s.cgroups_path = "/cnfctl/oci/nf1";
  s.nofile_limit = 20000;
  s.capability_bounding_set = 0x000001fffeffffffULL;  // no CAP_SYS_RESOURCE
  return s;
}

bool has_mount(const nlohmann::json& config, const std::string& destination,
               const std::string& type) {
  const auto& mounts = config["mounts"];
  return std::any_of(mounts.begin(), mounts.end(), [&](const nlohmann::json& m) {
    return m["destination"] == destination && m["type"] == type;
  });
}

TEST(OciConfig, PinsAndMountsWhatTheHostOverlayLacks) {
  ContainerSpec spec;
  spec.name = "nf1";
  spec.cpuset_cpus = {0, 1};
  spec.cpuset_mems = {0};
  spec.mounts = {{"/tmp/vpp_sockets/nf1", "/run/vpp", true, true}};
  auto config = make_oci_config(spec, settings());
  EXPECT_EQ(config["linux"]["resources"]["cpu"]["cpus"], "0,1");
  EXPECT_EQ(config["linux"]["resources"]["cpu"]["mems"], "0");
  EXPECT_EQ(config["linux"]["cgroupsPath"], "/cnfctl/oci/nf1");
  EXPECT_EQ(config["process"]["terminal"], false);
  EXPECT_EQ(config["process"]["rlimits"][0]["hard"], 20000);
  for (const char* d : {"/proc", "/sys", "/sys/fs/cgroup", "/tmp", "/run", "/dev/shm"}) {
    EXPECT_TRUE(has_mount(config, d,
                          d == std::string("/proc")            ? "proc"
                          : d == std::string("/sys")           ? "sysfs"
                          : d == std::string("/sys/fs/cgroup") ? "cgroup"
                                                               : "tmpfs"))
        << d;
  }
  const auto& last = config["mounts"].back();
  EXPECT_EQ(last["destination"], "/run/vpp");
  EXPECT_NE(std::find(last["options"].begin(), last["options"].end(), "ro"), last["options"].end());
  auto env = config["process"]["env"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(env.begin(), env.end(), "MICROSERVICE_LABEL=nf1"), env.end());
  EXPECT_EQ(config["process"]["args"].get<std::vector<std::string>>(), kIdleCommand);
}

TEST(OciConfig, PrivilegedLeavesOutCapabilitiesTheKernelLacks) {
  ContainerSpec spec;
  spec.name = "nf1";
  spec.privileged = true;
  auto caps = make_oci_config(spec, settings())["process"]["capabilities"]["bounding"]
                  .get<std::vector<std::string>>();
  EXPECT_EQ(std::count(caps.begin(), caps.end(), "CAP_SYS_RESOURCE"), 0);
  EXPECT_EQ(std::count(caps.begin(), caps.end(), "CAP_SYS_ADMIN"), 1);
}

TEST(OciConfig, NetworkHostSharesTheNamespace) {
  ContainerSpec spec;
  spec.name = "nf1";
  spec.network = Network::kHost;
  auto ns = make_oci_config(spec, settings())["linux"]["namespaces"];
  EXPECT_TRUE(std::none_of(ns.begin(), ns.end(),
                           [](const nlohmann::json& n) { return n["type"] == "network"; }));
}

}  // namespace
}  // namespace cnfctl::engine
