#include "node/node_access.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "process/local_runner.h"
#include "process/ssh_runner.h"

namespace cnfctl::node {
namespace {

topology::Node ssh_node() {
  topology::Node n;
  n.name = "dut1";
  n.type = topology::NodeKind::kSsh;
  topology::SshSpec ssh;
  ssh.host = "10.0.0.2";
  ssh.port = 2222;
  ssh.user = "cnf";
  ssh.key = "/root/.ssh/id_ed25519";
  ssh.ssh_options = {"StrictHostKeyChecking=accept-new"};
  n.ssh = ssh;
  return n;
}

TEST(NodeAccess, FromTheTopologyNode) {
  const auto a = access_of(ssh_node());
  EXPECT_TRUE(a.remote);
  EXPECT_EQ(a.ssh.node, "dut1");
  EXPECT_EQ(a.ssh.port, 2222);
  EXPECT_TRUE(a.ssh.sudo);  // auto: a user other than root
  EXPECT_EQ(a.address(), "ssh cnf@10.0.0.2:2222");
  topology::Node local;
  local.name = "local";
  EXPECT_FALSE(access_of(local).remote);
  EXPECT_EQ(access_of(local).address(), "local");
}

TEST(NodeAccess, JournalRoundTrip) {
  const auto a = access_of(ssh_node());
  const auto b = node_access_from_json(to_json(a));
  EXPECT_EQ(to_json(a), to_json(b));
  EXPECT_EQ(b.ssh.identity_file, a.ssh.identity_file);
  EXPECT_EQ(b.ssh.ssh_options, a.ssh.ssh_options);
  auto none = a;
  none.ssh.identity_file.reset();
  EXPECT_FALSE(node_access_from_json(to_json(none)).ssh.identity_file);
  topology::Node local;
  local.name = "here";
  EXPECT_FALSE(node_access_from_json(to_json(access_of(local))).remote);
}

TEST(NodeAccess, DamagedRecordsAreRefused) {
  EXPECT_THROW(node_access_from_json({{"name", "x"}}), Error);
  EXPECT_THROW(node_access_from_json({{"name", "x"}, {"type", "telnet"}}), Error);
  auto j = to_json(access_of(ssh_node()));
  j["host"] = "-oProxyCommand=touch /tmp/x";  // a journal edited by hand
  try {
    node_access_from_json(j);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
  }
}

TEST(NodeAccess, RunnersMatchTheKind) {
  auto runners = make_runners({access_of(ssh_node()), NodeAccess{"local", false, {}}});
  EXPECT_NE(dynamic_cast<process::SshRunner*>(runners.at("dut1").get()), nullptr);
  EXPECT_NE(dynamic_cast<process::LocalRunner*>(runners.at("local").get()), nullptr);
  EXPECT_EQ(connections_opened(*runners.at("local")), 0U);
  EXPECT_NO_THROW(connect(*runners.at("local")));
}

}  // namespace
}  // namespace cnfctl::node
