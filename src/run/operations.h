// What the other run commands do, from the journal and the engines alone: down, status,
// restart, and finding a run's containers for exec and logs.
#pragma once

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "run/journal.h"
#include "run/progress.h"
#include "run/tear_down.h"

namespace cnfctl::run {

struct DownResult {
  std::string run;
  TeardownResult teardown;
  std::string already_down_at;  // not empty: the run was torn down before, nothing was done
};

/// Tears `run` down from its journal (after a crash too) and removes the journal when nothing
/// is left. A run already torn down returns at once with already_down_at set. Throws
/// Error::bad_input for an unknown run or a busy one; cnfctl::Error (exit 1) listing what could not
/// be removed (the journal is then kept for another try).
DownResult down_run(const std::string& run, Progress& progress, std::size_t jobs);

struct ContainerStatus {
  std::string name;
  std::string id;
  std::string node;
  std::string engine;
  std::string nf;
  std::string state;  // the engine's word, "absent" when the engine has none, "unreachable"
                      // when its node cannot be reached (nf_detail says why)
  bool running = false;
  std::optional<bool> nf_ready;  // nullopt: not probed (container not running)
  std::string nf_detail;
  std::optional<int> nf_pid;  // the journal's: the NF's pid inside the container, once started
};

struct RunStatus {
  std::string run;
  std::string source;
  std::string state;  // the journal's: "starting", "up", "failed", ...
  std::string started_at;
  std::vector<ContainerStatus> containers;
};

/// The status of `run`: the journal's view plus each engine's (inspect) and, for running
/// containers, one NF probe each (bounded by `probe_timeout`). Throws Error::bad_input for an
/// unknown run; never throws for a container the engine cannot see (state "absent").
RunStatus run_status(const std::string& run, std::chrono::milliseconds probe_timeout);
nlohmann::json status_json(const std::vector<RunStatus>& runs);
std::string status_text(const std::vector<RunStatus>& runs);

/// The containers `restart` of `container` must restart: every container memif-linked to it,
/// directly or not (a restarted server drops its clients' links and clients never reconnect; a
/// client going away can take a testpmd server down), in start-stage order. Throws Error::bad_input
/// for a container not in the plan.
std::vector<std::string> restart_set(const plan::Plan& plan, const std::string& container);

/// Restarts the NFs of `run` (all, or restart_set(container)): stops them servers first,
/// then stage by stage prepare → start (recording the new NF pid in the journal) → probe until
/// ready or `timeout_ready`. Throws
/// Error::bad_input for an unknown run or container; cnfctl::Error with the NF log tail when an
/// NF does not come back.
void restart_run(const std::string& run, const std::optional<std::string>& container,
                 std::chrono::milliseconds timeout_ready, Progress& progress);

}  // namespace cnfctl::run
