#include "engine/container_spec.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace cnfctl::engine {
namespace {

ContainerSpec valid_spec() {
  ContainerSpec spec;
  spec.name = "nf1";
  spec.mounts = {{"/tmp/vpp_sockets/nf1", "/run/vpp", false, true}};
  spec.env = {{"A", "x y"}};
  return spec;
}

TEST(ContainerSpec, ValidSpecPasses) {
  EXPECT_NO_THROW(valid_spec().validate());
}

TEST(ContainerSpec, DerivesSocketPathsAndLabel) {
  auto spec = valid_spec();
  EXPECT_EQ(spec.sockets().api, "/tmp/vpp_sockets/nf1/api.sock");
  EXPECT_EQ(spec.sockets().stats, "/tmp/vpp_sockets/nf1/stats.sock");
  EXPECT_EQ(spec.sockets().cli, "/tmp/vpp_sockets/nf1/cli.sock");
  spec.socket_base = "/run/s/";
  EXPECT_EQ(spec.sockets().dir, "/run/s/nf1");
  EXPECT_EQ(spec.full_env().at("MICROSERVICE_LABEL"), "nf1");
}

TEST(ContainerSpec, RejectsBadInput) {
  auto expect_bad = [](auto change) {
    auto spec = valid_spec();
    change(spec);
    try {
      spec.validate();
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2) << e.what();
    }
  };
  expect_bad([](ContainerSpec& s) { s.name = "../x"; });
  expect_bad([](ContainerSpec& s) { s.mounts[0].host = "relative"; });
  expect_bad([](ContainerSpec& s) { s.mounts[0].guest = "/a/../b"; });
  expect_bad([](ContainerSpec& s) { s.mounts.push_back({"/x", "/run/vpp/", true, true}); });
  expect_bad([](ContainerSpec& s) { s.env["1BAD"] = "x"; });
  expect_bad([](ContainerSpec& s) { s.env["MICROSERVICE_LABEL"] = "x"; });
  expect_bad([](ContainerSpec& s) { s.cpuset_cpus = {1, 1}; });
  expect_bad([](ContainerSpec& s) {
    s.network = Network::kHost;
    s.ports = {{8080, 80, "tcp", ""}};
  });
  expect_bad([](ContainerSpec& s) { s.capabilities = {"net admin"}; });
}

TEST(ContainerSpec, NormalizesCapabilities) {
  auto spec = valid_spec();
  spec.capabilities = {"net_admin", "CAP_NET_ADMIN", "SYS_NICE"};
  EXPECT_EQ(spec.normalized_capabilities(),
            (std::vector<std::string>{"CAP_NET_ADMIN", "CAP_SYS_NICE"}));
}

TEST(Image, Parses) {
  EXPECT_EQ(Image::parse("host").kind, Image::Kind::kHost);
  EXPECT_EQ(Image::parse("dir:/srv/rootfs/").path_or_name, "/srv/rootfs");
  EXPECT_EQ(Image::parse("ubuntu:22.04").kind, Image::Kind::kNative);
  EXPECT_THROW(Image::parse("dir:relative"), Error);
  EXPECT_THROW(Image::parse(""), Error);
}

TEST(CpuList, ParsesAndFormats) {
  EXPECT_EQ(parse_cpu_list("0-2,5\n", "x"), (std::vector<unsigned>{0, 1, 2, 5}));
  EXPECT_EQ(cpu_list_text({0, 1}), "0,1");
  EXPECT_THROW(parse_cpu_list("a", "x"), Error);
  EXPECT_THROW(parse_cpu_list("3-1", "x"), Error);
}

}  // namespace
}  // namespace cnfctl::engine
