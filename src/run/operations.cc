#include "run/operations.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/names.h"
#include "nf/detached.h"
#include "nf/nf_process.h"
#include "process/doomed_processes.h"
#include "run/bring_up.h"
#include "run/readiness.h"
#include "run/run_environment.h"

namespace cnfctl::run {

namespace {

// What a cnfctl killed a moment ago left running on this machine: its engine commands (runc,
// docker, lxc-*, ssh) for the run's containers, SIGKILL pending but still inside a system call
// (process/doomed_processes.h). Cleaning up before they are gone races them: a `runc run` that
// finishes its mkdir of a cgroup after down removed the others leaves it behind.
void wait_for_a_killed_command(const Journal& journal, Progress& progress) {
  std::vector<std::string> ids;
  for (const auto& c : journal.plan.containers) ids.push_back(c.id);
  const auto doomed = process::doomed_processes(ids);
  if (doomed.empty()) return;
  progress.say(journal.run,
               fmt::format("waiting for {} process(es) of a killed cnfctl to end", doomed.size()));
  if (!process::wait_until_gone(doomed, std::chrono::seconds(10))) {
    progress.say(journal.run, "they still run after 10 s; going on");
  }
}

}  // namespace

DownResult down_run(const std::string& run, Progress& progress, std::size_t jobs) {
  require_safe_name(run, "run name", "run");
  if (!JournalFile::exists(run)) {
    RunLock::remove_if_abandoned(run);
    if (auto when = run_down_at(run)) return DownResult{run, {}, *when};
  }
  RunLock lock(run, false);
  auto stopping = JournalFile::read(run);
  wait_for_a_killed_command(stopping, progress);
  stopping.state = "stopping";
  JournalFile journal(std::move(stopping));  // one rewrite: a new log, any torn line dropped
  RunEnvironment env(journal.snapshot().engines, journal.snapshot().nodes);
  DownResult result{run, tear_down(journal.snapshot(), env, progress, jobs), ""};
  if (!result.teardown.errors.empty()) {
    journal.update_state("down-failed");
    std::string errors;
    for (const auto& e : result.teardown.errors) errors += "\n  " + e;
    throw Error(
        fmt::format("down of run {} did not remove everything (the journal is kept; run "
                    "`cnfctl down {}` again):{}",
                    run, run, errors));
  }
  lock.remove_run();
  mark_run_down(run);
  return result;
}

RunStatus run_status(const std::string& run, std::chrono::milliseconds probe_timeout) {
  const auto journal = JournalFile::read(run);
  RunEnvironment env(journal.engines, journal.nodes);
  RunStatus status{run, journal.source, journal.state, journal.started_at, {}};
  const auto& containers = journal.plan.containers;
  status.containers.resize(containers.size());
  // One connection attempt per node, not one per container.
  const auto unreachable = env.unreachable_nodes();
  for_each_parallel(containers.size(), 8, [&](std::size_t i) {
    const auto& c = containers[i];
    auto& s = status.containers[i];
    s.name = c.name;
    s.id = c.id;
    s.node = c.node;
    s.engine = std::string(topology::to_string(c.engine));
    s.nf = std::string(topology::to_string(c.nf.kind));
    if (auto r = journal.containers.find(c.name); r != journal.containers.end()) {
      s.nf_pid = r->second.nf_pid;
    }
    if (auto down = unreachable.find(c.node); down != unreachable.end()) {
      s.state = "unreachable";
      s.nf_detail = down->second;
      return;
    }
    try {
      auto info = env.engine_of(c).inspect(c.id);
      s.state = info.present ? info.state : "absent";
      s.running = info.running;
      auto it = journal.containers.find(c.name);
      bool started = it != journal.containers.end() && it->second.touched(Step::kStart);
      if (s.running && started) {
        auto r = env.driver_of(c).probe(env.context_of(c), probe_timeout);
        s.nf_ready = r.ready;
        s.nf_detail = r.detail;
      }
    } catch (const std::exception& e) {
      if (s.state.empty()) s.state = "unknown";
      s.nf_detail = e.what();
    }
  });
  return status;
}

nlohmann::json status_json(const std::vector<RunStatus>& runs) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : runs) {
    nlohmann::json run = {{"run", r.run},
                          {"source", r.source},
                          {"state", r.state},
                          {"started_at", r.started_at},
                          {"containers", nlohmann::json::array()}};
    for (const auto& c : r.containers) {
      run["containers"].push_back(
          {{"name", c.name},
           {"id", c.id},
           {"node", c.node},
           {"engine", c.engine},
           {"nf", c.nf},
           {"state", c.state},
           {"running", c.running},
           {"nf_ready", c.nf_ready ? nlohmann::json(*c.nf_ready) : nlohmann::json(nullptr)},
           {"nf_detail", c.nf_detail},
           {"nf_pid", c.nf_pid ? nlohmann::json(*c.nf_pid) : nlohmann::json(nullptr)}});
    }
    j.push_back(std::move(run));
  }
  return j;
}

// The widest NF-READY reason shown inside the `ps` table.
constexpr std::size_t kMaxCellWidth = 60;

std::string status_text(const std::vector<RunStatus>& runs) {
  if (runs.empty()) return "no runs\n";
  std::string out;
  for (const auto& r : runs) {
    if (!out.empty()) out += "\n";
    out +=
        fmt::format("run {} ({}, from {}, started {})\n", r.run, r.state, r.source, r.started_at);
    std::vector<std::vector<std::string>> rows = {
        {"CONTAINER", "NODE", "ENGINE", "STATE", "NF", "NF-READY"}};
    // A cell holds one short line; a longer reason (often an NF log tail) follows the table.
    std::vector<const ContainerStatus*> details;
    for (const auto& c : r.containers) {
      std::string ready = "-";
      if (c.nf_ready && *c.nf_ready) ready = "yes";
      if (c.nf_ready && !*c.nf_ready) {
        const auto line = c.nf_detail.substr(0, c.nf_detail.find('\n'));
        const bool whole = line.size() == c.nf_detail.size() && line.size() <= kMaxCellWidth;
        ready =
            "no: " + (line.size() > kMaxCellWidth ? line.substr(0, kMaxCellWidth) + "..." : line);
        if (!whole) {
          ready += " (see below)";
          details.push_back(&c);
        }
      }
      rows.push_back({c.name, c.node, c.engine, c.state, c.nf, ready});
    }
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
      for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    for (const auto& row : rows) {
      std::string line = "  ";
      for (std::size_t i = 0; i < row.size(); ++i) {
        line += row[i];
        if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
      }
      out += line + "\n";
    }
    for (const auto* c : details) {
      out += fmt::format("  {} is not ready:\n", c->name);
      std::istringstream lines(c->nf_detail);
      for (std::string line; std::getline(lines, line);) out += "    " + line + "\n";
    }
  }
  return out;
}

std::vector<std::string> restart_set(const plan::Plan& plan, const std::string& container) {
  if (!plan.find(container)) {
    throw Error::bad_input("container " + container,
                           fmt::format("run {} has no container called {}", plan.run, container));
  }
  // The memif-connected component of `container`: a restarted server drops its clients' links
  // (a client never reconnects), and a client that goes away can take its server down with it
  // (testpmd), so everything linked, directly or not, restarts, servers stopped first.
  std::set<std::string> chosen{container};
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& c : plan.containers) {
      for (const auto& l : c.links) {
        const bool in = chosen.count(c.name) != 0;
        const bool peer_in = chosen.count(l.peer) != 0;
        if (in != peer_in && !l.peer.empty() && plan.find(l.peer)) {
          chosen.insert(c.name);
          chosen.insert(l.peer);
          grew = true;
        }
      }
    }
  }
  std::vector<std::string> ordered;
  for (const auto& c : plan.containers) {
    if (chosen.count(c.name)) ordered.push_back(c.name);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [&](const auto& a, const auto& b) {
    return plan.find(a)->start_stage < plan.find(b)->start_stage;
  });
  return ordered;
}

void restart_run(const std::string& run, const std::optional<std::string>& container,
                 std::chrono::milliseconds timeout_ready, Progress& progress) {
  RunLock lock(run, false);
  JournalFile journal_file(JournalFile::read(run));
  const auto journal = journal_file.snapshot();
  const auto& plan = journal.plan;
  std::vector<std::string> names;
  if (container) {
    names = restart_set(plan, *container);
  } else {
    for (const auto& c : plan.containers) names.push_back(c.name);
  }
  RunEnvironment env(journal.engines, journal.nodes);
  std::set<int> stages;
  for (const auto& n : names) stages.insert(plan.find(n)->start_stage);
  auto of_stage = [&](int stage) {
    std::vector<const plan::PlannedContainer*> which;
    for (const auto& n : names) {
      if (plan.find(n)->start_stage == stage) which.push_back(plan.find(n));
    }
    return which;
  };

  std::mutex mutex;
  std::vector<std::string> errors;
  // Stop: servers (low stages) first, as for down.
  for (int stage : stages) {
    auto which = of_stage(stage);
    for_each_parallel(which.size(), kDefaultJobs, [&](std::size_t i) {
      try {
        env.driver_of(*which[i]).stop(env.context_of(*which[i]), kNfStopGrace);
        progress.say(which[i]->name, "NF stopped");
      } catch (const std::exception& e) {
        std::lock_guard guard(mutex);
        errors.push_back(fmt::format("container {}: stop: {}", which[i]->name, e.what()));
      }
    });
  }
  if (!errors.empty())
    throw Error("restart failed:\n  " + fmt::format("{}", fmt::join(errors, "\n  ")));
  // Start stage by stage; a stage starts only when the previous one is ready.
  for (int stage : stages) {
    auto which = of_stage(stage);
    for_each_parallel(which.size(), kDefaultJobs, [&](std::size_t i) {
      const auto& c = *which[i];
      try {
        auto& driver = env.driver_of(c);
        auto ctx = env.context_of(c);
        driver.prepare(ctx);
        const auto started = std::chrono::steady_clock::now();
        // The new NF's pid replaces the old one in the journal (`ps --json`).
        const auto pid = driver.start(ctx);
        journal_file.update_container(c.name, [&](ContainerRecord& r) { r.nf_pid = pid; });
        wait_ready(driver, ctx, timeout_ready, started, [](std::chrono::milliseconds d) {
          std::this_thread::sleep_for(d);
          return true;
        });
        progress.say(c.name, "NF ready again");
      } catch (const std::exception& e) {
        auto tail = nf::nf_log_tail(env.engine_of(c), c.id, 20);
        std::lock_guard guard(mutex);
        errors.push_back(fmt::format("container {}: {}{}", c.name, e.what(),
                                     tail.empty() ? "" : "\n  NF log:\n" + tail));
      }
    });
    if (!errors.empty()) {
      throw Error(fmt::format("restart of run {} failed:\n  {}", run, fmt::join(errors, "\n  ")));
    }
  }
}

}  // namespace cnfctl::run
