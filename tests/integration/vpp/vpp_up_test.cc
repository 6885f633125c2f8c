// Real VPP NFs (the build of ../shared/vpp) brought up by the real cnfctl program in oci
// containers made from the host image: right after `up` returns, every planned memif exists, is
// up and connected (read through VPP's binary API, not its CLI), nothing cnfctl made is
// world-writable, and `down` leaves nothing behind.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "nf/vpp/api_client.h"
#include "nf/vpp/interface_dump.h"
#include "plan/plan_json.h"
#include "process/local_runner.h"
#include "support/host_fixtures.h"
#include "support/vpp_build.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// VPP options every test NF uses: 4K pages, small heaps (../shared/vpp/README.md).
constexpr const char* kSmallVpp =
    "      page_size: 4K\n"
    "      main_heap_size: 256M\n"
    "      statseg_size: 64M\n"
    "      buffers_per_numa: 16384\n"
    "      plugins: [memif_plugin.so]\n";

class VppUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    vpp_ = test_support::find_vpp_build();  // throws (the test fails) when it should be there
    if (!vpp_) GTEST_SKIP() << test_support::kNoVppBuild;
    char pattern[] = "/tmp/cnfctl-vpp-it.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    setenv("CNFCTL_STATE_DIR", (root_ + "/state").c_str(), 1);
    setenv("CNFCTL_RUN_DIR", (root_ + "/run").c_str(), 1);
    suffix_ = std::to_string(::getpid() % 100000);
  }

  void TearDown() override {
    if (root_.empty()) return;
    for (const auto& run : runs_) cnfctl({"down", "-q", run});
    host_fixtures::remove_tree_with_mounts(root_);
    unsetenv("CNFCTL_STATE_DIR");
    unsetenv("CNFCTL_RUN_DIR");
  }

  process::Outcome cnfctl(std::vector<std::string> args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(180)) {
    process::Command command;
    command.argv = {CNFCTL_PROGRAM};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.timeout = timeout;
    return runner_.run(command);
  }

  // `plan FILE --name RUN --vpp-prefix <the build> --json`, as `up` will carry it out.
  plan::Plan plan_of(const std::string& file, const std::string& run) {
    auto out = cnfctl({"plan", file, "--name", run, "--vpp-prefix", vpp_->prefix, "--json"});
    EXPECT_TRUE(out.ok()) << out.describe_status() << "\n" << out.err;
    return plan::from_json(nlohmann::json::parse(out.out));
  }

  // `up` with the shared VPP; returns the seconds it took.
  double up(const std::string& file, const std::string& run) {
    runs_.push_back(run);
    const auto start = Clock::now();
    auto out = cnfctl(
        {"up", file, "--name", run, "--vpp-prefix", vpp_->prefix, "--timeout-ready", "90s", "-q"});
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    EXPECT_TRUE(out.ok()) << out.describe_status() << "\n" << out.out << out.err;
    return seconds;
  }

  // Reads every VPP container's memifs through its API: each planned memif must exist, be
  // admin-up and, when its peer is in the plan (and so running), connected. Prints the link states
  // (the `show memif` of this moment).
  void expect_every_memif_connected(const plan::Plan& plan) {
    for (const auto& c : plan.containers) {
      if (c.nf.kind != topology::NfKind::kVpp) continue;
      ASSERT_TRUE(c.vpp_sockets.has_value());
      vpp::ApiClientOptions options;
      options.client_name = "cnfctl-it";
      auto client = vpp::ApiClient::connect(c.vpp_sockets->api, options);
      const auto memifs = vpp::dump_memifs(client);
      const auto interfaces = vpp::dump_sw_interfaces(client);
      client.disconnect();
      for (const auto& link : c.links) {
        const std::string name =
            "memif" + std::to_string(link.socket_id) + "/" + std::to_string(link.interface_id);
        auto m = std::find_if(memifs.begin(), memifs.end(), [&](const vpp::MemifInterface& i) {
          return i.socket_id == static_cast<std::uint32_t>(link.socket_id) &&
                 i.id == static_cast<std::uint32_t>(link.interface_id);
        });
        if (m == memifs.end()) {
          ADD_FAILURE() << c.name << ": " << name << " missing";
          continue;
        }
        auto i = std::find_if(interfaces.begin(), interfaces.end(), [&](const vpp::SwInterface& s) {
          return s.sw_if_index == m->sw_if_index;
        });
        const bool admin_up = i != interfaces.end() && i->admin_up;
        std::cout << "  " << c.name << " " << name << " " << (m->master ? "master" : "slave")
                  << " peer " << (link.peer.empty() ? "-" : link.peer) << ": "
                  << (admin_up ? "up" : "DOWN") << ", "
                  << (m->connected ? "connected" : "NOT CONNECTED") << "\n";
        EXPECT_TRUE(admin_up) << c.name << " " << name;
        // A link to a peer outside the plan (CSIT's vswitch on the host) has no other end here.
        if (!link.peer.empty()) {
          EXPECT_TRUE(m->connected) << c.name << " " << name;
        }
        EXPECT_EQ(m->master, link.is_server()) << c.name << " " << name;
      }
    }
  }

  static void expect_not_world_writable(const std::string& path) {
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & S_IWOTH, 0u) << path << " mode " << std::oct << (st.st_mode & 07777);
  }

  // Modes of what cnfctl and its NFs made for the run: VPP socket dirs and sockets, the memif
  // socket dir and sockets, each NF's log inside its container.
  void expect_nothing_world_writable(const plan::Plan& plan, const std::string& run) {
    std::error_code ec;
    ASSERT_TRUE(fs::is_directory(plan.host_socket_dir, ec)) << plan.host_socket_dir;
    expect_not_world_writable(plan.host_socket_dir);
    int memif_sockets = 0;
    for (const auto& e : fs::directory_iterator(plan.host_socket_dir, ec)) {
      expect_not_world_writable(e.path().string());
      ++memif_sockets;
    }
    EXPECT_GT(memif_sockets, 0);
    for (const auto& c : plan.containers) {
      if (c.vpp_sockets) {
        expect_not_world_writable(c.vpp_sockets->host_dir);
        for (const auto* socket : {&c.vpp_sockets->api, &c.vpp_sockets->cli}) {
          expect_not_world_writable(*socket);
        }
      }
      auto log = cnfctl({"exec", run, c.name, "--", "stat", "-c", "%a", "/run/cnfctl-nf.log"});
      ASSERT_TRUE(log.ok()) << log.describe_status() << log.err;
      const int mode = std::stoi(log.out, nullptr, 8);
      EXPECT_EQ(mode & 02, 0) << c.name << " NF log mode " << log.out;
    }
  }

  // `down` exits 0 and leaves no socket dir and no process of the run.
  void expect_clean_down(const plan::Plan& plan, const std::string& run) {
    auto down = cnfctl({"down", run});
    EXPECT_TRUE(down.ok()) << down.describe_status() << "\n" << down.err;
    std::error_code ec;
    EXPECT_FALSE(fs::exists(plan.host_socket_dir, ec)) << plan.host_socket_dir;
    for (const auto& c : plan.containers) {
      if (c.vpp_sockets) {
        EXPECT_FALSE(fs::exists(c.vpp_sockets->host_dir, ec)) << c.name;
      }
    }
    // Processes of the run's containers (by cgroup), zombies aside; a container's last processes
    // may take a moment to be reaped after `down` returned.
    std::vector<std::string> left;
    for (int attempt = 0; attempt < 50; ++attempt) {
      left.clear();
      for (const auto& e : fs::directory_iterator("/proc", ec)) {
        const auto stat = read_file(e.path().string() + "/stat");
        const auto close = stat.rfind(')');
        if (close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] == 'Z') {
          continue;
        }
        if (read_file(e.path().string() + "/cgroup").find(run + "-") != std::string::npos) {
          left.push_back(e.path().filename().string() + " " +
                         read_file(e.path().string() + "/comm"));
        }
      }
      if (left.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (const auto& p : left) ADD_FAILURE() << "process of " << run << " left: " << p;
  }

  std::string write_file(const std::string& name, const std::string& text) {
    const auto path = root_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::optional<test_support::VppBuild> vpp_;
  std::string root_;
  std::string suffix_;
  std::vector<std::string> runs_;
  process::LocalRunner runner_;
};

// examples/vpp-pipeline-ip4.yaml as written (two chains of three VPP NFs on a 2-core machine),
// with the shared VPP through --vpp-prefix.
TEST_F(VppUpTest, PipelineIp4ExampleIsWiredWhenUpReturns) {
  const std::string file = std::string(CNFCTL_SOURCE_DIR) + "/examples/vpp-pipeline-ip4.yaml";
  const std::string run = "vppipe" + suffix_;
  const auto plan = plan_of(file, run);
  ASSERT_EQ(plan.containers.size(), 6u);
  const double seconds = up(file, run);
  std::cout << "pipeline_ip4 (6 VPP NFs): up took " << seconds << " s; memifs right after up:\n";
  expect_every_memif_connected(plan);
  expect_nothing_world_writable(plan, run);
  expect_clean_down(plan, run);
}

// CSIT's `chain` with three VPP NFs between a testpmd generator, vswitch and sink: the vswitch's
// memif clients (testpmd never retries) start only once the VPP masters have their memifs.
TEST_F(VppUpTest, ChainWithTestpmdVswitchIsWiredWhenUpReturns) {
  const std::string run = "vpchain" + suffix_;
  const auto file =
      write_file(run + ".yaml", "name: " + run + "\nengine: oci\nimage: host\n" +
                                    "paths:\n  socket_dir: " + root_ +
                                    "/sockets\n  vpp_socket_base: " + root_ + "/vpp\n" +
                                    "containers:\n"
                                    "  - prefix: gen\n    role: generator\n    nf: testpmd\n"
                                    "  - prefix: vswitch\n    role: vswitch\n    nf: testpmd\n"
                                    "  - prefix: sink\n    role: sink\n    nf: testpmd\n"
                                    "  - prefix: nf\n    count: 3\n    nf:\n      kind: vpp\n" +
                                    kSmallVpp +
                                    "topology:\n  kind: chain\n  chains: 1\n  nodes_per_chain: 3\n"
                                    "cpu:\n  policy: shared\n");
  const auto plan = plan_of(file, run);
  for (const auto& c : plan.containers) {
    if (c.name == "vswitch1") {
      const int nf_stage = plan.find("nf1")->start_stage;
      EXPECT_GT(c.start_stage, nf_stage) << "the testpmd vswitch starts after its VPP masters";
    }
  }
  const double seconds = up(file, run);
  std::cout << "chain (testpmd gen/vswitch/sink, 3 VPP NFs): up took " << seconds
            << " s; memifs right after up:\n";
  expect_every_memif_connected(plan);
  expect_nothing_world_writable(plan, run);
  expect_clean_down(plan, run);
}

}  // namespace
}  // namespace cnfctl
