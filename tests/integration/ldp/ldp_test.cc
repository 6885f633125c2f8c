// nginx + LDP through a real VPP (the seed's "Nginx+LDPRELOAD"), driven by the cnfctl program:
// VPP 26.10 from ../shared/vpp (extracted once into the build tree, sha256 checked) in an oci
// container with an af_packet interface on a host veth, two nginx LD_PRELOADed with
// libvcl_ldpreload.so attached to its host stack through the app socket, real wrk from the host
// side in rps (keep-alive) and cps (Connection: close) modes, every body checked. `down` must
// leave nothing: veth, VPP's sockets, containers, processes, the run's state.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "integration/engines/engine_harness.h"
#include "nf/nginx/http_client.h"
#include "node/host_veth.h"
#include "process/local_runner.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kVppArchive = "vpp-26.10-rc0-374-debian12-x86_64.tar.xz";
constexpr const char* kVppArchiveSha256 =
    "55784458069207cf490b49c034af9f2f1674c00a602fa671540c60dd8e0944e5";
constexpr std::size_t kBodySize = 64;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class LdpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    for (const char* tool : {"/usr/sbin/nginx", "/usr/bin/wrk"}) {
      ASSERT_EQ(::access(tool, X_OK), 0) << tool << " is missing (scripts/apt-packages.txt)";
    }
    const std::string archive = std::string(CNFCTL_SHARED_DIR) + "/vpp/" + kVppArchive;
    if (!fs::exists(archive)) {
      if (std::getenv("CI")) FAIL() << "the VPP archive " << archive << " is missing";
      GTEST_SKIP() << "no VPP archive at " << archive;
    }
    ASSERT_NO_FATAL_FAILURE(extract_vpp(archive));
    char pattern[] = "/tmp/cnfctl-ldp-it.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    setenv("CNFCTL_STATE_DIR", (root_ + "/state").c_str(), 1);
    setenv("CNFCTL_RUN_DIR", (root_ + "/run").c_str(), 1);
    // A /30 of TEST-NET-2 per test process, so parallel runs do not share a subnet.
    const int k = 1 + ::getpid() % 60;
    host_ip_ = "198.51.100." + std::to_string(4 * k + 1);
    vpp_ip_ = "198.51.100." + std::to_string(4 * k + 2);
    port_ = 20000 + ::getpid() % 20000;
    run_ = "itldp" + std::to_string(::getpid());
  }

  void TearDown() override {
    if (root_.empty()) return;
    if (!run_.empty()) cnfctl({"down", "-q", run_});
    engine::testing::remove_tree_with_mounts(root_);
    unsetenv("CNFCTL_STATE_DIR");
    unsetenv("CNFCTL_RUN_DIR");
  }

  // Extracts the archive once into the build tree (not /tmp: containers have a private /tmp),
  // after checking its sha256; a marker file says a complete extraction is there.
  void extract_vpp(const std::string& archive) {
    const std::string dir = CNFCTL_LDP_VPP_DIR;
    const std::string marker = dir + "/.extracted-" + kVppArchiveSha256;
    vpp_ = dir + "/vpp";
    if (fs::exists(marker)) return;
    auto sum = runner_.run(process::Command{.argv = {"sha256sum", "--", archive}});
    ASSERT_TRUE(sum.ok()) << sum.err;
    ASSERT_EQ(sum.out.substr(0, 64), kVppArchiveSha256) << archive << " is not the expected build";
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto tar = runner_.run(process::Command{.argv = {"tar", "-xJf", archive, "-C", dir}});
    ASSERT_TRUE(tar.ok()) << tar.err;
    ASSERT_TRUE(fs::exists(vpp_ + "/bin/vpp"));
    std::ofstream(marker) << "ok\n";
  }

  process::Outcome cnfctl(std::vector<std::string> args, milliseconds timeout = seconds(180)) {
    process::Command command;
    command.argv = {CNFCTL_PROGRAM};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.timeout = timeout;
    return runner_.run(command);
  }

  std::string topology_file() {
    const auto path = root_ + "/ldp.yaml";
    // The VPP build (binary, plugins, the VCL library nginx preloads) read-only at its own path:
    // a clone under /tmp is hidden by the containers' private /tmp otherwise.
    const std::string vpp_mount = "\"" + vpp_ + ":" + vpp_ + ":ro\"";
    std::ofstream(path)
        << "name: ldp\nengine: oci\nimage: host\n"
        << "paths:\n  socket_dir: " << root_ << "/sockets\n  vpp_socket_base: " << root_ << "/vpp\n"
        << "cpu: {policy: none}\n"
        << "containers:\n"
        << "  - prefix: vpp\n    cpus: [" << (fs::exists("/sys/devices/system/cpu/cpu1") ? 1 : 0)
        << "]\n    mounts: [" << vpp_mount << "]\n"
        << "    nf:\n      kind: vpp\n      binary: " << vpp_ << "/bin/vpp\n"
        << "      vppctl: " << vpp_ << "/bin/vppctl\n"
        << "      plugin_path: " << vpp_ << "/lib/x86_64-linux-gnu/vpp_plugins\n"
        << "      page_size: 4K\n      main_heap_size: 256M\n      statseg_size: 64M\n"
        << "      buffers_per_numa: 16384\n      plugins: [af_packet_plugin.so]\n"
        << "      veth: {host_ip4: " << host_ip_ << "/30, vpp_ip4: " << vpp_ip_ << "/30}\n"
        << "  - prefix: rps\n    mounts: [" << vpp_mount << "]\n"
        << "    nf: {kind: nginx, port: " << port_ << ", body_size: " << kBodySize
        << ", mode: rps, ldp: {vpp: vpp1}}\n"
        << "  - prefix: cps\n    mounts: [" << vpp_mount << "]\n"
        << "    nf: {kind: nginx, port: " << port_ + 1 << ", body_size: " << kBodySize
        << ", mode: cps, ldp: {vpp: vpp1}}\n";
    return path;
  }

  // Everything of the run still on this machine; empty when nothing is left.
  std::vector<std::string> leftovers(const nlohmann::json& plan) {
    std::vector<std::string> found;
    for (const auto& m : engine::testing::mounts_under("/")) {
      if (m.find(run_ + "-") != std::string::npos) found.push_back("mount " + m);
    }
    for (const auto& d : engine::testing::cgroup_dirs_matching({run_ + "-"})) {
      found.push_back("cgroup " + d);
    }
    std::error_code ec;
    for (const auto& dir : {root_ + "/state/runs/" + run_, root_ + "/vpp/" + run_ + "-vpp1",
                            root_ + "/run/engines/oci/" + run_ + "-vpp1"}) {
      if (fs::exists(dir, ec)) found.push_back("dir " + dir);
    }
    for (const auto& c : plan["containers"]) {
      if (!c.contains("veth")) continue;
      for (const auto& end : {c["veth"]["host_if"], c["veth"]["vpp_if"]}) {
        if (node::interface_exists(runner_, end.get<std::string>())) {
          found.push_back("interface " + end.get<std::string>());
        }
      }
    }
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
      auto cmdline = read_file(e.path().string() + "/cmdline");
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      if (cmdline.find(vpp_ + "/bin/vpp -c") != std::string::npos ||
          cmdline.find("/run/cnfctl-nginx") != std::string::npos) {
        // Only this run's: VPP and nginx of other tests run in other containers; the cgroup
        // check above covers ours, this catches an escaped process of any run of this binary.
        auto cgroup = read_file(e.path().string() + "/cgroup");
        if (cgroup.find(run_ + "-") != std::string::npos) {
          found.push_back("process " + e.path().filename().string() + ": " + cmdline);
        }
      }
    }
    return found;
  }

  std::string root_;
  std::string vpp_;
  std::string host_ip_;
  std::string vpp_ip_;
  int port_ = 0;
  std::string run_;
  process::LocalRunner runner_;
};

// up (veth + af_packet + session layer + two LDP nginx), the bodies through VPP from the host,
// wrk in rps and cps modes through `cnfctl traffic`, then down leaves nothing.
TEST_F(LdpTest, NginxOverVppHostStackServesWrkInRpsAndCpsModesAndDownLeavesNothing) {
  const auto file = topology_file();
  auto planned = cnfctl({"plan", file, "--name", run_, "--json"});
  ASSERT_TRUE(planned.ok()) << planned.err;
  const auto plan = nlohmann::json::parse(planned.out);

  const auto started = std::chrono::steady_clock::now();
  auto up = cnfctl({"up", file, "--name", run_, "--json"});
  ASSERT_TRUE(up.ok()) << up.out << up.err;
  std::cout << "[ up ] "
            << std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started)
                   .count()
            << " ms\n";

  // The veth exists with the host's address; VPP owns its other end as an af_packet interface.
  std::string host_if, vpp_if, cli;
  for (const auto& c : plan["containers"]) {
    if (c.contains("veth")) {
      host_if = c["veth"]["host_if"];
      vpp_if = c["veth"]["vpp_if"];
      cli = c["sockets"]["cli"];
    }
  }
  ASSERT_FALSE(host_if.empty()) << planned.out;
  auto addr =
      runner_.run(process::Command{.argv = {"ip", "-o", "-4", "addr", "show", "dev", host_if}});
  ASSERT_TRUE(addr.ok()) << addr.err;
  EXPECT_NE(addr.out.find(host_ip_ + "/30"), std::string::npos) << addr.out;
  auto shown = runner_.run(
      process::Command{.argv = {vpp_ + "/bin/vppctl", "-s", cli, "show", "interface", "address"}});
  ASSERT_TRUE(shown.ok()) << shown.err;
  EXPECT_NE(shown.out.find("host-" + vpp_if + " (up)"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find(vpp_ip_ + "/30"), std::string::npos) << shown.out;

  // The bodies, fetched from the host through VPP's host stack.
  for (int port : {port_, port_ + 1}) {
    auto response = nginx::http_get(vpp_ip_, port, "/64B", seconds(10));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, std::string(kBodySize, 'x')) << "port " << port;
  }

  auto traffic = cnfctl({"traffic", run_, "--duration", "3s", "--json"});
  ASSERT_TRUE(traffic.ok()) << traffic.out << traffic.err;
  const auto report = nlohmann::json::parse(traffic.out);
  ASSERT_EQ(report["http"].size(), 2u) << traffic.out;
  for (const auto& load : report["http"]) {
    const std::string mode = load["mode"];
    std::cout << "[ " << mode << " ] " << load["url"].get<std::string>() << ": "
              << load["requests_per_s"].get<double>() << " requests/s, "
              << load["requests"].get<std::uint64_t>() << " requests, latency avg "
              << load["latency_avg_ms"].get<double>() << " ms\n";
    EXPECT_GT(load["requests_per_s"].get<double>(), 0.0) << traffic.out;
    EXPECT_GT(load["requests"].get<std::uint64_t>(), 0u) << traffic.out;
    EXPECT_EQ(load["socket_errors"].get<std::uint64_t>(), 0u) << traffic.out;
    EXPECT_EQ(load["non_2xx"].get<std::uint64_t>(), 0u) << traffic.out;
    ASSERT_FALSE(load["bad_responses"].is_null()) << traffic.out;
    EXPECT_EQ(load["bad_responses"].get<std::uint64_t>(), 0u) << traffic.out;
    if (load["container"] == "cps1") {
      EXPECT_EQ(mode, "cps");
      EXPECT_GT(load["connections_per_s"].get<double>(), 0.0) << traffic.out;
    } else {
      EXPECT_EQ(mode, "rps");
    }
  }

  auto down = cnfctl({"down", run_});
  EXPECT_TRUE(down.ok()) << down.out << down.err;
  EXPECT_EQ(leftovers(plan), std::vector<std::string>{});
}

// A veth subnet already used on the node is refused before any container exists, and the
// rollback leaves nothing.
TEST_F(LdpTest, AVethSubnetInUseOnTheNodeIsRefusedAndNothingIsLeft) {
  host_ip_ = "127.0.0.77";  // inside lo's 127.0.0.0/8
  vpp_ip_ = "127.0.0.78";
  const auto file = topology_file();
  auto planned = cnfctl({"plan", file, "--name", run_, "--json"});
  ASSERT_TRUE(planned.ok()) << planned.err;
  auto up = cnfctl({"up", file, "--name", run_});
  EXPECT_FALSE(up.ok());
  EXPECT_NE(up.err.find("overlaps the address 127.0.0.1/8 on lo"), std::string::npos) << up.err;
  EXPECT_EQ(leftovers(nlohmann::json::parse(planned.out)), std::vector<std::string>{});
}

}  // namespace
}  // namespace cnfctl
