#include "run/bring_up.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/error.h"
#include "cpu/cpu_list.h"
#include "nf/cpu_priority.h"
#include "nf/detached.h"
#include "nf/launcher.h"
#include "nf/nf_process.h"
#include "run/interrupt.h"
#include "run/readiness.h"
#include "run/tear_down.h"

namespace cnfctl::run {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

enum class Phase { kWaiting, kCreating, kCreated, kStarting, kReady, kFailed };

struct Failure {
  std::string container;
  std::string step;
  std::string error;
};

// Thrown inside a task when the run is being stopped (another failure or a signal).
struct Cancelled {};

class Scheduler {
 public:
  Scheduler(JournalFile& journal, RunEnvironment& env, const UpOptions& options, Progress& progress)
      : journal_(journal),
        env_(env),
        options_(options),
        progress_(progress),
        plan_(journal.snapshot().plan) {
    for (const auto& c : plan_.containers) {
      phase_[c.name] = Phase::kWaiting;
      ++unready_of_stage_[c.start_stage];
    }
  }

  // Runs every task on at most --jobs worker threads; returns when all are ready or, after a
  // failure or cancel, when no task is in flight any more.
  void run(const std::function<bool()>& interrupted) {
    const std::size_t workers =
        std::min(std::max<std::size_t>(options_.jobs, 1), plan_.containers.size());
    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) {
      threads.emplace_back([this, &interrupted] { work(interrupted); });
    }
    for (auto& t : threads) t.join();
  }

  void stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    cv_.notify_all();
  }

  const std::optional<Failure>& failure() const { return failure_; }
  const plan::Plan& plan() const { return plan_; }

 private:
  struct Task {
    const plan::PlannedContainer* container = nullptr;
    void (Scheduler::*work)(const plan::PlannedContainer&) = nullptr;
    Phase done = Phase::kReady;
  };

  // One worker: takes the next task that may run, runs it, records its outcome; every phase
  // change wakes the others (no polling). Ends when all are ready or the run is stopping.
  void work(const std::function<bool()>& interrupted) {
    std::unique_lock lock(mutex_);
    while (true) {
      if (!stopping_ && interrupted()) stopping_ = true;
      if (stopping_ || ready_ == plan_.containers.size()) break;
      auto task = next_task_locked();
      if (!task) {
        cv_.wait(lock);
        continue;
      }
      const auto& c = *task->container;
      ++in_flight_;
      ++node_in_flight_[c.node];
      lock.unlock();
      std::optional<Failure> failed;
      bool cancelled = false;
      try {
        (this->*task->work)(c);
      } catch (const Cancelled&) {
        cancelled = true;
      } catch (const std::exception& e) {
        failed = Failure{c.name, current_step(c.name), e.what()};
      }
      lock.lock();
      --in_flight_;
      --node_in_flight_[c.node];
      if (failed) {
        phase_[c.name] = Phase::kFailed;
        if (!failure_) failure_ = failed;
        stopping_ = true;
      } else if (cancelled) {
        phase_[c.name] = Phase::kFailed;
      } else {
        phase_[c.name] = task->done;
        if (task->done == Phase::kReady) {
          ++ready_;
          --unready_of_stage_[c.start_stage];
        }
      }
      cv_.notify_all();
    }
    cv_.notify_all();
  }

  // Stage `stage` may start when every container of a lower stage is ready.
  bool stage_open_locked(int stage) const {
    for (const auto& [s, unready] : unready_of_stage_) {
      if (s < stage && unready > 0) return false;
    }
    return true;
  }

  // The first container (in plan order) with a step that may run now, its phase advanced.
  std::optional<Task> next_task_locked() {
    if (in_flight_ >= std::max<std::size_t>(options_.jobs, 1)) return std::nullopt;
    for (const auto& c : plan_.containers) {
      auto& phase = phase_[c.name];
      if (phase != Phase::kWaiting && phase != Phase::kCreated) continue;
      const std::size_t node_jobs = std::max<std::size_t>(
          options_.node_jobs == 0 ? default_node_jobs(c.engine, options_.jobs) : options_.node_jobs,
          1);
      if (node_in_flight_[c.node] >= node_jobs) continue;
      if (phase == Phase::kWaiting) {
        phase = Phase::kCreating;
        return Task{&c, &Scheduler::create, Phase::kCreated};
      }
      if (stage_open_locked(c.start_stage)) {
        phase = Phase::kStarting;
        return Task{&c, &Scheduler::start, Phase::kReady};
      }
    }
    return std::nullopt;
  }

  std::string current_step(const std::string& name) {
    std::lock_guard lock(mutex_);
    return steps_[name];
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  // Records the intent of `step`, runs `action`, records it done (with `also`, in the same
  // journal line). Only the intents `down` reads are on disk before the action runs; the rest
  // go with the next save (intent_guards_teardown), so a container costs three syncs, not
  // twelve, and parallel containers share them.
  template <class F>
  void step(const plan::PlannedContainer& c, Step s, F&& action,
            const std::function<void(ContainerRecord&)>& also = {}) {
    if (stopping()) throw Cancelled{};
    {
      std::lock_guard lock(mutex_);
      steps_[c.name] = to_string(s);
    }
    journal_.record(
        c.name, s, StepState::kIntended,
        intent_guards_teardown(s) ? JournalFile::Save::kNow : JournalFile::Save::kWithNext);
    pause(to_string(s));
    if (options_.before_step) options_.before_step(c.name, s);
    action();
    journal_.update_container(
        c.name,
        [&](ContainerRecord& record) {
          record.steps[s] = StepState::kDone;
          if (also) also(record);
        },
        JournalFile::Save::kWithNext);
    pause(std::string(to_string(s)) + ":done");
  }

  void pause(const std::string& point) {
    if (options_.pause_at.empty() || options_.pause_at != point) return;
    if (paused_.exchange(true)) return;
    // A test looks at the journal while cnfctl stands still: everything recorded is on disk.
    journal_.flush();
    fmt::print(stderr, "cnfctl: test pause at {} (pid {})\n", point, ::getpid());
    std::fflush(stderr);
    ::raise(SIGSTOP);
  }

  void create(const plan::PlannedContainer& c) {
    auto& engine = env_.engine_of(c);
    // The static launcher is this machine's program: for containers on this machine.
    const bool local = nf::is_local_node(env_.context_of(c).node);
    const auto spec = container_spec(c, local ? launcher_binary_ : std::string());
    step(c, Step::kAcquire, [&] { engine.acquire(spec, true); });
    step(c, Step::kCreate, [&] { engine.create(spec); });
    progress_.say(c.name, "container running");
    step(c, Step::kPrepare, [&] { env_.driver_of(c).prepare(env_.context_of(c)); });
    step(c, Step::kFiles, [&] {
      for (const auto& f : c.nf.files) engine.copy_in(c.id, f.guest_path, f.content, 0644);
    });
    if (!c.nf.files.empty())
      progress_.say(c.name, fmt::format("{} file(s) written", c.nf.files.size()));
  }

  void start(const plan::PlannedContainer& c) {
    auto& driver = env_.driver_of(c);
    const auto ctx = env_.context_of(c);
    // The NF gets the CPU before the pollers already running beside it until it is ready.
    auto priority = nf::CpuPriority::raise(ctx);
    const auto started = Clock::now();
    // The NF's pid inside its container, as start() learnt it, is journalled with the step's
    // done; for `ps --json` and post-mortems. Unknown (nullopt) is not a failure: readiness
    // decides.
    std::optional<int> pid;
    step(
        c, Step::kStart, [&] { pid = driver.start(ctx); },
        [&](ContainerRecord& r) {
          if (pid) r.nf_pid = *pid;
        });
    progress_.say(c.name, "NF started");
    long long after = 0;
    step(
        c, Step::kReady,
        [&] {
          wait_ready(c, driver, ctx, started);
          after = progress_.elapsed().count();
        },
        [&](ContainerRecord& r) { r.ready_after = after; });
    priority.restore();
    progress_.say(
        c.name,
        fmt::format("ready ({} ms after NF start)",
                    std::chrono::duration_cast<milliseconds>(Clock::now() - started).count()));
  }

  void wait_ready(const plan::PlannedContainer&, nf::NfDriver& driver, const nf::NfContext& ctx,
                  Clock::time_point started) {
    bool ready = run::wait_ready(driver, ctx, options_.timeout_ready, started, [&](milliseconds d) {
      std::unique_lock lock(mutex_);
      return !cv_.wait_for(lock, d, [&] { return stopping_; });
    });
    if (!ready) throw Cancelled{};
  }

  const std::string launcher_binary_ = nf::launcher_binary();
  JournalFile& journal_;
  RunEnvironment& env_;
  const UpOptions& options_;
  Progress& progress_;
  const plan::Plan plan_;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, Phase> phase_;
  std::map<std::string, std::string> steps_;
  std::map<std::string, std::size_t> node_in_flight_;
  std::map<int, std::size_t> unready_of_stage_;  // containers not ready yet, by start stage
  std::size_t in_flight_ = 0;
  std::size_t ready_ = 0;
  bool stopping_ = false;
  std::optional<Failure> failure_;
  std::atomic<bool> paused_{false};
};

std::string cpus_text(const std::vector<int>& cpus) {
  return cpus.empty() ? "-" : cpu::format_cpu_list(cpus);
}

}  // namespace

std::size_t default_node_jobs(topology::EngineKind engine, std::size_t jobs) {
  return engine == topology::EngineKind::kPodman ? std::min<std::size_t>(jobs, 4) : jobs;
}

UpResult bring_up(JournalFile& journal, RunEnvironment& env, RunLock& lock,
                  const UpOptions& options, Progress& progress) {
  Scheduler scheduler(journal, env, options, progress);
  // Declared after the scheduler it calls, so it is destroyed (its thread joined) first.
  std::unique_ptr<InterruptWatch> watch;
  if (options.handle_signals) {
    watch = std::make_unique<InterruptWatch>([&scheduler] { scheduler.stop(); });
  }
  auto interrupted = [&] { return watch && watch->interrupted(); };
  const auto& plan = scheduler.plan();
  const auto run = plan.run;

  std::optional<Failure> setup_failure;
  // The run-wide pause points: "journal" / "journal:done" (the journal is written: one point,
  // both spellings) and "dirs" / "dirs:done" (around making the node dirs).
  auto pause_once = [&](const std::string& point) {
    if (options.pause_at == point || options.pause_at == point + ":done") {
      fmt::print(stderr, "cnfctl: test pause at {} (pid {})\n", options.pause_at, ::getpid());
      std::fflush(stderr);
      ::raise(SIGSTOP);
    }
  };
  pause_once("journal");
  try {
    env.prepare_nodes();
    if (options.pause_at == "dirs") pause_once("dirs");
    // Recorded as attempted before the mkdir, created right after it: `down` removes exactly
    // what this run made (run_environment.h). A run without node dirs (command NFs) writes
    // neither: two rewrites of journal.json with their fsyncs saved.
    const bool any_dirs = !journal.snapshot().node_dirs.empty();
    if (any_dirs) {
      journal.update([](Journal& j) {
        for (auto& d : j.node_dirs) d.attempted = true;
      });
    }
    const auto dirs = journal.snapshot().node_dirs;
    std::vector<std::pair<NodeDir, RunEnvironment::DirOutcome>> outcomes;
    auto record = [&] {
      if (!any_dirs) return;
      journal.update([&](Journal& j) {
        for (const auto& [dir, what] : outcomes) {
          for (auto& d : j.node_dirs) {
            if (d.node != dir.node || d.path != dir.path) continue;
            d.created = what == RunEnvironment::DirOutcome::kCreated;
            d.attempted = what != RunEnvironment::DirOutcome::kExisted;
          }
        }
      });
    };
    try {
      env.make_dirs(dirs, [&](const NodeDir& dir, RunEnvironment::DirOutcome what) {
        outcomes.emplace_back(dir, what);
      });
    } catch (...) {
      record();
      throw;
    }
    record();
    const auto created = std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) {
      return o.second == RunEnvironment::DirOutcome::kCreated;
    });
    if (!dirs.empty()) progress.say(run, fmt::format("{} node dir(s) created", created));
    const auto veths = journal.snapshot().node_veths;
    env.make_veths(veths);
    for (const auto& v : veths) {
      progress.say(v.node, fmt::format("veth {} {} made", v.host_if, v.host_ip4));
    }
    if (options.pause_at == "dirs:done") pause_once("dirs:done");
  } catch (const std::exception& e) {
    setup_failure = Failure{"", "prepare nodes", e.what()};
  }
  if (!setup_failure) scheduler.run(interrupted);

  const auto& failure = setup_failure ? setup_failure : scheduler.failure();
  if (!failure && !interrupted()) {
    journal.update_state("up");
    UpResult result;
    result.run = run;
    result.elapsed = progress.elapsed();
    result.ssh_connections = env.ssh_connections();
    const auto snapshot = journal.snapshot();
    for (const auto& c : plan.containers) {
      const auto& record = snapshot.containers.at(c.name);
      result.containers.push_back({c.name, c.id, c.node, std::string(topology::to_string(c.engine)),
                                   cpus_text(c.cpus), std::string(topology::to_string(c.nf.kind)),
                                   "ready", record.ready_after.value_or(0)});
    }
    return result;
  }

  // Failure or interruption: report, then roll back everything the journal says may exist.
  journal.update_state("failed");
  std::string what;
  if (failure) {
    const auto* c = failure->container.empty() ? nullptr : plan.find(failure->container);
    what = c ? fmt::format("container {} (node {}), step {}", c->name, c->node, failure->step)
             : failure->step;
    // The error itself is printed once, by whoever reports the exception thrown below.
    fmt::print(stderr, "cnfctl: up of run {} failed at {}; rolling back\n", run, what);
    if (c) {
      const auto snapshot = journal.snapshot();
      auto it = snapshot.containers.find(c->name);
      if (it != snapshot.containers.end() && it->second.done(Step::kCreate)) {
        auto tail = nf::nf_log_tail(env.engine_of(*c), c->id, 20);
        fmt::print(stderr, "NF log of {} ({}), last lines:\n{}\n", c->name, nf::kNfLogGuestPath,
                   tail.empty() ? "  (empty)" : tail);
      }
    }
  } else {
    what = fmt::format("signal {} ({})", watch->signal(), strsignal(watch->signal()));
    fmt::print(stderr, "cnfctl: up of run {} interrupted by {}\n", run, what);
  }
  std::fflush(stderr);
  progress.say(run, "rolling back");
  auto teardown = tear_down(journal.snapshot(), env, progress, options.jobs);
  if (teardown.errors.empty()) {
    lock.remove_run();
    mark_run_down(run);  // a later `cnfctl down` says "already down" (exit 0)
    throw Error(fmt::format("up of run {} failed ({}){}; rolled back, nothing is left", run,
                            failure ? what : "interrupted by " + what,
                            failure ? ": " + failure->error : ""));
  }
  journal.update_state("rollback-failed");
  std::string errors;
  for (const auto& e : teardown.errors) errors += "\n  " + e;
  throw Error(
      fmt::format("up of run {} failed ({}) and the rollback did not remove everything "
                  "(the journal is kept; run `cnfctl down {}`):{}",
                  run, failure ? what : "interrupted by " + what, run, errors));
}

std::string summary_text(const UpResult& result) {
  std::vector<std::vector<std::string>> rows = {
      {"CONTAINER", "NODE", "CPUS", "NF", "STATE", "READY-AFTER"}};
  for (const auto& c : result.containers) {
    rows.push_back({c.name, c.node, c.cpus, c.nf, c.state, fmt::format("{} ms", c.ready_after_ms)});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  out += fmt::format("run {} is up: {} container(s) in {} ms\n", result.run,
                     result.containers.size(), result.elapsed.count());
  for (const auto& [node, count] : result.ssh_connections) {
    out += fmt::format("node {}: {} SSH connection(s)\n", node, count);
  }
  return out;
}

nlohmann::json summary_json(const UpResult& result) {
  nlohmann::json j;
  j["run"] = result.run;
  j["elapsed_ms"] = result.elapsed.count();
  j["ssh_connections"] = result.ssh_connections;
  j["containers"] = nlohmann::json::array();
  for (const auto& c : result.containers) {
    j["containers"].push_back({{"name", c.name},
                               {"id", c.id},
                               {"node", c.node},
                               {"engine", c.engine},
                               {"cpus", c.cpus},
                               {"nf", c.nf},
                               {"state", c.state},
                               {"ready_after_ms", c.ready_after_ms}});
  }
  return j;
}

}  // namespace cnfctl::run
