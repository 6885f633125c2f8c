// Tearing a run down from its journal: the rollback of a failed `up` and `cnfctl down`.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <string>
#include <vector>

#include "run/journal.h"
#include "run/progress.h"
#include "run/run_environment.h"

namespace cnfctl::run {

/// How long an NF gets between SIGTERM and SIGKILL.
inline constexpr std::chrono::milliseconds kNfStopGrace{3000};

struct TeardownResult {
  /// NFs whose start was at least intended: stopped by their driver, or (a driver that needs
  /// no stop_before_destroy) with their container.
  std::size_t nfs_stopped = 0;
  std::size_t containers_removed = 0;  // containers destroyed (their acquire was intended)
  /// Containers whose acquire was intended but whose create never was, left alone because their
  /// engine's daemon cannot be reached (see the rule at tear_down()).
  std::size_t containers_never_created = 0;
  std::size_t dirs_removed = 0;
  std::vector<std::string> errors;  // "container nf1: destroy: ..."; empty: nothing is left
};

/// True when `error` says that an engine's daemon cannot be reached (docker's CLI gets no answer
/// on its socket: DockerEngine::check_daemon's "daemon is not reachable"). Engines have no typed
/// error for it, so this reads the message. Engines without a daemon (oci, lxc, podman) never
/// say it. Never throws.
bool is_daemon_unreachable(const std::exception& error);

/// Removes everything `journal` says this run created or may have created (intent recorded):
/// stops the NFs that need it stage by stage (servers first), destroys the containers, runs every
/// driver's cleanup, removes the run's node directories. Every step is idempotent (destroying a
/// container that does not exist succeeds) and runs even when an earlier one failed; failures
/// are collected in the result, never thrown. Does not touch the journal file.
///
/// What may exist of a container, by its journal record, and what an engine whose daemon
/// cannot be reached (is_daemon_unreachable) means for it:
///  - acquire not intended: nothing; it is not touched at all.
///  - acquire intended or done, create not intended: no container. Acquire only fills the
///    engine's caches (pulled or imported images, docker's host skeleton image, all kept on
///    purpose) or, for oci/lxc, a rootfs, and those engines have no daemon. The container
///    itself is made by create (`docker run`). So when its destroy fails because the daemon is
///    unreachable, it counts as never created (containers_never_created) and is no error: the
///    rollback and `down` finish and the journal can go.
///  - create intended or done: the daemon may have made the container (it may have received
///    `run` and gone away afterwards), so an unreachable daemon is an error ("... it may exist")
///    and the caller keeps the journal; `down` succeeds once the daemon answers again.
/// NF stops and NF cleanups are unaffected: an NF stop is only tried when start was intended
/// (so create was done), and cleanups act on the node, not through the daemon.
///
/// Nodes first: every node is connected once, in parallel (RunEnvironment::unreachable_nodes).
/// A node that cannot be reached gets one error naming it; its containers and directories are
/// not touched, so the caller keeps the journal and a later `down` finishes the job.
TeardownResult tear_down(const Journal& journal, RunEnvironment& env, Progress& progress,
                         std::size_t jobs);

}  // namespace cnfctl::run
