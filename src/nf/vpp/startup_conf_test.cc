#include "nf/vpp/startup_conf.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "common/error.h"

namespace cnfctl::vpp {
namespace {

std::string read_reference(const std::string& name) {
  std::ifstream in(std::string(CNFCTL_SHARED_DIR) + "/reference/csit/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The lines of `text` without trailing whitespace, and without trailing empty lines.
std::vector<std::string> stripped_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    line.erase(line.find_last_not_of(" \t\r") + 1);
    lines.push_back(line);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

void expect_equals_reference(const StartupConf& conf, const std::string& file) {
  EXPECT_EQ(stripped_lines(conf.render()), stripped_lines(read_reference("startup-conf/" + file)))
      << conf.render();
}

TEST(StartupConf, BaseContainerWithCpusEqualsCsit) {
  const std::vector<std::uint32_t> cpus = {2, 3, 4};
  expect_equals_reference(container_startup_conf({}, cpus), "container_base_cpus_2_3_4.conf");
  EXPECT_EQ(cpus, (std::vector<std::uint32_t>{2, 3, 4})) << "the caller's cpuset is not consumed";
}

TEST(StartupConf, BaseContainerWithoutCpusEqualsCsit) {
  expect_equals_reference(container_startup_conf({}, {}), "container_base_nocpus.conf");
}

TEST(StartupConf, VswitchEqualsCsit) {
  const std::vector<std::uint32_t> cpus = {2, 3, 4, 5};
  const std::vector<std::string> devices = {"0000:86:00.0", "0000:86:00.1"};
  expect_equals_reference(vswitch_startup_conf({}, cpus, 2, devices),
                          "container_vswitch_rxq2.conf");
}

TEST(StartupConf, RenderingTwiceGivesTheSameText) {
  const std::vector<std::uint32_t> cpus = {1, 2};
  StartupConf conf = container_startup_conf({}, cpus);
  std::string first = conf.render();
  EXPECT_EQ(conf.render(), first);
  EXPECT_EQ(conf.render(), first);
}

TEST(StartupConf, OutputHasNoTrailingWhitespace) {
  const std::vector<std::string> devices = {"0000:86:00.0"};
  std::string text = vswitch_startup_conf({}, {}, 1, devices).render();
  EXPECT_EQ(text.find(" \n"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

TEST(StartupConf, SingleCpuIsTheMainCoreWithoutWorkers) {
  const std::vector<std::uint32_t> cpus = {7};
  StartupConf conf = container_startup_conf({}, cpus);
  EXPECT_EQ(conf.value({"cpu", "main-core"}), "7");
  EXPECT_FALSE(conf.contains({"cpu", "corelist-workers"}));
}

TEST(StartupConf, IpsecEnablesTheCryptoPlugins) {
  std::string text = ipsec_startup_conf({}, {}).render();
  EXPECT_NE(text.find("  plugin memif_plugin.so\n  {\n    enable\n  }\n"
                      "  plugin crypto_native_plugin.so\n  {\n    enable\n  }\n"
                      "  plugin crypto_ipsecmb_plugin.so\n  {\n    enable\n  }\n"
                      "  plugin crypto_openssl_plugin.so\n  {\n    enable\n  }\n"),
            std::string::npos)
      << text;
}

TEST(StartupConf, PerInstanceSettingsAndNoHugepages) {
  StartupSettings settings;
  settings.cli_socket = "/run/cnfctl/r1/nf1/cli.sock";
  settings.api_socket = "/run/cnfctl/r1/nf1/api.sock";
  settings.stats_socket = "/run/cnfctl/r1/nf1/stats.sock";
  settings.runtime_dir = "/run/cnfctl/r1/nf1";
  settings.pidfile = "/run/cnfctl/r1/nf1/vpp.pid";
  settings.log_file = "/tmp/vpp.log";
  settings.plugin_path = "/opt/vpp/lib/vpp_plugins";
  settings.poll_sleep_usec = 100;
  settings.plugins.push_back("ping_plugin.so");
  settings.with_page_size("4K");
  StartupConf conf = container_startup_conf(settings, {});

  EXPECT_EQ(conf.value({"unix", "cli-listen"}), settings.cli_socket);
  EXPECT_EQ(conf.value({"unix", "runtime-dir"}), settings.runtime_dir);
  EXPECT_EQ(conf.value({"unix", "pidfile"}), settings.pidfile);
  EXPECT_EQ(conf.value({"unix", "log"}), "/tmp/vpp.log");
  EXPECT_EQ(conf.value({"unix", "poll-sleep-usec"}), "100");
  EXPECT_EQ(conf.value({"socksvr", "socket-name"}), settings.api_socket);
  EXPECT_EQ(conf.value({"statseg", "socket-name"}), settings.stats_socket);
  EXPECT_EQ(conf.value({"plugins", "path"}), settings.plugin_path);
  EXPECT_EQ(conf.value({"plugins", "plugin ping_plugin.so", "enable"}), "");
  EXPECT_EQ(conf.value({"buffers", "page-size"}), "4K");
  EXPECT_EQ(conf.value({"memory", "main-heap-page-size"}), "4K");
  EXPECT_EQ(conf.value({"statseg", "page-size"}), "4K");
  EXPECT_FALSE(conf.contains({"unix", "full-coredump"}));
}

TEST(StartupConf, HostStackAddsSessionAndTcpSections) {
  HostStackSettings host_stack;
  host_stack.event_queue_length = 512;
  host_stack.preallocated_sessions = 1024;
  host_stack.v4_session_table_buckets = 20000;
  host_stack.v4_session_table_memory = "64m";
  host_stack.tcp_cc_algo = "cubic";
  host_stack.tcp_preallocated_connections = 1024;
  std::string text = host_stack_startup_conf({}, {}, host_stack).render();
  EXPECT_NE(text.find("session\n{\n  enable\n  event-queue-length 512\n"
                      "  preallocated-sessions 1024\n  v4-session-table-buckets 20000\n"
                      "  v4-session-table-memory 64m\n}\n"
                      "tcp\n{\n  cc-algo cubic\n  preallocated-connections 1024\n}\n"),
            std::string::npos)
      << text;
}

TEST(StartupConf, VclConfEqualsTheReference) {
  EXPECT_EQ(stripped_lines(render_vcl_conf({})), stripped_lines(read_reference("vcl_iperf3.conf")));
}

TEST(StartupConfBuilder, KeepsFirstInsertionOrderAndOverwritesInPlace) {
  StartupConf conf;
  conf.set({"a", "x"}, "1").set({"b", "y"}).set({"a", "z"}, "3").set({"a", "x"}, "2");
  EXPECT_EQ(conf.render(), "a\n{\n  x 2\n  z 3\n}\nb\n{\n  y\n}\n");
}

TEST(StartupConfBuilder, BareOptionBecomesASection) {
  StartupConf conf;
  const std::vector<std::string> devices = {"0000:00:08.0"};
  conf.add_dpdk_dev(devices).add_dpdk_dev_parameter("0000:00:08.0", "num-rx-queues", "4");
  conf.add_dpdk_dev(devices);  // already there: its parameters stay
  EXPECT_EQ(conf.render(), "dpdk\n{\n  dev 0000:00:08.0\n  {\n    num-rx-queues 4\n  }\n}\n");
}

TEST(StartupConfBuilder, ValueBecomesABareOptionOfTheNewSection) {
  StartupConf conf;
  conf.set({"nat"}, "endpoint-dependent").set({"nat", "sessions"}, "10");
  EXPECT_EQ(conf.render(), "nat\n{\n  endpoint-dependent\n  sessions 10\n}\n");
}

TEST(StartupConfBuilder, EnableReplacesDisable) {
  StartupConf conf;
  conf.add_plugin_disable("dpdk_plugin.so").add_plugin_enable("dpdk_plugin.so");
  EXPECT_EQ(conf.render(), "plugins\n{\n  plugin dpdk_plugin.so\n  {\n    enable\n  }\n}\n");
  EXPECT_TRUE(conf.remove({"plugins"}));
  EXPECT_EQ(conf.render(), "");
}

TEST(StartupConfBuilder, RejectsStructureInNamesAndValues) {
  StartupConf conf;
  for (const char* bad : {"a\nb", "x}", "{", "a\rb"}) {
    EXPECT_THROW(conf.set({"unix", "exec"}, bad), Error) << bad;
    EXPECT_THROW(conf.set({"unix", bad}, "v"), Error) << bad;
  }
  EXPECT_THROW(conf.set({}), Error);
  EXPECT_THROW(conf.set({"unix", ""}), Error);
  EXPECT_EQ(conf.render(), "");
  try {
    StartupSettings settings;
    settings.cli_socket = "/run/vpp/cli.sock\nexec /tmp/evil";
    container_startup_conf(settings, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(e.describe().find("startup.conf"), std::string::npos) << e.describe();
  }
}

TEST(StartupConfBuilder, RejectsMalformedPciAddresses) {
  for (const char* bad : {"86:00.0", "0000:86:00.10", "0000:86:0g.0", "0000-86:00.0", ""}) {
    const std::vector<std::string> devices = {"0000:86:00.0", bad};
    StartupConf conf;
    EXPECT_THROW(conf.add_dpdk_dev(devices), Error) << bad;
    EXPECT_FALSE(conf.contains({"dpdk"})) << "nothing is added when one address is bad";
  }
  EXPECT_THROW(vswitch_startup_conf({}, {}, 0, {}), Error);
}

}  // namespace
}  // namespace cnfctl::vpp
