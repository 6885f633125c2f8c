// Runs across two SSH nodes (issue 5): the real cnfctl program brings the two-DUT testpmd example
// up on DUT1 (oci) and DUT2 (lxc) — two network namespaces with their own sshd (ssh_hosts.h) —,
// passes traffic on both, goes down, and nothing is left on either DUT; an sshd killed during
// `up` gives a clear error, the reachable DUT is rolled back, and `down` finishes the job once
// the sshd is back.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <tuple>

#include "engine/registry.h"
#include "integration/engines/engine_harness.h"
#include "process/local_runner.h"
#include "process/ssh_runner.h"
#include "run/journal.h"
#include "ssh_hosts.h"
#include "support/vpp_build.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using process::testing::SshTestHosts;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class MultiNodeRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    try {
      hosts_ = std::make_unique<SshTestHosts>();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { hosts_.reset(); }

  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    ASSERT_TRUE(hosts_) << setup_error_;
    for (const char* tool : {"/usr/bin/dpdk-testpmd", "/usr/bin/python3"}) {
      if (::access(tool, X_OK) != 0) GTEST_SKIP() << tool << " missing";
    }
    char pattern[] = "/tmp/cnfctl-multinode.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    setenv("CNFCTL_STATE_DIR", (root_ + "/state").c_str(), 1);
    setenv("CNFCTL_RUN_DIR", (root_ + "/run").c_str(), 1);
  }

  void TearDown() override {
    if (root_.empty()) return;
    for (int i = 1; i <= 2; ++i) {
      if (hosts_->namespace_pids(i).empty()) hosts_->start_sshd(i);
    }
    for (const auto& run : runs_) cnfctl({"down", "-q", run});
    engine::testing::remove_tree_with_mounts(root_);
    unsetenv("CNFCTL_STATE_DIR");
    unsetenv("CNFCTL_RUN_DIR");
  }

  process::Outcome cnfctl(std::vector<std::string> args,
                          std::chrono::milliseconds timeout = std::chrono::seconds(240)) {
    process::Command command;
    command.argv = {CNFCTL_PROGRAM};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.timeout = timeout;
    return runner_.run(command);
  }

  // examples/testpmd-2dut.yaml pointed at the test DUTs (their addresses, the generated key and
  // known_hosts), with its memif sockets under the scratch dir; `dut2_engine` overrides DUT2's,
  // `dut1_user` logs in to DUT1 as another user (then every command runs through `sudo -n`).
  // `trafficgen`: the generators and sinks run cnfctl-gen (the NF kind trafficgen) instead of
  // testpmd, for `cnfctl measure`.
  std::string topology(const std::string& run, const std::string& dut2_engine = "",
                       const std::string& dut1_user = "root", bool trafficgen = false) {
    runs_.push_back(run);
    YAML::Node doc = YAML::LoadFile(std::string(CNFCTL_SOURCE_DIR) + "/examples/testpmd-2dut.yaml");
    doc["name"] = run;
    if (trafficgen) {
      for (auto c : doc["containers"]) {
        const auto role = c["role"] ? c["role"].as<std::string>() : "";
        if (role != "generator" && role != "sink") continue;
        YAML::Node nf;
        nf["kind"] = "trafficgen";
        nf["mode"] = role == "generator" ? "gen" : "sink";
        c["nf"] = nf;
      }
    }
    for (int i = 1; i <= 2; ++i) {
      const auto options = hosts_->options(i, i == 1 ? dut1_user : "root");
      YAML::Node node = doc["nodes"]["dut" + std::to_string(i)];
      node["host"] = options.host;
      node["user"] = options.user;
      node["key"] = *options.identity_file;
      YAML::Node ssh_options(YAML::NodeType::Sequence);
      for (const auto& o : options.ssh_options) ssh_options.push_back(o);
      node["ssh_options"] = ssh_options;
    }
    if (!dut2_engine.empty()) doc["nodes"]["dut2"]["engine"] = dut2_engine;
    doc["paths"]["socket_dir"] = root_ + "/sockets";
    const auto path = root_ + "/" + run + ".yaml";
    std::ofstream(path) << doc << "\n";
    return path;
  }

  // Everything of `run` left on this machine and inside each DUT's mount namespace.
  std::vector<std::string> leftovers(const std::string& run) {
    std::vector<std::string> found;
    for (const auto& m : engine::testing::mounts_under("/")) {
      if (m.find(run + "-") != std::string::npos) found.push_back("mount " + m);
    }
    for (int i = 1; i <= 2; ++i) {
      for (pid_t pid : hosts_->namespace_pids(i)) {
        const auto mountinfo = read_file("/proc/" + std::to_string(pid) + "/mountinfo");
        if (mountinfo.find(run + "-") != std::string::npos) {
          found.push_back("mount in dut" + std::to_string(i) + "'s namespace (pid " +
                          std::to_string(pid) + ")");
          break;
        }
      }
    }
    for (const auto& d : engine::testing::cgroup_dirs_matching({run + "-"})) {
      found.push_back("cgroup " + d);
    }
    std::error_code ec;
    for (const auto& dir : {root_ + "/state/runs/" + run, root_ + "/sockets/" + run}) {
      if (fs::exists(dir, ec)) found.push_back("dir " + dir);
    }
    for (const auto& base : {root_ + "/run/engines/oci", root_ + "/run/engines/oci/runtime",
                             root_ + "/run/engines/lxc", std::string("/var/run/dpdk")}) {
      for (const auto& e : fs::directory_iterator(base, ec)) {
        if (e.path().filename().string().rfind(run + "-", 0) == 0) {
          found.push_back("dir " + e.path().string());
        }
      }
    }
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
      auto cmdline = read_file(e.path().string() + "/cmdline");
      std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
      if (cmdline.find("--file-prefix=" + run + "-") != std::string::npos) {
        found.push_back("process " + e.path().filename().string() + ": " + cmdline);
      }
    }
    return found;
  }

  static std::unique_ptr<SshTestHosts> hosts_;
  static std::string setup_error_;
  std::string root_;
  std::vector<std::string> runs_;
  process::LocalRunner runner_;
};

std::unique_ptr<SshTestHosts> MultiNodeRun::hosts_;
std::string MultiNodeRun::setup_error_;

TEST_F(MultiNodeRun, PlanReadsEachDutsFactsOverSsh) {
  const auto file = topology("mnplan");
  auto plan = cnfctl({"plan", "--json", file});
  ASSERT_TRUE(plan.ok()) << plan.err;
  const auto j = json::parse(plan.out);
  ASSERT_EQ(j["nodes"].size(), 2U);
  for (const auto& n : j["nodes"]) {
    EXPECT_EQ(n["cpu_facts"], "`lscpu -p` on the node") << n;
    EXPECT_NE(n["cpu_summary"].get<std::string>(), "") << n;
    EXPECT_NE(n["tools"].get<std::string>().find("runc"), std::string::npos) << n;
    EXPECT_NE(n["cgroup_layout"].get<std::string>(), "") << n;
  }
  for (const auto& c : j["containers"]) {
    const auto name = c["name"].get<std::string>();
    EXPECT_EQ(c["node"], name.find("_a") != std::string::npos ? "dut1" : "dut2") << name;
  }
}

TEST_F(MultiNodeRun, TestpmdChainOnTwoDutsPassesTrafficAndDownLeavesNothing) {
  const std::string run = "mnchain";
  const auto file = topology(run);
  auto up = cnfctl({"up", file, "--json", "--timeout-ready", "90s"});
  ASSERT_TRUE(up.ok()) << up.err;
  const auto summary = json::parse(up.out);
  std::cout << "[ two-DUT chain ] up in " << summary["elapsed_ms"] << " ms, SSH connections "
            << summary["ssh_connections"].dump() << "\n";
  // One master per DUT for the whole `up` (survey, engines, files, NF starts, probes).
  EXPECT_EQ(summary["ssh_connections"], json({{"dut1", 1}, {"dut2", 1}}));
  ASSERT_EQ(summary["containers"].size(), 8U);
  for (const auto& c : summary["containers"]) {
    const bool dut1 = c["node"] == "dut1";
    EXPECT_EQ(c["engine"], dut1 ? "oci" : "lxc") << c;
    EXPECT_EQ(c["state"], "ready") << c;
  }

  // The journal says how to reach each node again.
  // journal.json with its log folded in, as cnfctl reads it.
  const auto journal = run::read_journal_json(root_ + "/state/runs/" + run);
  ASSERT_EQ(journal["nodes"].size(), 2U);
  EXPECT_EQ(journal["nodes"][0]["type"], "ssh");

  auto ps = cnfctl({"ps", run, "--json"});
  ASSERT_TRUE(ps.ok()) << ps.err;
  const auto status = json::parse(ps.out);
  int running = 0;
  for (const auto& r : status) {
    for (const auto& c : r["containers"]) {
      running += c["running"].get<bool>() ? 1 : 0;
      EXPECT_EQ(c["nf_ready"], true) << c;
    }
  }
  EXPECT_EQ(running, 8);

  // exec round-trips bytes over SSH into an lxc container on DUT2.
  auto exec = cnfctl({"exec", run, "nf_b1", "--", "printf", "%s", "a'b\"c $HOME `x`\n"});
  ASSERT_TRUE(exec.ok()) << exec.err;
  EXPECT_EQ(exec.out, "a'b\"c $HOME `x`\n");

  // copy_in and exec through each DUT's engine over SSH round-trip every byte value.
  std::string bytes = "quotes ' \" $HOME `id` \\ \n\r\t";
  for (int c = 0; c < 256; ++c) bytes.push_back(static_cast<char>(c));
  for (int i = 1; i <= 2; ++i) {
    process::SshRunner ssh(hosts_->options(i));
    engine::EngineOptions options;
    options.state_root = root_ + "/run/engines/" + (i == 1 ? "oci" : "lxc");
    auto engine = engine::make_engine(i == 1 ? "oci" : "lxc", ssh, options);
    const auto id = run + (i == 1 ? "-nf_a1" : "-nf_b1");
    engine->copy_in(id, "/tmp/blob", bytes, 0600);
    auto back = engine->exec(id, {.argv = {"cat", "/tmp/blob"}});
    ASSERT_TRUE(back.ok()) << back.err;
    EXPECT_EQ(back.out, bytes) << "dut" << i;
    auto echoed = engine->exec(id, {.argv = {"cat"}, .stdin_bytes = bytes});
    EXPECT_EQ(echoed.out, bytes) << "dut" << i;
  }

  auto traffic = cnfctl({"traffic", run, "--duration", "2s", "--json"});
  ASSERT_TRUE(traffic.ok()) << traffic.err;
  std::cout << traffic.out << "\n";
  const auto measured = json::parse(traffic.out);
  EXPECT_GT(measured.value("end_to_end_mpps", 0.0), 0.0) << traffic.out;
  ASSERT_EQ(measured["sinks"].size(), 2U) << traffic.out;  // both DUTs' chains pass traffic
  for (const auto& sink : measured["sinks"]) EXPECT_GT(sink["rx_mpps"].get<double>(), 0.0) << sink;

  // logs and restart reach the DUTs from the journal too; the restarted chain passes traffic.
  auto logs = cnfctl({"logs", run, "nf_b1"});
  ASSERT_TRUE(logs.ok()) << logs.err;
  EXPECT_NE(logs.out.find("testpmd"), std::string::npos) << logs.out;
  auto restart = cnfctl({"restart", run, "nf_b1", "--timeout-ready", "90s"});
  ASSERT_TRUE(restart.ok()) << restart.err;
  auto again = cnfctl({"traffic", run, "--duration", "2s", "--json"});
  ASSERT_TRUE(again.ok()) << again.err;
  const auto measured_again = json::parse(again.out);
  for (const auto& sink : measured_again["sinks"]) {
    EXPECT_GT(sink["rx_mpps"].get<double>(), 0.0) << again.out;
  }

  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// `cnfctl measure` over SSH: cnfctl-gen on both DUTs (oci and lxc), reached through a unix
// socket forwarded over each DUT's SSH master; one trial's frames are all accounted, both DUTs'
// chains carry them, and the per-hop counters come from both DUTs.
TEST_F(MultiNodeRun, MeasureOverSshCountsEveryFrameOnBothDuts) {
  if (::access(CNFCTL_GEN_PROGRAM, X_OK) != 0) GTEST_SKIP() << "cnfctl-gen was not built";
  const std::string run = "mnmeasure";
  const auto file = topology(run, "", "root", true);
  auto up = cnfctl({"up", file, "-q", "--timeout-ready", "90s"});
  ASSERT_TRUE(up.ok()) << up.err;
  auto measure = cnfctl({"measure", run, "--rate", "20k", "--duration", "1s", "--json", "-q", "-o",
                         root_ + "/measure.json"});
  ASSERT_TRUE(measure.ok()) << measure.err;
  const auto result = json::parse(measure.out);
  ASSERT_EQ(result["trials"].size(), 1U) << measure.out;
  const auto& t = result["trials"][0];
  EXPECT_EQ(t["sent"].get<std::uint64_t>(),
            t["received"].get<std::uint64_t>() + t["lost"].get<std::uint64_t>())
      << t.dump();
  EXPECT_GT(t["received"].get<std::uint64_t>(), 0U) << t.dump();
  std::map<std::string, std::uint64_t> rx_of;
  for (const auto& h : t["hops"]) rx_of[h["container"]] += h["rx_packets"].get<std::uint64_t>();
  for (const char* hop : {"nf_a1", "nf_b1"}) {
    EXPECT_GT(rx_of[hop], 0U) << hop << " (one per DUT) forwarded nothing: " << t["hops"].dump();
  }
  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

// A DUT that cannot be reached when `up` starts: every node is surveyed before anything is
// made, so nothing is touched on the other DUT and no journal is written.
// A VPP kind across the two DUTs: CSIT's `chain` on each, a testpmd generator and sink, a VPP
// vswitch and two VPP NFs per DUT (the shared build through --vpp-prefix); traffic crosses on
// both DUTs (one sink each), `down` leaves nothing.
TEST_F(MultiNodeRun, VppChainOnTwoDutsPassesTrafficOnEach) {
  const auto vpp = test_support::find_vpp_build();
  if (!vpp) GTEST_SKIP() << test_support::kNoVppBuild;
  const std::string run = "mnvpp";
  runs_.push_back(run);
  const std::string nf =
      "{kind: vpp, binary: /usr/bin/vpp, vppctl: /usr/bin/vppctl, page_size: 4K, "
      "main_heap_size: 256M, statseg_size: 64M, buffers_per_numa: 16384}";
  YAML::Node doc;
  doc["name"] = run;
  doc["engine"] = "oci";
  doc["image"] = "host";
  for (int i = 1; i <= 2; ++i) {
    const auto options = hosts_->options(i, "root");
    YAML::Node node;
    node["type"] = "ssh";
    node["host"] = options.host;
    node["user"] = options.user;
    node["key"] = *options.identity_file;
    for (const auto& o : options.ssh_options) node["ssh_options"].push_back(o);
    doc["nodes"]["dut" + std::to_string(i)] = node;
  }
  doc["paths"]["socket_dir"] = root_ + "/sockets";
  doc["paths"]["vpp_socket_base"] = root_ + "/vpp";
  for (int i = 1; i <= 2; ++i) {
    const std::string dut = "dut" + std::to_string(i);
    const std::string p = "d" + std::to_string(i);
    for (const auto& [prefix, role, kind] :
         {std::tuple{p + "gen", "generator", std::string("testpmd")},
          std::tuple{p + "vs", "vswitch", nf}, std::tuple{p + "nf", "nf", nf},
          std::tuple{p + "sink", "sink", std::string("testpmd")}}) {
      YAML::Node group;
      group["prefix"] = prefix;
      group["role"] = role;
      group["node"] = dut;
      if (std::string(role) == "nf") group["count"] = 2;
      group["nf"] = YAML::Load(kind);
      doc["containers"].push_back(group);
    }
  }
  doc["topology"]["kind"] = "chain";
  doc["topology"]["chains"] = 1;
  doc["topology"]["nodes_per_chain"] = 2;
  doc["cpu"]["policy"] = "shared";
  const auto file = root_ + "/" + run + ".yaml";
  std::ofstream(file) << doc << "\n";

  auto up = cnfctl({"up", file, "--json", "--timeout-ready", "90s", "--vpp-prefix", vpp->prefix});
  ASSERT_TRUE(up.ok()) << up.err;
  std::cout << "[ two-DUT VPP chain ] up in " << json::parse(up.out)["elapsed_ms"] << " ms\n";
  auto traffic = cnfctl({"traffic", run, "--duration", "2s", "--json"});
  EXPECT_TRUE(traffic.ok()) << traffic.err;
  if (traffic.ok()) {
    const auto measured = json::parse(traffic.out);
    ASSERT_EQ(measured["sinks"].size(), 2U) << traffic.out;  // one per DUT
    for (const auto& sink : measured["sinks"]) {
      std::cout << "[ two-DUT VPP chain ] " << sink.dump() << "\n";
      EXPECT_GT(sink.value("rx_mpps", 0.0), 0.0) << traffic.out;
    }
  }
  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

TEST_F(MultiNodeRun, UnreachableDutStopsUpBeforeAnythingIsMade) {
  const std::string run = "mnunreach";
  const auto file = topology(run);
  hosts_->stop_sshd(2);
  auto up = cnfctl({"up", file});
  hosts_->start_sshd(2);
  EXPECT_EQ(up.exit_code, 1) << up.err;
  EXPECT_NE(up.err.find("node dut2"), std::string::npos) << up.err;
  EXPECT_NE(up.err.find("cannot reach 10.99.2.2 port 22"), std::string::npos) << up.err;
  EXPECT_FALSE(fs::exists(root_ + "/state/runs/" + run + "/journal.json"));
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

TEST_F(MultiNodeRun, SshdKilledDuringUpRollsBackTheOtherDutAndDownFinishesLater) {
  const std::string run = "mnkill";
  // DUT1 through a user with `sudo -n`: rollback and down work through sudo too.
  const auto file = topology(run, "oci", process::testing::kSudoUser);
  const auto log = root_ + "/up.log";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    setenv("CNFCTL_TEST_PAUSE_AT", "ready", 1);  // the first NF started: both DUTs have state
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(CNFCTL_PROGRAM, CNFCTL_PROGRAM, "up", file.c_str(), "--timeout-ready", "60s",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  bool stopped = false;
  for (int i = 0; i < 12000 && !stopped; ++i) {
    auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    auto close = stat.rfind(')');
    stopped = close != std::string::npos && stat.size() > close + 2 && stat[close + 2] == 'T';
    if (!stopped) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!stopped) ::kill(pid, SIGKILL);
  ASSERT_TRUE(stopped) << read_file(log);

  hosts_->stop_sshd(2);  // DUT2 is gone for the rest of `up`
  ::kill(pid, SIGCONT);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const auto output = read_file(log);
  std::cout << "[ sshd of dut2 killed during up ]\n" << output;
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << output;
  EXPECT_NE(output.find("node dut2"), std::string::npos) << output;
  EXPECT_NE(output.find("cannot be reached"), std::string::npos) << output;

  // DUT1 was rolled back; DUT2's containers stay in the journal.
  // journal.json with its log folded in, as cnfctl reads it.
  const auto journal = run::read_journal_json(root_ + "/state/runs/" + run);
  std::error_code ec;
  for (const auto& d : fs::directory_iterator(root_ + "/run/engines/oci/runtime", ec)) {
    EXPECT_EQ(d.path().filename().string().find(run + "-gen_a"), std::string::npos) << d.path();
    EXPECT_EQ(d.path().filename().string().find(run + "-nf_a"), std::string::npos) << d.path();
  }
  EXPECT_FALSE(journal["containers"].empty());

  // With DUT2's sshd gone, `ps` says so for its containers...
  auto ps = cnfctl({"ps", run, "--json"});
  ASSERT_TRUE(ps.ok()) << ps.err;
  int unreachable = 0;
  const auto listed = json::parse(ps.out);
  for (const auto& c : listed[0]["containers"]) {
    if (c["node"] == "dut2") {
      EXPECT_EQ(c["state"], "unreachable") << c;
      ++unreachable;
    }
  }
  EXPECT_EQ(unreachable, 4) << ps.out;

  // ...`down` reports it and keeps the journal...
  auto early = cnfctl({"down", run});
  EXPECT_EQ(early.exit_code, 1) << early.err;
  EXPECT_NE(early.err.find("node dut2"), std::string::npos) << early.err;
  EXPECT_TRUE(fs::exists(root_ + "/state/runs/" + run + "/journal.json"));

  // ...and finishes the job once it is back.
  hosts_->start_sshd(2);
  auto down = cnfctl({"down", run});
  EXPECT_TRUE(down.ok()) << down.err;
  EXPECT_EQ(leftovers(run), std::vector<std::string>{});
}

}  // namespace
}  // namespace cnfctl
