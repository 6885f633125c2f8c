#include "node/host_veth.h"

#include <gtest/gtest.h>

namespace cnfctl::node {
namespace {

TEST(HostVeth, ReadsAddressesAndRoutesButNotTheDefaultRoute) {
  const std::string addr =
      "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
      "2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever\n";
  const std::string route =
      "default via 192.0.2.1 dev eth0 \n"
      "10.0.0.0/8 via 192.0.2.1 dev eth0 \n"
      "192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2 \n"
      "unicast 172.16.0.0/12 dev eth1\n"
      "garbage\n";
  const auto used = parse_ip4_in_use(addr, route);
  ASSERT_EQ(used.size(), 5u);
  EXPECT_EQ(used[0].cidr, "127.0.0.1/8");
  EXPECT_EQ(used[0].what, "address 127.0.0.1/8 on lo");
  EXPECT_EQ(used[1].what, "address 192.0.2.2/24 on eth0");
  EXPECT_EQ(used[2].what, "route 10.0.0.0/8 dev eth0");
  EXPECT_EQ(used[3].cidr, "192.0.2.0/24");
  EXPECT_EQ(used[4].what, "route 172.16.0.0/12 dev eth1");
}

TEST(HostVeth, SubnetsOverlapWhenTheShorterPrefixContainsTheOther) {
  EXPECT_TRUE(ip4_subnets_overlap("192.0.2.2/24", "192.0.2.1/24"));
  EXPECT_TRUE(ip4_subnets_overlap("10.0.0.0/8", "10.9.8.1/30"));
  EXPECT_TRUE(ip4_subnets_overlap("198.51.100.5/30", "198.51.100.0/24"));
  EXPECT_TRUE(ip4_subnets_overlap("198.51.100.6", "198.51.100.5/30"));  // a host route
  EXPECT_FALSE(ip4_subnets_overlap("198.51.100.1/30", "198.51.100.5/30"));
  EXPECT_FALSE(ip4_subnets_overlap("192.0.2.2/24", "198.51.100.1/24"));
  EXPECT_FALSE(ip4_subnets_overlap("192.0.2.2/24", "not an address"));
  EXPECT_FALSE(ip4_subnets_overlap("192.0.2.300/24", "192.0.2.1/24"));
  EXPECT_FALSE(ip4_subnets_overlap("192.0.2.1/33", "192.0.2.1/24"));
}

}  // namespace
}  // namespace cnfctl::node
