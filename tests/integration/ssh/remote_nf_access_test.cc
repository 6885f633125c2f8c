// NF drivers reaching their NF's sockets on an SSH node (DUT1, a real sshd in a network
// namespace; see ssh_hosts.h): DPDK telemetry through python3 on the node, VPP's CLI and API
// sockets and nginx's HTTP port through forwards over the runner's master connection. The DUTs
// share this machine's filesystem, so servers listening under /tmp are on the "node" too.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "common/error.h"
#include "nf/nf_process.h"
#include "nf/nginx/http_client.h"
#include "nf/nginx/nginx_driver.h"
#include "nf/testpmd/telemetry_batch.h"
#include "nf/testpmd/testpmd_driver.h"
#include "nf/vpp/cli_client.h"
#include "nf/vpp/vpp_driver.h"
#include "process/ssh_runner.h"
#include "ssh_hosts.h"
#include "support/fake_engine.h"
#include "support/fake_telemetry_server.h"
#include "support/temp_dir.h"
#include "support/vpp_replay_server.h"

namespace cnfctl {
namespace {

using nf::testing::FakeEngine;
using nf::testing::TempDir;
using process::SshRunner;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

class RemoteNfAccess : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    try {
      hosts_ = std::make_unique<process::testing::SshTestHosts>();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { hosts_.reset(); }
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_TRUE(hosts_) << setup_error_;
  }

  static process::testing::SshTestHosts& hosts() { return *hosts_; }

  static std::unique_ptr<process::testing::SshTestHosts> hosts_;
  static std::string setup_error_;
};

std::unique_ptr<process::testing::SshTestHosts> RemoteNfAccess::hosts_;
std::string RemoteNfAccess::setup_error_;

// An engine whose NF is always alive (the drivers ask when a probe fails).
FakeEngine alive_engine() {
  return FakeEngine([](const engine::ExecRequest& r) {
    if (r.argv.size() == 2 && r.argv[0] == "cat") return FakeEngine::exited(0, "31\n");
    return FakeEngine::exited(0);
  });
}

bool connectable(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), std::min(path.size(), sizeof(address.sun_path) - 1));
  bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

std::vector<vpp::testing::RecordedFrame> recording(const std::string& name) {
  return vpp::testing::load_recording(std::string(CNFCTL_SHARED_DIR) + "/reference/vpp/" + name);
}

// ---- DPDK telemetry through python3 on the node ----

TEST_F(RemoteNfAccess, TelemetryBatchRunsOnTheNode) {
  TempDir dir("cnfctl-remote-tel");
  testpmd::testing::FakeTelemetryServer server(dir.path());
  server.set_port(0, true, testpmd::EthdevStats{.ipackets = 11, .opackets = 22});
  server.set_port(1, false);
  SshRunner runner(hosts().options(1));
  auto list =
      testpmd::telemetry_batch(runner, server.socket_path(), {"/ethdev/list"}, milliseconds(3000));
  EXPECT_EQ(list.greeting.at("pid"), 4242);
  EXPECT_EQ(testpmd::parse_ethdev_list(list.values.at(0)), (std::vector<int>{0, 1}));
  auto more = testpmd::telemetry_batch(
      runner, server.socket_path(),
      {"/ethdev/link_status,0", "/ethdev/link_status,1", "/ethdev/stats,0"}, milliseconds(3000));
  ASSERT_EQ(more.values.size(), 3u);
  EXPECT_TRUE(testpmd::parse_link_status(more.values[0]).up);
  EXPECT_FALSE(testpmd::parse_link_status(more.values[1]).up);
  EXPECT_EQ(testpmd::parse_ethdev_stats(more.values[2]).ipackets, 11u);
  EXPECT_EQ(testpmd::parse_ethdev_stats(more.values[2]).opackets, 22u);
  EXPECT_EQ(server.requests(), 4);  // every request went to the fake, from the DUT's session
}

TEST_F(RemoteNfAccess, TelemetryFailuresAreToldApartOverSsh) {
  TempDir dir("cnfctl-remote-tel");
  SshRunner runner(hosts().options(1, process::testing::kSudoUser));  // through sudo -n too
  try {
    testpmd::telemetry_batch(runner, dir.path() + "/dpdk_telemetry.v2", {"/ethdev/list"},
                             milliseconds(2000));
    FAIL() << "no error";
  } catch (const testpmd::TelemetryError& e) {
    EXPECT_EQ(e.failure(), testpmd::TelemetryFailure::kMissing) << e.describe();
    EXPECT_NE(e.describe().find(runner.name()), std::string::npos) << e.describe();
  }
  testpmd::testing::FakeTelemetryServer server(dir.path());
  server.set_silent(true);
  const auto start = Clock::now();
  try {
    testpmd::telemetry_batch(runner, server.socket_path(), {"/ethdev/list"}, milliseconds(500));
    FAIL() << "no error";
  } catch (const testpmd::TelemetryError& e) {
    EXPECT_EQ(e.failure(), testpmd::TelemetryFailure::kTimeout) << e.describe();
  }
  EXPECT_LT(Clock::now() - start, milliseconds(500) + testpmd::kNodeTelemetryAllowance);
}

TEST_F(RemoteNfAccess, TestpmdDriverProbesAndCountsOnAnSshNode) {
  TempDir dir("cnfctl-remote-tel");
  nf::PlannedContainer container;
  container.id = "run1-nf1";
  container.node = "dut1";
  container.dpdk_runtime_dir = dir.path() + "/dpdk/run1-nf1";
  wiring::MemifLink link;
  link.role = wiring::MemifRole::kMaster;
  link.peer = "gen";
  link.socket_file = "memif-1";
  link.host_socket_path = dir.path() + "/memif-1";
  container.links = {link};
  auto engine = alive_engine();
  SshRunner runner(hosts().options(1));
  nf::NfContext ctx{container, engine, runner};
  auto driver = testpmd::make_testpmd_driver();
  driver->prepare(ctx);  // mkdir over SSH
  ASSERT_TRUE(fs::is_directory(*container.dpdk_runtime_dir));

  auto missing = driver->probe(ctx, milliseconds(2000));
  EXPECT_FALSE(missing.ready);
  EXPECT_NE(missing.detail.find("not there yet"), std::string::npos) << missing.detail;

  testpmd::testing::FakeTelemetryServer server(*container.dpdk_runtime_dir);
  server.set_port(0, true, testpmd::EthdevStats{.ipackets = 5, .imissed = 2});
  auto r = driver->probe(ctx, milliseconds(2000));
  EXPECT_TRUE(r.ready) << r.detail;
  auto counters = driver->counters(ctx);
  ASSERT_EQ(counters.size(), 1u);
  EXPECT_EQ(counters[0].peer, "gen");
  EXPECT_EQ(counters[0].rx_packets, 5u);
  EXPECT_EQ(counters[0].rx_dropped, 2u);
  driver->cleanup(ctx);
}

// ---- Unix sockets forwarded over the master ----

TEST_F(RemoteNfAccess, ForwardedUnixSocketCarriesAVppCliSession) {
  vpp::testing::ReplayServer cli(recording("cli-socket-show-version.json"));
  SshRunner runner(hosts().options(1));
  const std::string local = runner.forward_unix_socket(cli.socket_path());
  EXPECT_NE(local, cli.socket_path());
  EXPECT_EQ(local.rfind(runner.forward_dir() + "/", 0), 0u) << local;
  EXPECT_EQ(runner.forward_unix_socket(cli.socket_path()), local);  // reused
  EXPECT_EQ(runner.forwards().at(local), cli.socket_path());
  EXPECT_EQ(fs::status(runner.forward_dir()).permissions() & fs::perms::all, fs::perms::owner_all);

  const std::string output = vpp::run_vpp_cli(local, "show version");
  EXPECT_NE(output.find("vpp v26.10-rc0~374-gb575ec2c56d"), std::string::npos) << output;
  EXPECT_EQ(cli.finish(), "");  // the server saw exactly vppctl's bytes
}

TEST_F(RemoteNfAccess, VppDriverIsReadyThroughForwards) {
  vpp::testing::ReplayServer cli(recording("cli-socket-show-version.json"));
  vpp::testing::ReplayServer api(recording("api-socket-show-version.json"));
  nf::PlannedContainer container;
  container.id = "run1-vpp1";
  container.node = "dut1";
  nf::VppSockets s;
  s.host_dir = fs::path(cli.socket_path()).parent_path();
  s.cli = cli.socket_path();
  s.api = api.socket_path();
  s.stats = s.host_dir + "/stats.sock";
  container.vpp_sockets = s;
  auto engine = alive_engine();
  SshRunner runner(hosts().options(1));
  nf::NfContext ctx{container, engine, runner};
  auto driver = vpp::make_vpp_driver({.api_client_name = "cnfctl-fixture"});
  auto r = driver->probe(ctx, milliseconds(5000));
  EXPECT_TRUE(r.ready) << r.detail;
  EXPECT_NE(r.detail.find("CLI: vpp v26.10-rc0~374-gb575ec2c56d"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("API: vpe 26.10-rc0~374-gb575ec2c56d"), std::string::npos) << r.detail;
  EXPECT_EQ(cli.finish(), "");
  EXPECT_EQ(api.finish(), "");
  EXPECT_EQ(runner.forwards().size(), 2u);
}

TEST_F(RemoteNfAccess, ForwardToAMissingSocketClosesTheConnection) {
  TempDir dir("cnfctl-remote-fwd");
  SshRunner runner(hosts().options(1));
  const std::string local = runner.forward_unix_socket(dir.path() + "/nobody.sock");
  try {
    vpp::CliOptions options;
    options.timeout = milliseconds(3000);
    vpp::run_vpp_cli(local, "show version", options);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.describe().find("no answer within"), std::string::npos)
        << "should fail at once: " << e.describe();
  }
}

TEST_F(RemoteNfAccess, ForwardRefusesPathsSshCannotExpress) {
  SshRunner runner(hosts().options(1));
  for (const std::string bad : {"relative.sock", "/tmp/a:b.sock", "/tmp/a\nb", ""}) {
    try {
      runner.forward_unix_socket(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput) << e.describe();
    }
  }
  EXPECT_THROW(runner.forward_tcp("", 80), Error);
  EXPECT_THROW(runner.forward_tcp("127.0.0.1", 0), Error);
  EXPECT_THROW(runner.forward_tcp("a/b", 80), Error);
  EXPECT_TRUE(runner.forwards().empty());
}

// ---- TCP on the node's side, through a forwarded unix socket ----

// A one-file HTTP server for the DUT's loopback: answers /64B with 64 bytes, /quit ends it; it
// ends by itself after 60 s anyway.
constexpr const char* kDutHttpServer = R"PY(
import http.server, sys, time
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"x" * 64 if self.path == "/64B" else b"bye\n"
        self.send_response(200 if self.path in ("/64B", "/quit") else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if self.path == "/quit":
            self.server.done = True
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.timeout = 0.5
server.done = False
sys.stdout.write("listening\n")
sys.stdout.flush()
end = time.time() + 60
while not server.done and time.time() < end:
    server.handle_request()
)PY";

TEST_F(RemoteNfAccess, ForwardTcpReachesTheNodesLoopback) {
  constexpr int kPort = 18431;
  SshRunner runner(hosts().options(1));
  // The server runs in DUT1's network namespace (a session of the runner), on its loopback:
  // this machine's 127.0.0.1:kPort has nothing.
  auto server = std::async(std::launch::async, [&runner] {
    return runner.run(process::Command{.argv = {"python3", "-", std::to_string(kPort)}}
                          .with_stdin(kDutHttpServer)
                          .with_timeout(milliseconds(90000)));
  });
  EXPECT_THROW(nginx::http_get("127.0.0.1", kPort, "/64B", milliseconds(500)), Error);

  const std::string local = runner.forward_tcp("127.0.0.1", kPort);
  EXPECT_EQ(runner.forwards().at(local), fmt::format("127.0.0.1:{}", kPort));
  std::optional<nginx::HttpResponse> response;
  std::string last_error;
  for (auto until = Clock::now() + std::chrono::seconds(20); !response && Clock::now() < until;) {
    try {
      response =
          nginx::http_get_via_unix_socket(local, "127.0.0.1", kPort, "/64B", milliseconds(2000));
    } catch (const Error& e) {
      last_error = e.describe();  // not listening yet: the forward closes the connection
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  ASSERT_TRUE(response) << last_error;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, std::string(64, 'x'));

  // The nginx driver's probe takes the same way on an SSH node.
  nf::PlannedContainer container;
  container.id = "run1-web1";
  container.node = "dut1";
  container.host_network = true;
  container.nf.http = nf::HttpEndpoint{kPort, "/64B", 64};
  auto engine = alive_engine();
  nf::NfContext ctx{container, engine, runner};
  auto r = nginx::make_nginx_driver()->probe(ctx, milliseconds(3000));
  EXPECT_TRUE(r.ready) << r.detail;
  EXPECT_EQ(runner.forwards().size(), 1u);  // the driver reused the forward

  auto bye =
      nginx::http_get_via_unix_socket(local, "127.0.0.1", kPort, "/quit", milliseconds(3000));
  EXPECT_EQ(bye.status, 200);
  auto outcome = server.get();
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status() << "\n" << outcome.err;
  EXPECT_EQ(outcome.out, "listening\n");
}

// ---- Forwards end with the runner ----

TEST_F(RemoteNfAccess, CloseCancelsAndRemovesTheForwards) {
  TempDir target("cnfctl-remote-fwd");
  const std::string remote = target.path() + "/vpp-cli.sock";
  std::string local;
  std::string dir;
  {
    SshRunner runner(hosts().options(1));
    local = runner.forward_unix_socket(remote);
    dir = runner.forward_dir();
    ASSERT_TRUE(connectable(local));
    runner.close();
    EXPECT_FALSE(fs::exists(local));
    EXPECT_FALSE(fs::exists(dir));
    EXPECT_TRUE(runner.forwards().empty());

    // Asked again after close(): a new master, the forward made again.
    local = runner.forward_unix_socket(remote);
    EXPECT_TRUE(connectable(local));
  }  // the destructor closes too
  EXPECT_FALSE(fs::exists(local));
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(connectable(local));
}

TEST_F(RemoteNfAccess, NodeSocketIsThePathItselfOnLocalNodes) {
  nf::PlannedContainer container;
  container.id = "c1";
  container.node = "local";
  auto engine = alive_engine();
  process::LocalRunner local;
  nf::NfContext ctx{container, engine, local};
  EXPECT_EQ(nf::node_socket(ctx, "/run/vpp/cli.sock"), "/run/vpp/cli.sock");
  EXPECT_FALSE(nf::node_tcp_socket(ctx, "127.0.0.1", 80));

  SshRunner runner(hosts().options(1));
  nf::NfContext remote{container, engine, runner};
  const auto forwarded = nf::node_socket(remote, "/run/vpp/cli.sock");
  EXPECT_NE(forwarded, "/run/vpp/cli.sock");
  EXPECT_EQ(runner.forwards().at(forwarded), "/run/vpp/cli.sock");
}

}  // namespace
}  // namespace cnfctl
