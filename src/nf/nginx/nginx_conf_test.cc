#include "nf/nginx/nginx_conf.h"

#include <gtest/gtest.h>

namespace cnfctl::nginx {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(NginxConf, RequestRateKeepsConnectionsAlive) {
  NginxOptions options;
  options.body_size = 4;
  const NginxLaunch launch = render_nginx(options, {2, 3});
  EXPECT_TRUE(contains(launch.config, "worker_processes 2;\n"));
  EXPECT_TRUE(contains(launch.config, "worker_cpu_affinity 100 1000;\n"));
  EXPECT_TRUE(contains(launch.config, "keepalive_requests 1000000;"));
  EXPECT_TRUE(contains(launch.config, "location = /4B {\n      return 200 \"xxxx\";"));
  EXPECT_TRUE(contains(launch.config, "listen 8080;"));
  EXPECT_EQ(launch.url_path, "/4B");
  EXPECT_EQ(launch.argv,
            (std::vector<std::string>{"/usr/sbin/nginx", "-c", "/run/cnfctl-nginx/nginx.conf", "-p",
                                      "/run/cnfctl-nginx"}));
  EXPECT_TRUE(launch.env.empty());
}

TEST(NginxConf, ConnectionRateClosesEveryConnection) {
  NginxOptions options;
  options.mode = LoadMode::kConnectionsPerSecond;
  const NginxLaunch launch = render_nginx(options, {});
  EXPECT_TRUE(contains(launch.config, "keepalive_timeout 0;"));
  EXPECT_FALSE(contains(launch.config, "keepalive_requests"));
  EXPECT_TRUE(contains(launch.config, "worker_processes 1;"));
  EXPECT_FALSE(contains(launch.config, "worker_cpu_affinity"));
}

TEST(NginxConf, HostStackPreloadSetsTheVclEnvironment) {
  NginxOptions options;
  options.ldpreload = true;
  options.vcl_config = "/etc/vpp/vcl_iperf3.conf";
  const NginxLaunch launch = render_nginx(options, {1});
  EXPECT_EQ(launch.env.at("LD_PRELOAD"), "/usr/lib/x86_64-linux-gnu/libvcl_ldpreload.so");
  EXPECT_EQ(launch.env.at("VCL_CONFIG"), "/etc/vpp/vcl_iperf3.conf");
}

}  // namespace
}  // namespace cnfctl::nginx
