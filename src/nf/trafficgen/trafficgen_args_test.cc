#include "nf/trafficgen/trafficgen_args.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/error.h"

namespace cnfctl::trafficgen {
namespace {

wiring::MemifLink link(const std::string& file, bool server, int id = 1) {
  wiring::MemifLink l;
  l.socket_file = file;
  l.host_socket_path = "/run/cnfctl/sockets/r/" + file;
  l.guest_socket_path = "/run/cnfctl/memif/" + file;
  l.interface_id = id;
  l.role = server ? wiring::MemifRole::kMaster : wiring::MemifRole::kSlave;
  return l;
}

GenArgsOptions options(GenMode mode) {
  GenArgsOptions o;
  o.binary = "/opt/cnfctl/cnfctl-gen";
  o.mode = mode;
  o.cpus = {1};
  o.file_prefix = "r-gen1";
  o.control_socket = "/run/cnfctl/memif/gen1.gen.sock";
  return o;
}

bool has(const std::vector<std::string>& argv, const std::string& arg) {
  return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

TEST(TrafficgenArgs, GeneratorOwnsTheSinksLinkAsPortOne) {
  wiring::ContainerWiring gen;
  gen.name = "gen1";
  gen.links = {link("memif-vswitch1-1", false, 1)};
  wiring::ContainerWiring sink;
  sink.name = "sink1";
  sink.links = {link("memif-vswitch1-8", false, 8)};
  const auto argv = trafficgen_argv(gen, &sink, options(GenMode::kGen));
  EXPECT_EQ(argv.front(), "/opt/cnfctl/cnfctl-gen");
  EXPECT_TRUE(has(argv, "--file-prefix=r-gen1"));
  EXPECT_TRUE(has(argv, "0@1,1@1"));
  EXPECT_TRUE(has(argv,
                  "--vdev=net_memif0,role=client,socket=/run/cnfctl/memif/memif-vswitch1-1,"
                  "id=1,socket-abstract=no"));
  EXPECT_TRUE(has(argv,
                  "--vdev=net_memif1,role=client,socket=/run/cnfctl/memif/memif-vswitch1-8,"
                  "id=8,socket-abstract=no"));
  const auto dashdash = std::find(argv.begin(), argv.end(), "--");
  ASSERT_NE(dashdash, argv.end());
  EXPECT_EQ(*(dashdash + 1), "gen");
  EXPECT_EQ(*(dashdash + 2), "--control");
  EXPECT_EQ(*(dashdash + 3), "/run/cnfctl/memif/gen1.gen.sock");
  EXPECT_FALSE(has(argv, "--limit"));
}

TEST(TrafficgenArgs, ForwarderWithLimitAndDelayOnSharedCores) {
  wiring::ContainerWiring nf;
  nf.name = "nf1";
  nf.links = {link("memif-nf1-1", true), link("memif-nf1-2", true, 2)};
  auto o = options(GenMode::kForward);
  o.limit_pps = 1'000'000;
  o.delay_us = 50;
  o.cores_shared = true;
  o.cpus = {0, 1};
  const auto argv = trafficgen_argv(nf, nullptr, o);
  EXPECT_TRUE(has(argv, "0@0,1@1"));
  EXPECT_TRUE(has(argv,
                  "--vdev=net_memif0,role=server,socket=/run/cnfctl/memif/memif-nf1-1,"
                  "id=1,socket-abstract=no,rsize=14"));
  EXPECT_TRUE(has(argv, "forward"));
  const auto limit = std::find(argv.begin(), argv.end(), "--limit");
  ASSERT_NE(limit, argv.end());
  EXPECT_EQ(*(limit + 1), "1000000");
  const auto delay = std::find(argv.begin(), argv.end(), "--delay-us");
  ASSERT_NE(delay, argv.end());
  EXPECT_EQ(*(delay + 1), "50");
}

TEST(TrafficgenArgs, PortsMustFitTheMode) {
  wiring::ContainerWiring one;
  one.name = "nf1";
  one.links = {link("a", true)};
  EXPECT_THROW(trafficgen_argv(one, nullptr, options(GenMode::kForward)), Error);
  wiring::ContainerWiring none;
  none.name = "gen1";
  EXPECT_THROW(trafficgen_argv(none, nullptr, options(GenMode::kGen)), Error);
  auto o = options(GenMode::kGen);
  o.limit_pps = 5;
  EXPECT_THROW(trafficgen_argv(one, nullptr, o), Error);
  o = options(GenMode::kGen);
  o.file_prefix = "bad prefix";
  EXPECT_THROW(trafficgen_argv(one, nullptr, o), Error);
  o = options(GenMode::kGen);
  o.control_socket.clear();
  EXPECT_THROW(trafficgen_argv(one, nullptr, o), Error);
}

TEST(TrafficgenArgs, ControlSocketFileAndDefaultBinary) {
  EXPECT_EQ(control_socket_file("gen1"), "gen1.gen.sock");
  EXPECT_TRUE(default_gen_binary().ends_with("/cnfctl-gen"));
}

}  // namespace
}  // namespace cnfctl::trafficgen
