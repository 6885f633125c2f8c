// The NF drivers with the real oci engine (runc, `host` image): a testpmd generator -> sink pair
// over memif passes traffic and leaves nothing behind; a testpmd whose memif socket cannot be
// created is never ready; nginx answers the HTTP probe and wrk measures it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/error.h"
#include "engine/registry.h"
#include "nf/nginx/nginx_conf.h"
#include "nf/nginx/nginx_driver.h"
#include "nf/testpmd/testpmd_args.h"
#include "nf/testpmd/testpmd_driver.h"
#include "process/local_runner.h"
#include "traffic/traffic.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr milliseconds kReadyDeadline{20000};
constexpr milliseconds kStopGrace{3000};

class NfDrivers : public ::testing::Test {
 protected:
  NfDrivers() : root_("/run/cnfctl-test/nf-" + std::to_string(::getpid())) {
    fs::create_directories(root_ + "/sockets");
    engine::EngineOptions options;
    options.state_root = root_ + "/state";
    options.notice = [](const std::string&) {};
    engine_ = engine::make_engine("oci", runner_, options);
  }

  // A failed test must leave nothing either: NF processes die with their containers.
  ~NfDrivers() override {
    for (const auto& c : containers_) {
      try {
        engine_->destroy(c.id);
      } catch (const std::exception&) {
      }
      if (c.dpdk_runtime_dir) fs::remove_all(*c.dpdk_runtime_dir);
    }
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }

  std::string id(const std::string& name) const {
    return "nfit" + std::to_string(::getpid()) + "-" + name;
  }

  // A testpmd container wired like the plan does it: one link per port, the socket dir mounted
  // at /run/cnfctl/memif, its DPDK runtime dir at the same path on both sides.
  plan::PlannedContainer& add_testpmd(const std::string& name, wiring::ContainerRole role,
                                      const std::vector<wiring::MemifLink>& links, int cpu,
                                      int stage) {
    plan::PlannedContainer c;
    c.name = name;
    c.id = id(name);
    c.node = "local";
    c.role = role == wiring::ContainerRole::kGenerator ? topology::Role::kGenerator
             : role == wiring::ContainerRole::kSink    ? topology::Role::kSink
                                                       : topology::Role::kNf;
    c.cpus = {cpu};
    c.links = links;
    c.start_stage = stage;
    c.dpdk_runtime_dir = testpmd::testpmd_runtime_dir(c.id);
    c.mounts = {{root_ + "/sockets", "/run/cnfctl/memif", false},
                {*c.dpdk_runtime_dir, *c.dpdk_runtime_dir, false}};
    wiring::ContainerWiring w;
    w.name = name;
    w.role = role;
    w.links = links;
    testpmd::TestpmdOptions o;
    o.cpus = {cpu};
    o.file_prefix = c.id;
    o.cores_shared = true;
    c.nf.kind = topology::NfKind::kTestpmd;
    c.nf.argv = testpmd::testpmd_argv(w, o);
    c.nf.stdin_kind = nf::NfStdin::kHeldOpen;  // as the plan starts testpmd
    containers_.push_back(c);
    return containers_.back();
  }

  wiring::MemifLink link(const std::string& file, wiring::MemifRole role,
                         const std::string& peer) const {
    wiring::MemifLink l;
    l.socket_file = file;
    l.host_socket_path = root_ + "/sockets/" + file;
    l.guest_socket_path = "/run/cnfctl/memif/" + file;
    l.socket_id = 1;
    l.interface_id = 1;
    l.role = role;
    l.peer = peer;
    return l;
  }

  void create(const plan::PlannedContainer& c) {
    engine::ContainerSpec spec;
    spec.name = c.id;
    spec.image = engine::Image{};
    for (int cpu : c.cpus) spec.cpuset_cpus.push_back(static_cast<unsigned>(cpu));
    for (const auto& m : c.mounts) spec.mounts.push_back({m.host, m.guest, m.read_only, true});
    spec.network = c.host_network ? engine::Network::kHost : engine::Network::kNone;
    spec.privileged = true;
    engine_->acquire(spec, true);
    engine_->create(spec);
  }

  nf::NfContext ctx(const plan::PlannedContainer& c) { return {c, *engine_, runner_}; }

  // prepare -> files -> start -> probe until ready or the deadline; returns the last verdict.
  nf::Readiness bring_up(nf::NfDriver& driver, const plan::PlannedContainer& c) {
    create(c);
    driver.prepare(ctx(c));
    for (const auto& f : c.nf.files) engine_->copy_in(c.id, f.guest_path, f.content, 0644);
    driver.start(ctx(c));
    return wait_ready(driver, c, kReadyDeadline);
  }

  nf::Readiness wait_ready(nf::NfDriver& driver, const plan::PlannedContainer& c,
                           milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    auto pause = milliseconds(5);
    nf::Readiness r;
    while (std::chrono::steady_clock::now() < until) {
      r = driver.probe(ctx(c), milliseconds(1000));
      if (r.ready || r.fatal) return r;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, milliseconds(200));
    }
    return r;
  }

  void tear_down(nf::NfDriver& driver, const plan::PlannedContainer& c) {
    driver.stop(ctx(c), kStopGrace);
    driver.cleanup(ctx(c));
    engine_->destroy(c.id);
  }

  plan::Plan plan_of_containers() const {
    plan::Plan p;
    p.run = "nfit";
    p.containers.assign(containers_.begin(), containers_.end());
    return p;
  }

  process::LocalRunner runner_;
  std::string root_;
  std::unique_ptr<engine::Engine> engine_;
  std::deque<plan::PlannedContainer> containers_;  // stable addresses
};

TEST_F(NfDrivers, TestpmdPairPassesTrafficAndLeavesNothing) {
  auto driver = testpmd::make_testpmd_driver();
  const auto& sink = add_testpmd("sink", wiring::ContainerRole::kSink,
                                 {link("memif-pair", wiring::MemifRole::kMaster, "gen")}, 0, 0);
  const auto& gen = add_testpmd("gen", wiring::ContainerRole::kGenerator,
                                {link("memif-pair", wiring::MemifRole::kSlave, "sink")}, 1, 1);
  // A stale socket from an earlier run must not block the server.
  std::ofstream(root_ + "/sockets/memif-pair") << "stale";

  auto sink_ready = bring_up(*driver, sink);  // servers first: a client never retries
  ASSERT_TRUE(sink_ready.ready) << sink_ready.detail;
  auto gen_ready = bring_up(*driver, gen);
  ASSERT_TRUE(gen_ready.ready) << gen_ready.detail;
  EXPECT_EQ(gen_ready.detail, "1/1 memif ports, 1/1 links up");

  auto report = traffic::measure_traffic(
      plan_of_containers(), [&](const plan::PlannedContainer& c) { return ctx(c); },
      milliseconds(2000));
  std::cout << traffic::render_traffic_table(report);
  ASSERT_TRUE(report.end_to_end_mpps.has_value());
  EXPECT_GT(*report.end_to_end_mpps, 0.0);
  ASSERT_EQ(report.hops.size(), 2u);
  for (const auto& hop : report.hops) {
    if (hop.container == "sink") {
      EXPECT_GT(hop.rx_packets, 0u);
    } else {
      EXPECT_GT(hop.tx_packets, 0u);
    }
  }

  tear_down(*driver, sink);  // servers first: a server may crash when its client leaves first
  tear_down(*driver, gen);
  for (const auto& c : containers_) {
    EXPECT_FALSE(fs::exists(*c.dpdk_runtime_dir)) << *c.dpdk_runtime_dir;
    EXPECT_FALSE(engine_->is_present(c.id)) << c.id;
  }
  EXPECT_TRUE(fs::is_empty(root_ + "/sockets"));
}

TEST_F(NfDrivers, TestpmdWithoutItsMemifSocketIsNeverReady) {
  auto driver = testpmd::make_testpmd_driver();
  auto l = link("memif-lost", wiring::MemifRole::kMaster, "nobody");
  l.guest_socket_path = "/nonexistent-cnfctl-dir/memif-lost";  // cannot be created
  const auto& c = add_testpmd("lost", wiring::ContainerRole::kSink, {l}, 0, 0);
  create(c);
  driver->prepare(ctx(c));
  driver->start(ctx(c));
  // testpmd keeps running without the port: never ready, and not fatal either (an `up` fails
  // at its deadline with this detail). A short deadline is enough to see it.
  auto r = wait_ready(*driver, c, milliseconds(3000));
  EXPECT_FALSE(r.ready) << r.detail;
  EXPECT_FALSE(r.fatal) << r.detail;
  EXPECT_NE(r.detail.find("0/1 memif ports"), std::string::npos) << r.detail;
  tear_down(*driver, c);
  EXPECT_FALSE(fs::exists(*c.dpdk_runtime_dir));
}

TEST_F(NfDrivers, NginxAnswersTheProbeAndWrkMeasuresIt) {
  auto driver = nginx::make_nginx_driver();
  plan::PlannedContainer c;
  c.name = "web";
  c.id = id("web");
  c.node = "local";
  c.cpus = {0, 1};
  c.host_network = true;
  nginx::NginxOptions o;
  o.port = 18000 + ::getpid() % 1000;
  o.body_size = 256;
  o.work_dir = "/run/cnfctl-nginx";
  auto launch = nginx::render_nginx(o, c.cpus);
  c.nf.kind = topology::NfKind::kNginx;
  c.nf.files = {{launch.config_path, launch.config}};
  c.nf.argv = launch.argv;
  c.nf.env = launch.env;
  c.nf.http = plan::HttpEndpoint{o.port, launch.url_path, o.body_size};
  containers_.push_back(c);

  auto r = bring_up(*driver, c);
  ASSERT_TRUE(r.ready) << r.detail;
  EXPECT_EQ(r.detail, "HTTP 200 with 256 body bytes");

  auto report = traffic::measure_traffic(
      plan_of_containers(), [&](const plan::PlannedContainer& x) { return ctx(x); },
      milliseconds(2000));
  std::cout << traffic::render_traffic_table(report);
  ASSERT_EQ(report.http.size(), 1u);
  EXPECT_GT(report.http[0].requests_per_s, 0.0);
  EXPECT_EQ(report.http[0].non_2xx, 0u);
  EXPECT_GT(report.http[0].requests, 0u);

  driver->stop(ctx(c), kStopGrace);
  auto left = engine_->exec(c.id, {.argv = {"/bin/sh", "-c", "cat /proc/[0-9]*/comm"}});
  EXPECT_EQ(left.out.find("nginx"), std::string::npos) << left.out;
  // Stopped: the probe is not ready and, with the process gone, fatal.
  auto after = driver->probe(ctx(c), milliseconds(500));
  EXPECT_FALSE(after.ready);
  EXPECT_TRUE(after.fatal) << after.detail;
  driver->cleanup(ctx(c));
  engine_->destroy(c.id);
}

}  // namespace
}  // namespace cnfctl
