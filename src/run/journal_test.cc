#include "run/journal.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

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

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The logs in a run's state dir, by name.
std::vector<std::string> logs_of(const std::string& run) {
  std::vector<std::string> logs;
  for (const auto& e : fs::directory_iterator(run_state_dir(run))) {
    const auto name = e.path().filename().string();
    if (name.size() > 4 && name.substr(name.size() - 4) == ".log") logs.push_back(name);
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

// A container step appends one short line to the log; journal.json (with the plan) is not
// written again, so the cost of a step does not grow with the run.
TEST_F(JournalTest, ContainerStepsAppendToTheLogAndLeaveJournalJsonAlone) {
  RunLock lock("r1", true);
  JournalFile file(small_journal("r1"));
  const auto base = read_text(journal_path("r1"));
  ASSERT_EQ(logs_of("r1"), std::vector<std::string>{"journal.1.log"});
  for (int i = 0; i < 20; ++i) {
    file.record("c" + std::to_string(i), Step::kAcquire, StepState::kIntended);
  }
  file.update_container("c3", [](ContainerRecord& r) {
    r.steps[Step::kAcquire] = StepState::kDone;
    r.nf_pid = 7;
  });
  EXPECT_EQ(read_text(journal_path("r1")), base);
  const auto log = read_text(run_state_dir("r1") + "/journal.1.log");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 21);
  EXPECT_LT(log.size(), 21u * 120u) << log;

  auto back = JournalFile::read("r1");
  EXPECT_EQ(back.containers.size(), 21u);  // srv1 of small_journal and c0..c19
  EXPECT_TRUE(back.containers.at("c19").touched(Step::kAcquire));
  EXPECT_TRUE(back.containers.at("c3").done(Step::kAcquire));
  EXPECT_EQ(back.containers.at("c3").nf_pid, 7);
  EXPECT_EQ(back.containers.at("srv1").nf_pid, 42);
  EXPECT_EQ(back.to_json(), file.snapshot().to_json());
}

// A run-wide change rewrites journal.json with everything and starts the next log; the old log
// is removed.
TEST_F(JournalTest, RunWideChangesRewriteJournalJsonWithANewLog) {
  RunLock lock("r1", true);
  JournalFile file(small_journal("r1"));
  file.record("cli1", Step::kCreate, StepState::kDone);
  file.update([](Journal& j) { j.state = "up"; });
  EXPECT_EQ(logs_of("r1"), std::vector<std::string>{"journal.2.log"});
  EXPECT_EQ(read_text(run_state_dir("r1") + "/journal.2.log"), "");
  const auto json = nlohmann::json::parse(read_text(journal_path("r1")));
  EXPECT_EQ(json["state"], "up");
  EXPECT_EQ(json["log"], 2);
  EXPECT_EQ(json["containers"]["cli1"]["steps"]["create"], "done");
  file.record("cli1", Step::kStart, StepState::kIntended);
  auto back = JournalFile::read("r1");
  EXPECT_EQ(back.state, "up");
  EXPECT_TRUE(back.containers.at("cli1").done(Step::kCreate));
  EXPECT_TRUE(back.containers.at("cli1").touched(Step::kStart));
}

// The run's state is a log line too: `up` ends without rewriting journal.json.
TEST_F(JournalTest, AStateChangeAppendsOneLine) {
  RunLock lock("r1", true);
  JournalFile file(small_journal("r1"));
  const auto base = read_text(journal_path("r1"));
  file.update_state("up");
  EXPECT_EQ(read_text(journal_path("r1")), base);
  EXPECT_EQ(read_text(run_state_dir("r1") + "/journal.1.log"), "{\"state\":\"up\"}\n");
  EXPECT_EQ(JournalFile::read("r1").state, "up");
  file.record("cli1", Step::kStart, StepState::kIntended);
  file.update_state("failed");
  auto back = JournalFile::read("r1");
  EXPECT_EQ(back.state, "failed");
  EXPECT_TRUE(back.containers.at("cli1").touched(Step::kStart));
}

// A change saved "with the next" is in memory at once and on disk with the next save of any
// kind (or flush), in order; nothing of it is written before.
TEST_F(JournalTest, ChangesSavedWithTheNextOneWaitForIt) {
  RunLock lock("r1", true);
  JournalFile file(small_journal("r1"));
  file.record("cli1", Step::kCreate, StepState::kDone, JournalFile::Save::kWithNext);
  EXPECT_TRUE(file.snapshot().containers.at("cli1").done(Step::kCreate));
  EXPECT_EQ(read_text(run_state_dir("r1") + "/journal.1.log"), "");
  EXPECT_EQ(JournalFile::read("r1").containers.count("cli1"), 0u);
  file.record("cli1", Step::kStart, StepState::kIntended);
  auto back = JournalFile::read("r1");
  EXPECT_TRUE(back.containers.at("cli1").done(Step::kCreate));
  EXPECT_TRUE(back.containers.at("cli1").touched(Step::kStart));

  file.record("cli1", Step::kStart, StepState::kDone, JournalFile::Save::kWithNext);
  EXPECT_FALSE(JournalFile::read("r1").containers.at("cli1").done(Step::kStart));
  file.flush();
  EXPECT_TRUE(JournalFile::read("r1").containers.at("cli1").done(Step::kStart));
}

// kill -9 while a line was being appended leaves part of it: the change never counted (its
// caller did not go on), so reading ignores it; opening the run again (down) starts a new log
// without it. A damaged line before the last one is damage, not a torn write.
TEST_F(JournalTest, ATornLastLineIsIgnoredAndDroppedWhenTheRunIsOpenedAgain) {
  RunLock lock("r1", true);
  {
    JournalFile file(small_journal("r1"));
    file.record("cli1", Step::kAcquire, StepState::kDone);
  }
  const auto log = run_state_dir("r1") + "/journal.1.log";
  // Cut by kill -9; zeros where a crash of the machine lost the line's data.
  for (const std::string& torn :
       {std::string(R"({"containers":{"cli1":{"steps":{"acq)"), std::string("\0\0\0\n", 4)}) {
    const auto good = read_text(log);
    std::ofstream(log, std::ios::app | std::ios::binary) << torn;
    auto back = JournalFile::read("r1");
    EXPECT_TRUE(back.containers.at("cli1").done(Step::kAcquire));
    std::ofstream(log, std::ios::trunc | std::ios::binary) << good;
  }
  std::ofstream(log, std::ios::app | std::ios::binary) << R"({"containers":{"cli1":{"st)";

  JournalFile reopened(JournalFile::read("r1"));
  EXPECT_EQ(logs_of("r1"), std::vector<std::string>{"journal.2.log"});
  reopened.record("cli1", Step::kCreate, StepState::kIntended);
  auto back = JournalFile::read("r1");
  EXPECT_TRUE(back.containers.at("cli1").done(Step::kAcquire));
  EXPECT_TRUE(back.containers.at("cli1").touched(Step::kCreate));

  const auto log2 = run_state_dir("r1") + "/journal.2.log";
  std::ofstream(log2, std::ios::trunc | std::ios::binary) << "{\"containers\": {\n"
                                                          << R"({"state":"up"})"
                                                          << "\n";
  try {
    JournalFile::read("r1");
    FAIL() << "a damaged line before the last one was accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("journal.2.log is damaged at line 1"), std::string::npos)
        << e.describe();
  }
}

// Threads record at once (containers in parallel): every change is on disk when its call
// returns, and all of them are read back.
TEST_F(JournalTest, ParallelStepsAreAllSaved) {
  RunLock lock("r1", true);
  JournalFile file(small_journal("r1"));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&file, t] {
      for (int i = 0; i < 25; ++i) {
        const auto name = "t" + std::to_string(t) + "-" + std::to_string(i);
        file.record(name, Step::kAcquire, StepState::kIntended);
        file.record(name, Step::kAcquire, StepState::kDone);
        if (i == 10 && t == 0) file.update([](Journal& j) { j.state = "busy"; });
      }
    });
  }
  for (auto& t : threads) t.join();
  auto back = JournalFile::read("r1");
  EXPECT_EQ(back.state, "busy");
  EXPECT_EQ(back.containers.size(), 1u + 8u * 25u);
  for (const auto& [name, record] : back.containers) {
    EXPECT_TRUE(record.done(Step::kAcquire)) << name;
  }
}

// Journals of version 1 (one journal.json, no log) are still read: runs brought up by an
// earlier cnfctl can be taken down.
TEST_F(JournalTest, AVersionOneJournalWithoutALogIsRead) {
  RunLock lock("r1", true);
  auto json = small_journal("r1").to_json();
  json["version"] = 1;
  write_file_atomically(journal_path("r1"), json.dump());
  auto back = JournalFile::read("r1");
  EXPECT_TRUE(back.containers.at("srv1").done(Step::kAcquire));
  EXPECT_TRUE(read_journal_json(run_state_dir("nothing")).is_null());
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

// A holder that lets go within kRunLockPatience (a killed cnfctl's child between clone and exec
// holds a copy of the lock's descriptor for a moment) is waited for, not reported busy.
TEST_F(JournalTest, ALockReleasedSoonIsWaitedFor) {
  auto lock = std::make_unique<RunLock>("r1", true);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    lock.reset();
  });
  EXPECT_NO_THROW(RunLock("r1", true));
  release.join();
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
