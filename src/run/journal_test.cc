#include "run/journal.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace cnfctl::run {
namespace {

namespace fs = std::filesystem;

// Every test gets its own CNFCTL_STATE_DIR.
class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cnfctl-journal-test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    setenv("CNFCTL_STATE_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("CNFCTL_STATE_DIR");
    fs::remove_all(dir_);
  }
  std::string dir_;
};

plan::Plan small_plan(const std::string& run) {
  plan::Plan plan;
  plan.run = run;
  plan.source = "t.yaml";
  plan.host_socket_dir = "/run/cnfctl/sockets/" + run;
  plan.guest_socket_dir = "/run/cnfctl/memif";
  for (std::string name : {"srv1", "cli1"}) {
    plan::PlannedContainer c;
    c.name = name;
    c.id = run + "-" + name;
    c.node = "local";
    c.cpus = {0, 1};
    c.mems = {0};
    c.start_stage = name == "srv1" ? 0 : 1;
    c.env = {{"MICROSERVICE_LABEL", name}, {"A", "b"}};
    c.mounts = {{plan.host_socket_dir, plan.guest_socket_dir, false}};
    c.nf.argv = {"sleep", "infinity"};
    c.nf.probe = std::vector<std::string>{"true"};
    c.nf.files = {{"/etc/x.conf", "bytes\n\x01"}};
    wiring::MemifLink link;
    link.socket_file = "memif-" + name;
    link.host_socket_path = plan.host_socket_dir + "/" + link.socket_file;
    link.guest_socket_path = plan.guest_socket_dir + "/" + link.socket_file;
    link.role = name == "srv1" ? wiring::MemifRole::kMaster : wiring::MemifRole::kSlave;
    link.peer = name == "srv1" ? "cli1" : "srv1";
    c.links.push_back(link);
    plan.containers.push_back(c);
  }
  return plan;
}

Journal small_journal(const std::string& run) {
  Journal j;
  j.run = run;
  j.source = "t.yaml";
  j.state = "starting";
  j.started_at = "2024-01-01T00:00:00Z";
  j.plan = small_plan(run);
  j.nodes = {node::NodeAccess{"local", false, {}}};
  j.engines = {{"local", "oci", "runc", "", "/run/x"}};
  j.node_dirs = {{"local", "/run/cnfctl/sockets/" + run}};
  j.containers["srv1"].steps[Step::kAcquire] = StepState::kDone;
  j.containers["srv1"].steps[Step::kCreate] = StepState::kIntended;
  j.containers["srv1"].nf_pid = 42;
  j.containers["srv1"].ready_after = 17;
  return j;
}

TEST_F(JournalTest, StepNamesRoundTrip) {
  for (auto step :
       {Step::kAcquire, Step::kCreate, Step::kPrepare, Step::kFiles, Step::kStart, Step::kReady}) {
    EXPECT_EQ(step_from(to_string(step)), step);
  }
  EXPECT_FALSE(step_from("bogus"));
}

TEST_F(JournalTest, RoundTripKeepsEverything) {
  auto j = small_journal("r1");
  auto back = Journal::from_json(j.to_json());
  EXPECT_EQ(back.to_json(), j.to_json());
  EXPECT_EQ(back.engines, j.engines);
  EXPECT_EQ(back.node_dirs, j.node_dirs);
  EXPECT_TRUE(back.containers.at("srv1").done(Step::kAcquire));
  EXPECT_TRUE(back.containers.at("srv1").touched(Step::kCreate));
  EXPECT_FALSE(back.containers.at("srv1").done(Step::kCreate));
  EXPECT_EQ(back.containers.at("srv1").nf_pid, 42);
  ASSERT_EQ(back.plan.containers.size(), 2u);
  EXPECT_EQ(back.plan.containers[1].links, j.plan.containers[1].links);
  EXPECT_EQ(back.plan.containers[0].nf.files[0].content, "bytes\n\x01");
}

// `down` reaches remote nodes from the journal alone; journals without "nodes" ran locally.
TEST_F(JournalTest, NodesRoundTripAndDefaultToLocal) {
  auto j = small_journal("r1");
  node::NodeAccess dut;
  dut.name = "dut1";
  dut.remote = true;
  dut.ssh.node = "dut1";
  dut.ssh.host = "10.0.0.2";
  dut.ssh.port = 2222;
  dut.ssh.user = "cnf";
  dut.ssh.sudo = true;
  dut.ssh.identity_file = "/root/.ssh/id";
  dut.ssh.ssh_options = {"StrictHostKeyChecking=yes"};
  j.nodes.push_back(dut);
  j.engines.push_back({"dut1", "lxc", "", "", "/run/y"});
  auto back = Journal::from_json(j.to_json());
  ASSERT_EQ(back.nodes.size(), 2U);
  EXPECT_TRUE(back.nodes[1].remote);
  EXPECT_EQ(back.nodes[1].address(), "ssh cnf@10.0.0.2:2222");
  EXPECT_EQ(back.nodes[1].ssh.identity_file, dut.ssh.identity_file);

  auto old = j.to_json();
  old.erase("nodes");
  auto local = Journal::from_json(old);
  ASSERT_EQ(local.nodes.size(), 2U);
  EXPECT_FALSE(local.nodes[0].remote);
  EXPECT_FALSE(local.nodes[1].remote);
  EXPECT_EQ(back.plan.containers[0].env.front().first, "MICROSERVICE_LABEL");
}

TEST_F(JournalTest, DamagedJournalIsAFailureNotACrash) {
  auto json = small_journal("r1").to_json();
  json.erase("plan");
  EXPECT_THROW(Journal::from_json(json), Error);
  json = small_journal("r1").to_json();
  json["version"] = 99;
  EXPECT_THROW(Journal::from_json(json), Error);
}

TEST_F(JournalTest, AtomicWriteReplacesAndLeavesNoTemporaryFile) {
  const auto path = dir_ + "/f.json";
  write_file_atomically(path, "one");
  write_file_atomically(path, "two\n");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "two\n");
  int files = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
  EXPECT_THROW(write_file_atomically(dir_ + "/missing/f.json", "x"), Error);
}

TEST_F(JournalTest, JournalFileSavesEveryChangeAndReadsBack) {
  RunLock lock("r1", true);
  JournalFile file(small_journal("r1"));
  EXPECT_TRUE(JournalFile::exists("r1"));
  file.record("cli1", Step::kStart, StepState::kIntended);
  auto back = JournalFile::read("r1");
  EXPECT_TRUE(back.containers.at("cli1").touched(Step::kStart));
  EXPECT_EQ(list_runs(), std::vector<std::string>{"r1"});
  lock.remove_run();
  EXPECT_FALSE(JournalFile::exists("r1"));
  EXPECT_FALSE(fs::exists(run_state_dir("r1")));
  EXPECT_TRUE(list_runs().empty());
}

TEST_F(JournalTest, ARunIsLockedWhileACommandWorksOnIt) {
  auto lock = std::make_unique<RunLock>("r1", true);
  try {
    RunLock second("r1", true);
    FAIL() << "a second lock was granted";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(e.describe().find("busy"), std::string::npos) << e.describe();
  }
  lock.reset();
  EXPECT_NO_THROW(RunLock("r1", true));
}

TEST_F(JournalTest, UnknownRunsAndUnsafeNamesAreBadInput) {
  try {
    RunLock lock("never", false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(e.describe().find("no run called never"), std::string::npos);
  }
  EXPECT_THROW(RunLock("../x", true), Error);
  try {
    JournalFile::read("never");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
  }
}

}  // namespace
}  // namespace cnfctl::run
