// The Engine API form of cnfctl's `docker run` arguments, and HTTP answers as dockerd sends them.
#include "engine/docker_api.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "common/error.h"
#include "engine/cli_engine.h"
#include "engine/unix_http.h"
#include "support/scoped_env.h"

namespace cnfctl::engine {
namespace {

using nlohmann::json;

ContainerSpec spec_of(const std::string& name) {
  ContainerSpec spec;
  spec.name = name;
  spec.image = Image::parse("busybox:1");
  spec.command = {"sleep", "1000"};
  return spec;
}

TEST(DockerCreateRequest, CarriesEveryRunOptionCnfctlUses) {
  auto spec = spec_of("c1");
  spec.cpuset_cpus = {1, 2};
  spec.cpuset_mems = {0};
  spec.env = {{"A", "1"}};
  spec.mounts = {{"/run/m", "/run/m", false, false}, {"/etc/x", "/etc/x", true, false}};
  spec.ports = {
      {.host_port = 8080, .container_port = 80, .protocol = "tcp", .host_ip = "127.0.0.1"}};
  spec.capabilities = {"CAP_NET_ADMIN"};
  CliRunSettings settings{.image = "busybox:1", .cgroup_parent = "/cnfctl/docker"};
  auto args = cli_run_args(spec, settings);
  args.insert(args.begin() + 1, {"--cidfile", "/s/c1.cid"});
  auto request = docker_create_request(args);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->name, "c1");
  EXPECT_EQ(request->cid_file, "/s/c1.cid");
  const json& b = request->body;
  EXPECT_EQ(b["Image"], "busybox:1");
  EXPECT_EQ(b["Cmd"], json({"sleep", "1000"}));
  EXPECT_EQ(b["Hostname"], "c1");
  EXPECT_EQ(b["NetworkDisabled"], true);  // --network none: no libnetwork hook
  EXPECT_EQ(b["ExposedPorts"], json({{"80/tcp", json::object()}}));
  const json& h = b["HostConfig"];
  EXPECT_EQ(h["NetworkMode"], "none");
  EXPECT_EQ(h["Init"], true);
  EXPECT_EQ(h["CgroupParent"], "/cnfctl/docker");
  EXPECT_EQ(h["CpusetCpus"], "1,2");
  EXPECT_EQ(h["CpusetMems"], "0");
  EXPECT_EQ(h["Binds"], json({"/run/m:/run/m", "/etc/x:/etc/x:ro"}));
  EXPECT_EQ(h["CapAdd"], json({"NET_ADMIN"}));
  EXPECT_EQ(h["PortBindings"],
            json({{"80/tcp", json::array({{{"HostIp", "127.0.0.1"}, {"HostPort", "8080"}}})}}));
  bool env_seen = false;
  for (const auto& e : b["Env"]) env_seen |= e == "A=1";
  EXPECT_TRUE(env_seen) << b["Env"];
}

TEST(DockerCreateRequest, HostNetworkKeepsNetworking) {
  auto spec = spec_of("c2");
  spec.network = Network::kHost;
  auto request = docker_create_request(cli_run_args(spec, {.image = "busybox:1"}));
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->body["HostConfig"]["NetworkMode"], "host");
  EXPECT_FALSE(request->body.contains("NetworkDisabled"));
}

TEST(DockerCreateRequest, PrivilegedWithoutEveryCapabilityAsTheCliWouldSendIt) {
  auto spec = spec_of("c3");
  spec.privileged = true;
  CliRunSettings settings{.image = "busybox:1"};
  settings.capability_bounding_set = ~(std::uint64_t{1} << 24);  // no CAP_SYS_RESOURCE
  auto request = docker_create_request(cli_run_args(spec, settings));
  ASSERT_TRUE(request.has_value());
  const json& h = request->body["HostConfig"];
  EXPECT_EQ(h["CapAdd"], json({"ALL"}));
  EXPECT_EQ(h["CapDrop"], json({"SYS_RESOURCE"}));
  EXPECT_EQ(h["SecurityOpt"], json({"seccomp=unconfined"}));
  EXPECT_EQ(h["MaskedPaths"], json::array());
  EXPECT_EQ(h["ReadonlyPaths"], json::array());
  EXPECT_EQ(h["DeviceCgroupRules"], json({"a *:* rwm"}));
}

TEST(DockerCreateRequest, WhatHasNoMappingStaysWithTheCli) {
  EXPECT_FALSE(docker_create_request({"exec", "c1"}).has_value());
  EXPECT_FALSE(docker_create_request({"run", "--name", "c1", "--rootfs", "/:O", "sh"}));
  EXPECT_FALSE(docker_create_request(
      {"run", "--name", "c1", "--security-opt", "seccomp=/etc/profile.json", "busybox"}));
  EXPECT_FALSE(docker_create_request({"run", "--detach", "busybox"}).has_value());  // no name
  EXPECT_FALSE(docker_create_request({"run", "--name", "c1"}).has_value());         // no image
}

TEST(DockerSocketPath, OnlyUnixSockets) {
  EXPECT_EQ(docker_socket_path("unix:///run/d/docker.sock"), "/run/d/docker.sock");
  EXPECT_EQ(docker_socket_path("tcp://10.0.0.1:2375"), "");
  EXPECT_EQ(docker_socket_path("ssh://dut1"), "");
  // The CLI's own defaults: $DOCKER_HOST, else a context, else the standard socket.
  const testing::ScopedEnv host("DOCKER_HOST", nullptr), context("DOCKER_CONTEXT", nullptr),
      config("DOCKER_CONFIG", "/nonexistent");
  EXPECT_EQ(docker_socket_path(""), "/var/run/docker.sock");
  ::setenv("DOCKER_CONTEXT", "remote", 1);
  EXPECT_EQ(docker_socket_path(""), "");  // the context may point anywhere: the CLI decides
  ::setenv("DOCKER_CONTEXT", "default", 1);
  EXPECT_EQ(docker_socket_path(""), "/var/run/docker.sock");
  ::setenv("DOCKER_HOST", "unix:///x.sock", 1);
  EXPECT_EQ(docker_socket_path(""), "/x.sock");
}

TEST(HttpOverUnix, ASocketThatIsNotThereCannotBeConnected) {
  try {
    http_over_unix("/nonexistent/docker.sock", "GET", "/_ping", "", std::chrono::seconds(1));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cnfctl::engine
