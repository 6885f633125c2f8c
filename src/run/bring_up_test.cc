#include "run/bring_up.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "common/error.h"
#include "common/poll.h"
#include "nf/detached.h"
#include "process/local_runner.h"
#include "run/operations.h"
#include "run/tear_down.h"

namespace cnfctl::run {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

// What happened, in order, across the fakes.
struct World {
  std::mutex mutex;
  std::set<std::string> containers;  // ids that exist
  std::set<std::string> running_nfs;
  std::vector<std::string> events;     // "create x", "start x", "ready x", "stop x", "destroy x"
  std::map<std::string, int> nf_pids;  // by container id: what the pid file holds once started
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  // Every engine call that needs the daemon throws its "not reachable" error (docker's words).
  std::atomic<bool> daemon_down{false};
  std::string destroy_error;  // not empty: destroy throws it (a failure other than the daemon)
  void log(const std::string& e) {
    std::lock_guard lock(mutex);
    events.push_back(e);
  }
  bool seen(const std::string& e) {
    std::lock_guard lock(mutex);
    return std::find(events.begin(), events.end(), e) != events.end();
  }
  std::size_t index_of(const std::string& e) {
    std::lock_guard lock(mutex);
    auto it = std::find(events.begin(), events.end(), e);
    return it == events.end() ? events.size() + 1000
                              : static_cast<std::size_t>(it - events.begin());
  }
};

class FakeEngine : public engine::Engine {
 public:
  explicit FakeEngine(World& world) : world_(world) {}
  std::string kind() const override { return "oci"; }
  std::string node() const override { return "local"; }
  engine::NodePreparation prepare_node() override { return {}; }
  void acquire(const engine::ContainerSpec& spec, bool) override {
    daemon(spec.name);
    busy("acquire " + spec.name);
  }
  void build(const engine::ContainerSpec&) override {}
  void create(const engine::ContainerSpec& spec) override {
    daemon(spec.name);
    busy("create " + spec.name);
    std::lock_guard lock(world_.mutex);
    world_.containers.insert(spec.name);
  }
  process::Outcome exec(const std::string& name, const engine::ExecRequest& request) override {
    daemon(name);
    process::Outcome o;
    o.status = process::Outcome::Status::kExited;
    o.exit_code = 0;
    o.out = "NF log line\n";
    if (request.argv == std::vector<std::string>{"cat", nf::kNfPidGuestPath}) {
      std::lock_guard lock(world_.mutex);
      auto it = world_.nf_pids.find(name);
      o.exit_code = it == world_.nf_pids.end() ? 1 : 0;
      o.out = it == world_.nf_pids.end() ? "" : std::to_string(it->second) + "\n";
    }
    return o;
  }
  void copy_in(const std::string& name, const std::string& path, const std::string&,
               unsigned) override {
    world_.log("copy " + name + " " + path);
  }
  void stop(const std::string& name, milliseconds) override { daemon(name); }
  void destroy(const std::string& name) override {
    daemon(name);
    if (!world_.destroy_error.empty()) throw Error(world_.destroy_error);
    world_.log("destroy " + name);
    std::lock_guard lock(world_.mutex);
    world_.containers.erase(name);
  }
  engine::ContainerInfo inspect(const std::string& name) override {
    daemon(name);
    engine::ContainerInfo info;
    info.name = name;
    std::lock_guard lock(world_.mutex);
    info.present = info.running = world_.containers.count(name) != 0;
    info.state = info.present ? "running" : "";
    return info;
  }
  engine::SystemInfo system_info() override { return {}; }
  bool is_present(const std::string& n) override { return inspect(n).present; }
  bool is_running(const std::string& n) override { return inspect(n).running; }
  std::string logs(const std::string&) override { return ""; }

 private:
  void daemon(const std::string& name) {
    if (!world_.daemon_down) return;
    throw Error("engine docker on node local: container " + name +
                ": the docker daemon is not reachable at unix:///nowhere.sock on node local; start "
                "dockerd");
  }
  void busy(const std::string& what) {
    int now = ++world_.in_flight;
    int seen = world_.max_in_flight.load();
    while (now > seen && !world_.max_in_flight.compare_exchange_weak(seen, now)) {
    }
    world_.log(what);
    std::this_thread::sleep_for(milliseconds(20));
    --world_.in_flight;
  }
  World& world_;
};

// Ready after `probes_until_ready` probes; `never` never; `fail_start` throws in start().
struct DriverBehaviour {
  int probes_until_ready = 2;
  bool never = false;
  bool fatal = false;
  bool fail_start = false;
  // stop() waits (up to 5 s) for this event before it logs its own, e.g. "destroy r-s1".
  std::string stop_waits_for;
};

class FakeDriver : public nf::NfDriver {
 public:
  FakeDriver(World& world, std::map<std::string, DriverBehaviour>& behaviour)
      : world_(world), behaviour_(behaviour) {}
  void prepare(const nf::NfContext& ctx) override { world_.log("prepare " + ctx.container.name); }
  std::optional<int> start(const nf::NfContext& ctx) override {
    const auto& name = ctx.container.name;
    if (behaviour_[name].fail_start) throw Error("cannot start " + name);
    world_.log("start " + name);
    std::lock_guard lock(world_.mutex);
    world_.running_nfs.insert(name);
    const int pid = 100 + static_cast<int>(world_.nf_pids.size());
    world_.nf_pids[ctx.container.id] = pid;
    return pid;
  }
  nf::Readiness probe(const nf::NfContext& ctx, milliseconds) override {
    const auto& name = ctx.container.name;
    auto& b = behaviour_[name];
    if (b.fatal) return {false, "gone", true};
    if (b.never || ++probes_[name] < b.probes_until_ready) return {false, "not yet", false};
    world_.log("ready " + name);
    return {true, "ok", false};
  }
  std::vector<nf::PortCounters> counters(const nf::NfContext&) override { return {}; }
  void stop(const nf::NfContext& ctx, milliseconds) override {
    const auto& awaited = behaviour_[ctx.container.name].stop_waits_for;
    if (!awaited.empty()) {
      poll_until([&] { return world_.seen(awaited); },
                 std::chrono::steady_clock::now() + std::chrono::seconds(5),
                 Backoff(milliseconds(1), milliseconds(10)));
    }
    world_.log("stop " + ctx.container.name);
    std::lock_guard lock(world_.mutex);
    world_.running_nfs.erase(ctx.container.name);
  }
  void cleanup(const nf::NfContext& ctx) override { world_.log("cleanup " + ctx.container.name); }

 private:
  World& world_;
  std::map<std::string, DriverBehaviour>& behaviour_;
  std::map<std::string, int> probes_;
};

class BringUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cnfctl-bring-up-test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    setenv("CNFCTL_STATE_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("CNFCTL_STATE_DIR");
    fs::remove_all(dir_);
  }

  // servers s1, s2 (stage 0) and clients c1, c2 (stage 1), each client linked to a server.
  plan::Plan plan() {
    plan::Plan p;
    p.run = "r";
    p.source = "t.yaml";
    auto add = [&](const std::string& name, int stage, const std::string& peer, bool server) {
      plan::PlannedContainer c;
      c.name = name;
      c.id = "r-" + name;
      c.node = "local";
      c.start_stage = stage;
      c.nf.argv = {"x"};
      c.nf.files = {{"/etc/" + name, "content"}};
      wiring::MemifLink l;
      l.peer = peer;
      l.role = server ? wiring::MemifRole::kMaster : wiring::MemifRole::kSlave;
      c.links.push_back(l);
      p.containers.push_back(c);
    };
    add("s1", 0, "c1", true);
    add("s2", 0, "c2", true);
    add("c1", 1, "s1", false);
    add("c2", 1, "s2", false);
    return p;
  }

  std::unique_ptr<RunEnvironment> environment() {
    std::vector<std::pair<EngineRecord, std::unique_ptr<engine::Engine>>> engines;
    engines.emplace_back(EngineRecord{"local", "oci", "", "", ""},
                         std::make_unique<FakeEngine>(world_));
    std::map<std::string, std::unique_ptr<process::Runner>> runners;
    runners["local"] = std::make_unique<process::LocalRunner>();  // runs nothing: no node dirs
    return std::make_unique<RunEnvironment>(
        std::move(engines), std::move(runners),
        [this](topology::NfKind) { return std::make_unique<FakeDriver>(world_, behaviour_); });
  }

  // Brings plan() up; returns the error text, "" on success.
  std::string up(UpOptions options = {}) {
    options.handle_signals = false;
    auto env = environment();
    RunLock lock("r", true);
    Journal j;
    j.run = "r";
    j.source = "t.yaml";
    j.state = "starting";
    j.plan = plan();
    j.engines = {{"local", "oci", "", "", ""}};
    JournalFile file(j);
    Progress progress(stderr, false);
    try {
      result_ = bring_up(file, *env, lock, options, progress);
      return "";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 1);
      return e.describe();
    }
  }

  std::string dir_;
  World world_;
  std::map<std::string, DriverBehaviour> behaviour_;
  UpResult result_;
};

TEST_F(BringUpTest, EveryContainerComesUpAndClientsStartAfterTheirServersAreReady) {
  ASSERT_EQ(up(), "");
  ASSERT_EQ(result_.containers.size(), 4u);
  for (const auto& c : result_.containers) EXPECT_EQ(c.state, "ready");
  for (const auto* client : {"c1", "c2"}) {
    for (const auto* server : {"s1", "s2"}) {
      EXPECT_LT(world_.index_of(std::string("ready ") + server),
                world_.index_of(std::string("start ") + client));
    }
  }
  // Creation does not wait for stages: every create happens before the first client start.
  EXPECT_LT(world_.index_of("create r-c2"), world_.index_of("start c1"));
  EXPECT_LT(world_.index_of("prepare s1"), world_.index_of("start s1"));
  EXPECT_LT(world_.index_of("copy r-s1 /etc/s1"), world_.index_of("start s1"));
  auto journal = JournalFile::read("r");
  EXPECT_EQ(journal.state, "up");
  std::set<int> pids;
  for (const auto& [name, record] : journal.containers) {
    EXPECT_TRUE(record.done(Step::kReady)) << name;
    EXPECT_TRUE(record.ready_after.has_value());
    // The NF's pid, as its pid file inside the container says.
    ASSERT_TRUE(record.nf_pid.has_value()) << name;
    EXPECT_EQ(*record.nf_pid, world_.nf_pids.at("r-" + name)) << name;
    pids.insert(*record.nf_pid);
  }
  EXPECT_EQ(pids.size(), 4u);
}

TEST_F(BringUpTest, PsJsonShowsTheNfPid) {
  RunStatus status{"r", "t.yaml", "up", "", {}};
  status.containers.resize(2);
  status.containers[0].name = "s1";
  status.containers[0].nf_pid = 123;
  status.containers[1].name = "s2";
  auto j = status_json({status});
  EXPECT_EQ(j[0]["containers"][0]["nf_pid"], 123);
  EXPECT_TRUE(j[0]["containers"][1]["nf_pid"].is_null());
}

TEST_F(BringUpTest, JobsBoundTheStepsInFlight) {
  UpOptions options;
  options.jobs = 1;
  ASSERT_EQ(up(options), "");
  EXPECT_EQ(world_.max_in_flight.load(), 1);
  options.jobs = 4;
  world_.max_in_flight = 0;
  fs::remove_all(dir_ + "/runs");
  ASSERT_EQ(up(options), "");
  EXPECT_GT(world_.max_in_flight.load(), 1);
}

// podman's runs wait for each other's storage locks: at most 4 in flight per node by default.
TEST(DefaultNodeJobs, PodmanAtMostFourTheOthersTheOverallJobs) {
  EXPECT_EQ(default_node_jobs(topology::EngineKind::kPodman, 16), 4u);
  EXPECT_EQ(default_node_jobs(topology::EngineKind::kPodman, 2), 2u);
  EXPECT_EQ(default_node_jobs(topology::EngineKind::kDocker, 16), 16u);
  EXPECT_EQ(default_node_jobs(topology::EngineKind::kOci, 32), 32u);
  EXPECT_EQ(default_node_jobs(topology::EngineKind::kLxc, 16), 16u);
}

TEST_F(BringUpTest, AFailingStartRollsEverythingBackServersFirst) {
  behaviour_["c2"].fail_start = true;
  auto error = up();
  EXPECT_NE(error.find("container c2"), std::string::npos) << error;
  EXPECT_NE(error.find("step start"), std::string::npos) << error;
  EXPECT_NE(error.find("nothing is left"), std::string::npos) << error;
  EXPECT_TRUE(world_.containers.empty());
  EXPECT_TRUE(world_.running_nfs.empty());
  EXPECT_LT(world_.index_of("stop s1"), world_.index_of("stop c1"));
  EXPECT_LT(world_.index_of("stop s1"), world_.index_of("destroy r-s1"));
  EXPECT_LT(world_.index_of("stop c1"), world_.index_of("destroy r-c1"));
  EXPECT_FALSE(JournalFile::exists("r"));
  EXPECT_FALSE(fs::exists(run_state_dir("r")));
}

TEST_F(BringUpTest, AnNfThatNeverGetsReadyFailsAfterItsDeadline) {
  behaviour_["s2"].never = true;
  UpOptions options;
  options.timeout_ready = milliseconds(150);
  const auto started = std::chrono::steady_clock::now();
  auto error = up(options);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_NE(error.find("not ready after 150 ms"), std::string::npos) << error;
  EXPECT_EQ(world_.index_of("start c1"), world_.events.size() + 1000) << "a client started";
  EXPECT_TRUE(world_.containers.empty());
  EXPECT_FALSE(JournalFile::exists("r"));
}

TEST_F(BringUpTest, AFatalProbeStopsWaitingAtOnce) {
  behaviour_["s1"].fatal = true;
  UpOptions options;
  options.timeout_ready = std::chrono::seconds(30);
  const auto started = std::chrono::steady_clock::now();
  auto error = up(options);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_NE(error.find("can never become ready"), std::string::npos) << error;
}

TEST_F(BringUpTest, AFailureBeforeAStepLeavesItsIntentSoTeardownDestroysIt) {
  UpOptions options;
  options.before_step = [](const std::string& name, Step step) {
    if (name == "s1" && step == Step::kCreate) throw Error("injected");
  };
  auto error = up(options);
  EXPECT_NE(error.find("step create"), std::string::npos) << error;
  EXPECT_LT(world_.index_of("destroy r-s1"), world_.events.size());
  EXPECT_TRUE(world_.containers.empty());
}

TEST_F(BringUpTest, TeardownTouchesOnlyWhatTheJournalSaysMayExist) {
  Journal j;
  j.run = "r";
  j.plan = plan();
  j.containers["s1"].steps[Step::kAcquire] = StepState::kDone;
  j.containers["s1"].steps[Step::kStart] = StepState::kIntended;
  auto env = environment();
  Progress progress(stderr, false);
  auto result = tear_down(j, *env, progress, 4);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(result.nfs_stopped, 1u);
  EXPECT_EQ(result.containers_removed, 1u);
  EXPECT_LT(world_.index_of("stop s1"), world_.events.size());
  EXPECT_LT(world_.index_of("destroy r-s1"), world_.events.size());
  EXPECT_EQ(world_.index_of("destroy r-c1"), world_.events.size() + 1000);
}

// A stage's containers are destroyed as soon as its NFs are stopped, while the next stage's NFs
// stop: c1's stop waits for s1's destroy (5 s at most, then it goes on and the order shows it).
TEST_F(BringUpTest, TeardownDestroysAStageWhileTheNextStageStops) {
  ASSERT_EQ(up(), "");
  behaviour_["c1"].stop_waits_for = "destroy r-s1";
  auto env = environment();
  Progress progress(stderr, false);
  auto result = tear_down(JournalFile::read("r"), *env, progress, 4);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(result.containers_removed, 4u);
  for (const auto* server : {"s1", "s2"}) {
    EXPECT_LT(world_.index_of(std::string("stop ") + server),
              world_.index_of(std::string("destroy r-") + server));
    for (const auto* client : {"c1", "c2"}) {
      EXPECT_LT(world_.index_of(std::string("stop ") + server),
                world_.index_of(std::string("stop ") + client));
      EXPECT_LT(world_.index_of(std::string("stop ") + client),
                world_.index_of(std::string("destroy r-") + client));
    }
  }
  EXPECT_LT(world_.index_of("destroy r-s1"), world_.index_of("stop c1"));
  EXPECT_TRUE(world_.containers.empty());
}

// The tear_down rule for an engine whose daemon cannot be reached (tear_down.h): a container
// whose create was never intended was never made and counts as absent; one whose create was
// intended may exist and keeps the run's journal.
TEST_F(BringUpTest, AnUnreachableDaemonClearsOnlyContainersThatWereNeverCreated) {
  Journal j;
  j.run = "r";
  j.plan = plan();
  j.containers["s1"].steps[Step::kAcquire] = StepState::kIntended;
  j.containers["s2"].steps[Step::kAcquire] = StepState::kDone;
  j.containers["c1"].steps[Step::kAcquire] = StepState::kDone;
  j.containers["c1"].steps[Step::kCreate] = StepState::kIntended;
  auto env = environment();
  Progress progress(stderr, false);
  world_.daemon_down = true;
  auto result = tear_down(j, *env, progress, 4);
  EXPECT_EQ(result.containers_never_created, 2u);
  EXPECT_EQ(result.containers_removed, 0u);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].find("container c1: destroy:"), std::string::npos) << result.errors[0];
  EXPECT_NE(result.errors[0].find("daemon is not reachable"), std::string::npos);
  EXPECT_NE(result.errors[0].find("create was intended, so the container may exist"),
            std::string::npos)
      << result.errors[0];
  // The node side is still cleaned for every touched container; c2 was never touched.
  for (const auto* name : {"s1", "s2", "c1"}) {
    EXPECT_LT(world_.index_of(std::string("cleanup ") + name), world_.events.size()) << name;
  }
  EXPECT_EQ(world_.index_of("cleanup c2"), world_.events.size() + 1000);

  // A created container with its create done is no different; once the daemon answers, the
  // same journal tears down completely (destroy of what does not exist succeeds).
  j.containers["c1"].steps[Step::kCreate] = StepState::kDone;
  result = tear_down(j, *env, progress, 4);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].find("create was done"), std::string::npos) << result.errors[0];
  world_.daemon_down = false;
  result = tear_down(j, *env, progress, 4);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(result.containers_removed, 3u);
  EXPECT_EQ(result.containers_never_created, 0u);
}

TEST_F(BringUpTest, OnlyAnUnreachableDaemonMakesANeverCreatedContainerAbsent) {
  Journal j;
  j.run = "r";
  j.plan = plan();
  j.containers["s1"].steps[Step::kAcquire] = StepState::kIntended;
  auto env = environment();
  Progress progress(stderr, false);
  world_.destroy_error = "engine oci: removing the container: permission denied";
  auto result = tear_down(j, *env, progress, 4);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].find("permission denied"), std::string::npos) << result.errors[0];
  EXPECT_EQ(result.containers_never_created, 0u);
}

TEST_F(BringUpTest, IsDaemonUnreachableReadsTheEnginesWords) {
  EXPECT_TRUE(is_daemon_unreachable(
      Error("engine docker on node local: the docker daemon is not reachable at x on node y")));
  EXPECT_FALSE(is_daemon_unreachable(Error("engine docker: No such container: r-s1")));
  EXPECT_FALSE(is_daemon_unreachable(std::runtime_error("daemon")));
}

TEST_F(BringUpTest, UpWithoutADaemonFailsNamingItAndLeavesNoJournal) {
  world_.daemon_down = true;
  auto error = up();
  EXPECT_NE(error.find("daemon is not reachable"), std::string::npos) << error;
  EXPECT_NE(error.find("step acquire"), std::string::npos) << error;
  EXPECT_NE(error.find("nothing is left"), std::string::npos) << error;
  EXPECT_FALSE(JournalFile::exists("r"));
  EXPECT_FALSE(fs::exists(run_state_dir("r")));
  EXPECT_TRUE(run_down_at("r").has_value()) << "a later `down` must say it is already down";
}

TEST_F(BringUpTest, ADaemonLostAfterCreateKeepsTheJournalUntilItAnswers) {
  UpOptions options;
  options.before_step = [this](const std::string& name, Step step) {
    if (name == "s1" && step == Step::kStart) {
      world_.daemon_down = true;
      throw Error("injected");
    }
  };
  auto error = up(options);
  EXPECT_NE(error.find("the rollback did not remove everything"), std::string::npos) << error;
  // Every container fails the same way: one line names them all, the daemon's hint once.
  EXPECT_TRUE(std::regex_search(error, std::regex("containers? [^:\\n]*s1[^:\\n]*: destroy:")))
      << error;
  EXPECT_NE(error.find("may exist"), std::string::npos) << error;
  const auto first = error.find("daemon is not reachable");
  ASSERT_NE(first, std::string::npos) << error;
  EXPECT_EQ(error.find("daemon is not reachable", first + 1), std::string::npos) << error;
  ASSERT_TRUE(JournalFile::exists("r"));
  auto journal = JournalFile::read("r");
  EXPECT_EQ(journal.state, "rollback-failed");
  EXPECT_FALSE(world_.containers.empty());
  world_.daemon_down = false;
  auto env = environment();
  Progress progress(stderr, false);
  auto result = tear_down(journal, *env, progress, 4);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_TRUE(world_.containers.empty());
}

TEST_F(BringUpTest, RestartTakesTheLinkedContainersAlongServersFirst) {
  auto p = plan();
  EXPECT_EQ(restart_set(p, "s1"), (std::vector<std::string>{"s1", "c1"}));
  EXPECT_EQ(restart_set(p, "c2"), (std::vector<std::string>{"s2", "c2"}));
  EXPECT_THROW(restart_set(p, "nope"), Error);
}

}  // namespace
}  // namespace cnfctl::run
