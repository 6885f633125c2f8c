#include "topology/values.h"

#include <gtest/gtest.h>

namespace cnfctl::topology {
namespace {

using namespace std::chrono_literals;

TEST(Values, Unsigned) {
  EXPECT_EQ(parse_unsigned("0"), 0u);
  EXPECT_EQ(parse_unsigned("18446744073709551615"), 18446744073709551615ULL);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "0x10", "1.0", "18446744073709551616"}) {
    EXPECT_FALSE(parse_unsigned(bad)) << bad;
  }
}

TEST(Values, AbsolutePaths) {
  EXPECT_FALSE(absolute_path_problem("/srv/data"));
  EXPECT_FALSE(absolute_path_problem("/a/./b//c/"));
  EXPECT_FALSE(absolute_path_problem("/a/..b/c.."));  // only a whole '..' component is parent
  EXPECT_EQ(absolute_path_problem(""), "it is empty");
  EXPECT_EQ(absolute_path_problem("srv"), "it must be absolute (start with '/')");
  EXPECT_EQ(absolute_path_problem("/a/../b"), "it contains a '..' component");
  EXPECT_EQ(absolute_path_problem("/a/.."), "it contains a '..' component");
  EXPECT_EQ(absolute_path_problem("/a:b"),
            "it contains ':', which engines use to separate mount fields");
  EXPECT_EQ(absolute_path_problem("/a,b"),
            "it contains ',', which engines use to separate mount options");
  EXPECT_EQ(absolute_path_problem("/a b"), "it contains a space");
  EXPECT_TRUE(absolute_path_problem(std::string_view("/a\0b", 4)));
  EXPECT_TRUE(absolute_path_problem("/a\nb"));
  EXPECT_TRUE(absolute_path_problem("/" + std::string(1024, 'a')));
  EXPECT_EQ(normalize_absolute_path("/a/./b//c/"), "/a/b/c");
  EXPECT_EQ(normalize_absolute_path("/"), "/");
  EXPECT_EQ(normalize_absolute_path("//"), "/");
}

TEST(Values, Addresses) {
  EXPECT_EQ(parse_mac("02:00:00:00:00:AA"), "02:00:00:00:00:aa");
  EXPECT_EQ(parse_mac("02-00-00-00-00-0b"), "02:00:00:00:00:0b");
  for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:0g", "02:00-00:00:00:00",
                          "020000000000", "02:00:00:00:00:000"}) {
    EXPECT_FALSE(parse_mac(bad)) << bad;
  }
  EXPECT_EQ(parse_ipv4("10.0.0.1"), "10.0.0.1");
  for (const char* bad : {"10.0.0", "10.0.0.256", "10.0.0.01", "a.b.c.d", "1.2.3.4.5", ""}) {
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
  }
  EXPECT_EQ(parse_pci_address("0000:00:06.0"), "0000:00:06.0");
  EXPECT_EQ(parse_pci_address("00:1F.7"), "0000:00:1f.7");
  EXPECT_EQ(parse_pci_address("ABCD:18:00.1"), "abcd:18:00.1");
  for (const char* bad : {"eth0", "00:06", "00:06.8", "00:20.0", "0:00:06.0", "00:06.0.1"}) {
    EXPECT_FALSE(parse_pci_address(bad)) << bad;
  }
}

TEST(Values, CpuLists) {
  EXPECT_EQ(parse_cpu_list("2-5,8"), (std::vector<unsigned>{2, 3, 4, 5, 8}));
  EXPECT_EQ(parse_cpu_list("7"), (std::vector<unsigned>{7}));
  EXPECT_EQ(parse_cpu_list("3,1,3"), (std::vector<unsigned>{1, 3}));
  for (const char* bad : {"", "5-2", "1,,2", "a", "1-", "-1", "4096", "0-4096"}) {
    EXPECT_FALSE(parse_cpu_list(bad)) << bad;
  }
}

TEST(Values, DurationsSizesRates) {
  EXPECT_EQ(parse_duration("5s"), 5s);
  EXPECT_EQ(parse_duration("250ms"), 250ms);
  EXPECT_EQ(parse_duration("2m"), 120s);
  EXPECT_EQ(parse_duration("0s"), 0ms);
  for (const char* bad : {"5", "5h", "s", "-1s", "1.5s", "25h", "99999999999999999999s"}) {
    EXPECT_FALSE(parse_duration(bad)) << bad;
  }
  EXPECT_FALSE(parse_duration("1441m"));
  EXPECT_EQ(parse_vpp_size("2G"), "2G");
  EXPECT_EQ(parse_vpp_size("512m"), "512M");
  EXPECT_EQ(parse_vpp_size("4096"), "4096");
  for (const char* bad : {"", "0", "0M", "2T", "G", "1.5G", "-1G"}) {
    EXPECT_FALSE(parse_vpp_size(bad)) << bad;
  }
  EXPECT_EQ(parse_rate_pps("0"), 0u);
  EXPECT_EQ(parse_rate_pps("1000pps"), 1000u);
  EXPECT_EQ(parse_rate_pps("500kpps"), 500000u);
  EXPECT_EQ(parse_rate_pps("10Mpps"), 10000000u);
  for (const char* bad : {"", "fast", "10mpps", "1.5Mpps", "10 Mpps", "2000000Mpps"}) {
    EXPECT_FALSE(parse_rate_pps(bad)) << bad;
  }
}

TEST(Values, Names) {
  EXPECT_TRUE(is_env_name("_A1"));
  EXPECT_FALSE(is_env_name("1A"));
  EXPECT_FALSE(is_env_name("A-B"));
  EXPECT_FALSE(is_env_name(""));
  EXPECT_TRUE(is_host_name("dut1.example.net"));
  EXPECT_TRUE(is_host_name("fe80::1"));
  EXPECT_FALSE(is_host_name("-oProxyCommand=x"));
  EXPECT_FALSE(is_host_name("a b"));
  EXPECT_FALSE(is_host_name("user@host"));
  EXPECT_TRUE(is_user_name("cnf-user_1"));
  EXPECT_FALSE(is_user_name("-x"));
  EXPECT_FALSE(is_user_name("root;id"));
  EXPECT_TRUE(is_image_reference("docker.io/library/debian:12"));
  EXPECT_TRUE(is_image_reference("busybox@sha256:abc"));
  EXPECT_FALSE(is_image_reference("-it"));
  EXPECT_FALSE(is_image_reference("a/../b"));
  EXPECT_FALSE(is_image_reference("a b"));
}

}  // namespace
}  // namespace cnfctl::topology
