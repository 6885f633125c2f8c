#include "engine/cli_engine.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/docker_engine.h"

namespace cnfctl::engine {
namespace {

using Args = std::vector<std::string>;

bool contains(const Args& args, const Args& sequence) {
  return std::search(args.begin(), args.end(), sequence.begin(), sequence.end()) != args.end();
}

ContainerSpec spec() {
  ContainerSpec s;
  s.name = "nf1";
  s.cpuset_cpus = {0, 1};
  s.mounts = {{"/srv/x", "/mnt/x", true, true}};
  s.ports = {{8080, 80, "tcp", ""}};
  s.command = {"echo", "a b"};
  return s;
}

TEST(CliRunArgs, DockerRunHasTheSeedsOptionsAndTheImageBeforeTheCommand) {
  CliRunSettings settings{.image = "cnfctl/rootfs-1:latest", .cgroup_parent = "/cnfctl/docker"};
  auto args = cli_run_args(spec(), settings);
  EXPECT_TRUE(contains(args, {"run", "--detach", "--name", "nf1", "--init"}));
  EXPECT_TRUE(contains(args, {"--cpuset-cpus", "0,1"}));
  EXPECT_TRUE(contains(args, {"--cgroup-parent", "/cnfctl/docker"}));
  EXPECT_TRUE(contains(args, {"--volume", "/srv/x:/mnt/x:ro"}));
  EXPECT_TRUE(contains(args, {"--publish", "8080:80/tcp"}));
  EXPECT_TRUE(contains(args, {"--env", "MICROSERVICE_LABEL=nf1"}));
  EXPECT_TRUE(contains(args, {"cnfctl/rootfs-1:latest", "echo", "a b"}));
  EXPECT_EQ(args.back(), "a b");
}

TEST(CliRunArgs, PrivilegedFallsBackWhenTheKernelLacksCapabilities) {
  auto s = spec();
  s.privileged = true;
  CliRunSettings settings{.image = "img", .capability_bounding_set = 0x000001fffeffffffULL};
  auto args = cli_run_args(s, settings);
  EXPECT_EQ(std::count(args.begin(), args.end(), "--privileged"), 0);
  EXPECT_TRUE(contains(args, {"--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE"}));
  EXPECT_TRUE(contains(args, {"--security-opt", "systempaths=unconfined"}));
  EXPECT_TRUE(contains(args, {"--device-cgroup-rule", "a *:* rwm"}));
  settings.capability_bounding_set = ~std::uint64_t{0};
  args = cli_run_args(s, settings);
  EXPECT_EQ(std::count(args.begin(), args.end(), "--privileged"), 1);
}

TEST(CliRunArgs, PodmanPutsEveryOptionBeforeRootfs) {
  auto s = spec();
  s.ports.clear();
  CliRunSettings settings{.rootfs = "/:O", .nofile_limit = 20000, .podman = true};
  auto args = cli_run_args(s, settings);
  auto rootfs = std::find(args.begin(), args.end(), "--rootfs");
  ASSERT_NE(rootfs, args.end());
  EXPECT_EQ(*(rootfs + 1), "/:O");
  EXPECT_EQ(Args(rootfs + 2, args.end()), (Args{"echo", "a b"}));
  EXPECT_TRUE(contains(args, {"--ulimit", "nofile=20000:20000"}));
  EXPECT_TRUE(contains(args, {"--tmpfs", "/tmp:rw,notmpcopyup"}));
}

TEST(CliExecArgs, PassesArgvAndEnvUntouched) {
  auto args = cli_exec_args("nf1", {"printf", "%s", "a'b$`c"}, {{"K", "v w"}}, true);
  EXPECT_EQ(args,
            (Args{"exec", "--interactive", "--env", "K=v w", "nf1", "printf", "%s", "a'b$`c"}));
}

TEST(DockerEngine, ImportedTagIsStableAndValid) {
  EXPECT_EQ(DockerEngine::imported_tag("/srv/rootfs"), DockerEngine::imported_tag("/srv/rootfs"));
  EXPECT_NE(DockerEngine::imported_tag("/srv/a"), DockerEngine::imported_tag("/srv/b"));
  EXPECT_EQ(DockerEngine::imported_tag("/x").rfind("cnfctl/rootfs-", 0), 0U);
}

}  // namespace
}  // namespace cnfctl::engine
