#include "run/tear_down.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <set>
#include <thread>

#include "common/error.h"
#include "nf/cpu_priority.h"

namespace cnfctl::run {
namespace {

// Lets a container's destroy through once the NFs of its start stage are stopped (stages stop in
// ascending order).
class StageGate {
 public:
  void open_through(int stage) {
    std::lock_guard lock(mutex_);
    open_through_ = std::max(open_through_, stage);
    cv_.notify_all();
  }
  void open_all() { open_through(std::numeric_limits<int>::max()); }
  void wait_for(int stage) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return open_through_ >= stage; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int open_through_ = std::numeric_limits<int>::min();
};

// Runs `work` on each container of `which`, in parallel, collecting errors as "container X:
// <what>: <error>". Containers that fail with the same text (a daemon that is gone says the same
// long hint for every container) make one error: "containers X, Y: <what>: <error>".
void each_container(const std::vector<const plan::PlannedContainer*>& which, std::size_t jobs,
                    const std::string& what, std::vector<std::string>& errors,
                    const std::function<void(const plan::PlannedContainer&)>& work) {
  std::mutex mutex;
  std::vector<std::string> failed(which.size());
  for_each_parallel(which.size(), jobs, [&](std::size_t i) {
    try {
      work(*which[i]);
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      // The container's own id in the text would make every error different.
      std::string text = e.what();
      for (auto at = text.find(which[i]->id); at != std::string::npos;
           at = text.find(which[i]->id, at + 4)) {
        text.replace(at, which[i]->id.size(), "<id>");
      }
      failed[i] = text;
    }
  });
  std::vector<std::pair<std::string, std::vector<std::string>>> grouped;  // error, containers
  for (std::size_t i = 0; i < which.size(); ++i) {
    if (failed[i].empty()) continue;
    auto it = std::find_if(grouped.begin(), grouped.end(),
                           [&](const auto& g) { return g.first == failed[i]; });
    if (it == grouped.end()) it = grouped.insert(grouped.end(), {failed[i], {}});
    it->second.push_back(which[i]->name);
  }
  for (auto& [text, names] : grouped) {
    if (names.size() == 1) {
      // Alone, the error keeps its container's id.
      const auto* c =
          *std::find_if(which.begin(), which.end(),
                        [&wanted = names.front()](const auto* p) { return p->name == wanted; });
      for (auto at = text.find("<id>"); at != std::string::npos; at = text.find("<id>", at)) {
        text.replace(at, 4, c->id);
      }
      errors.push_back(fmt::format("container {}: {}: {}", names.front(), what, text));
    } else {
      errors.push_back(fmt::format("containers {}: {}: {}", fmt::join(names, ", "), what, text));
    }
  }
}

}  // namespace

bool is_daemon_unreachable(const std::exception& error) {
  const std::string text = error.what();
  return text.find("daemon is not reachable") != std::string::npos;
}

TeardownResult tear_down(const Journal& journal, RunEnvironment& env, Progress& progress,
                         std::size_t jobs) {
  TeardownResult result;
  // A node that cannot be reached keeps its containers (and the journal): the caller keeps the
  // journal when errors remain, so a later `down` finishes the job.
  const auto unreachable = env.unreachable_nodes();
  for (const auto& [node, why] : unreachable) {
    const auto count = std::count_if(journal.plan.containers.begin(), journal.plan.containers.end(),
                                     [&wanted = node](const auto& c) { return c.node == wanted; });
    result.errors.push_back(fmt::format(
        "node {} ({}) cannot be reached, so its {} container(s) were not touched; they stay in "
        "the journal: run `cnfctl down {}` again once the node is reachable. {}",
        node, env.address_of(node), count, journal.run, why));
    progress.say(node, "unreachable: its containers are left for a later `down`");
  }
  auto record_of = [&](const plan::PlannedContainer& c) -> const ContainerRecord* {
    if (unreachable.count(c.node)) return nullptr;
    auto it = journal.containers.find(c.name);
    return it == journal.containers.end() ? nullptr : &it->second;
  };

  // Every container whose acquire was intended, low stages first: destroy is idempotent. An
  // unreachable daemon clears only containers whose create was never intended (tear_down.h).
  // No engine stop first: the NFs that need a graceful end have it below, and destroy kills what
  // still runs (the idle init).
  std::vector<const plan::PlannedContainer*> touched;
  for (const auto& c : journal.plan.containers) {
    const auto* r = record_of(c);
    if (r && r->touched(Step::kAcquire)) touched.push_back(&c);
  }
  std::stable_sort(touched.begin(), touched.end(),
                   [](const auto* a, const auto* b) { return a->start_stage < b->start_stage; });

  // 2. Containers, each as soon as the NFs of its stage are stopped: a stage's destroys run
  // while the next stage's NFs stop (on a shared cpu the NFs' exits and the engine's processes
  // use different cpus).
  StageGate stopped;
  std::atomic<std::size_t> removed{0};
  std::atomic<std::size_t> never_created{0};
  std::vector<std::string> destroy_errors;
  std::thread destroyer([&] {
    each_container(touched, jobs, "destroy", destroy_errors, [&](const plan::PlannedContainer& c) {
      stopped.wait_for(c.start_stage);
      const auto& record = *record_of(c);
      auto& engine = env.engine_of(c);
      try {
        engine.destroy(c.id);
      } catch (const std::exception& e) {
        if (!is_daemon_unreachable(e)) throw;
        if (record.touched(Step::kCreate)) {
          throw Error(fmt::format(
              "{} (the journal says its create was {}, so the container may exist: it stays in "
              "the journal until the daemon answers)",
              e.what(), record.done(Step::kCreate) ? "done" : "intended"));
        }
        ++never_created;
        progress.say(c.name,
                     "never created (its create was never intended) and its engine's daemon is "
                     "unreachable: nothing to remove");
        return;
      }
      ++removed;
      progress.say(c.name, "container destroyed");
    });
  });
  // Whatever happens below, the destroys are let through and waited for.
  struct Join {
    StageGate& gate;
    std::thread& thread;
    ~Join() {
      gate.open_all();
      if (thread.joinable()) thread.join();
    }
  } join{stopped, destroyer};

  // 1. NFs, stage by stage: memif servers (stage 0) stop before their clients (SPEC §6).
  std::set<int> stages;
  for (const auto& c : journal.plan.containers) stages.insert(c.start_stage);
  for (int stage : stages) {
    std::vector<const plan::PlannedContainer*> which;
    for (const auto& c : journal.plan.containers) {
      const auto* r = record_of(c);
      if (c.start_stage != stage || !r || !r->touched(Step::kStart)) continue;
      ++result.nfs_stopped;
      // An NF that needs no stop of its own dies with its container in step 2.
      if (env.driver_of(c).stop_before_destroy()) which.push_back(&c);
    }
    each_container(which, jobs, "stop NF", result.errors, [&](const plan::PlannedContainer& c) {
      const auto ctx = env.context_of(c);
      // Its exit gets the CPU before the pollers of the stages still running.
      auto priority = nf::CpuPriority::raise(ctx);
      env.driver_of(c).stop(ctx, kNfStopGrace);
      progress.say(c.name, "NF stopped");
    });
    stopped.open_through(stage);
  }
  stopped.open_all();
  destroyer.join();
  result.errors.insert(result.errors.end(), destroy_errors.begin(), destroy_errors.end());
  result.containers_removed = removed.load();
  result.containers_never_created = never_created.load();

  // 3. What NFs left on the node (DPDK runtime dirs, sockets): after the containers are gone.
  each_container(touched, jobs, "NF cleanup", result.errors, [&](const plan::PlannedContainer& c) {
    env.driver_of(c).cleanup(env.context_of(c));
  });

  // 4. Host veths (VPP's af_packet ends went with VPP; deleting one end deletes the pair).
  std::vector<NodeVeth> veths;
  for (const auto& v : journal.node_veths) {
    if (!unreachable.count(v.node)) veths.push_back(v);
  }
  auto veth_errors = env.remove_veths(veths);
  result.errors.insert(result.errors.end(), veth_errors.begin(), veth_errors.end());
  if (!veths.empty() && veth_errors.empty()) {
    progress.say(journal.run, fmt::format("{} veth pair(s) removed", veths.size()));
  }

  // 5. The run's directories on the nodes.
  std::vector<NodeDir> dirs;
  for (const auto& d : journal.node_dirs) {
    if (!unreachable.count(d.node)) dirs.push_back(d);
  }
  auto dir_errors = env.remove_dirs(dirs);
  result.dirs_removed = dirs.size() - dir_errors.size();
  result.errors.insert(result.errors.end(), dir_errors.begin(), dir_errors.end());
  if (!dirs.empty()) {
    progress.say(journal.run, fmt::format("{} node dir(s) removed", result.dirs_removed));
  }
  return result;
}

}  // namespace cnfctl::run
