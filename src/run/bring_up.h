// The scheduler of `up` (SPEC §11): every container's pipeline acquire → create → prepare →
// files → start → ready, all containers at once within --jobs (overall and per node), NF starts
// stage by stage (memif servers verified before their clients start), each step recorded in the
// journal before (intent) and after (done). Any failure or interruption rolls the run back.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run/journal.h"
#include "run/progress.h"
#include "run/run_environment.h"

namespace cnfctl::run {

/// The default of `up --jobs` and `down --jobs`. Measured (issue 12, oci, 2 cores, command NFs,
/// jobs 4/8/16/32): 64 containers came up in 15.6/10.0/7.6/8.4 s and 10.6/8.9/8.3/14.7 s, 16 in
/// 3.8/2.8/2.8/2.2 s and 2.6/2.2/2.0/1.9 s; down of 64 took 4.8/3.7/3.4/3.0 s. Past 16, more
/// steps in flight only queue for the same CPUs.
inline constexpr std::size_t kDefaultJobs = 16;

/// Steps in flight per node for containers of `engine` when --node-jobs is not given: at most
/// --jobs. podman: 4. Its CLI does each container's work itself and 16 `podman run` at once wait
/// for each other's storage locks: up of 16 (issue 12, 2 cores, 5 alternating ups each) took
/// 923/848/867/873/882/1049 ms with 16/8/4/6/3/2 in flight; docker's and the oci runtimes' show
/// no such knee (docker 583/561/593 ms with 16/8/4).
std::size_t default_node_jobs(topology::EngineKind engine, std::size_t jobs);

struct UpOptions {
  std::size_t jobs = kDefaultJobs;  // steps in flight overall (>= 1)
  std::size_t node_jobs = 0;        // steps in flight per node; 0: default_node_jobs()
  std::chrono::milliseconds timeout_ready{30000};  // from NF start until ready
  bool handle_signals = true;                      // SIGINT/SIGTERM roll back (InterruptWatch)
  /// Test hook (documented in README): "step" or "step:done" (steps of Step, plus "journal"
  /// after the first journal write and "dirs:done") makes `up` stop itself with SIGSTOP the
  /// first time any container gets there. Empty: never. Default: $CNFCTL_TEST_PAUSE_AT.
  std::string pause_at;
  /// Called (test doubles) with "container step" as each step begins; may throw to inject a
  /// failure. Empty: nothing.
  std::function<void(const std::string& container, Step step)> before_step;
};

struct ContainerSummary {
  std::string name;
  std::string id;
  std::string node;
  std::string engine;
  std::string cpus;  // "0-1", "-" when not pinned
  std::string nf;
  std::string state;             // "ready"
  long long ready_after_ms = 0;  // from the start of `up`
};

struct UpResult {
  std::string run;
  std::vector<ContainerSummary> containers;
  std::chrono::milliseconds elapsed{0};
  /// SSH master connections opened per remote node during the whole `up` (survey included).
  std::map<std::string, std::size_t> ssh_connections;
};

/// Brings the run of `journal` up in `env`. The journal must hold the plan, engines and node
/// dirs with no container touched. On success the journal's state is "up"; each container's
/// record holds the NF's pid inside its container (nf_pid, as start() returned it; absent when
/// unknown). On any failure or SIGINT/SIGTERM (when
/// options.handle_signals): prints the failing container, step, error and NF log tail (or
/// "interrupted by signal N") to stderr, lets the steps in flight end, rolls everything back
/// (tear_down), and throws cnfctl::Error saying what failed or which signal arrived and whether
/// the rollback was complete. An interruption is a failure like any other: exit code 1 (SPEC
/// §11 knows 0, 1 and 2; there is no 128+signal code). When nothing is left the run is removed
/// (lock.remove_run()) and marked down (run_down_at), so `down` says it is already down; else
/// the journal stays in state "rollback-failed" for `cnfctl down`.
UpResult bring_up(JournalFile& journal, RunEnvironment& env, RunLock& lock,
                  const UpOptions& options, Progress& progress);

/// The summary table (CONTAINER NODE CPUS NF STATE READY-AFTER) as text.
std::string summary_text(const UpResult& result);
nlohmann::json summary_json(const UpResult& result);

}  // namespace cnfctl::run
