// Tearing a run down from its journal: the rollback of a failed `up` and `cnfctl down`.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "run/journal.h"
#include "run/progress.h"
#include "run/run_environment.h"

namespace cnfctl::run {

/// How long an NF gets between SIGTERM and SIGKILL.
inline constexpr std::chrono::milliseconds kNfStopGrace{3000};
/// How long a container's init gets between SIGTERM and SIGKILL.
inline constexpr std::chrono::milliseconds kContainerStopGrace{2000};

struct TeardownResult {
  std::size_t nfs_stopped = 0;         // NFs whose start was at least intended
  std::size_t containers_removed = 0;  // containers whose acquire was at least intended
  std::size_t dirs_removed = 0;
  std::vector<std::string> errors;  // "container nf1: destroy: ..."; empty: nothing is left
};

/// Removes everything `journal` says this run created or may have created (intent recorded):
/// stops the NFs stage by stage (servers first), stops and destroys the containers, runs every
/// driver's cleanup, removes the run's node directories. Every step is idempotent and runs even
/// when an earlier one failed; failures are collected, never thrown. Does not touch the
/// journal file.
TeardownResult tear_down(const Journal& journal, RunEnvironment& env, Progress& progress,
                         std::size_t jobs);

}  // namespace cnfctl::run
