// LocalRunner: runs argv commands on this machine, many at once from one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "process/runner.h"

namespace cnfctl::process {

/// Runs commands as child processes of cnfctl, never through a shell.
///
/// Each child leads its own process group, dies with SIGKILL if the thread that started it dies
/// (PR_SET_PDEATHSIG; grandchildren do not inherit that), and inherits no descriptor but its
/// stdin (a pipe fed with Command::stdin_bytes, or /dev/null), stdout and stderr (pipes whose
/// tails are kept). When the deadline passes, the whole process group is killed with SIGKILL.
/// When the leader has exited but processes of its group still hold stdout or stderr open after
/// kLeftoverGrace, they are killed too, so a stray background process never makes a call hang;
/// group members that closed those pipes (daemons) are left alone.
///
/// run_all() drives all children from the calling thread with one poll() loop (like ninja's
/// SubprocessSet): pidfds tell when a leader exits, pipes when output arrives. No signal handler
/// is installed; SIGPIPE is blocked only in the calling thread while it writes stdin. Several
/// threads may call run() / run_all() at the same time.
class LocalRunner : public Runner {
 public:
  /// How long output pipes may stay open after the leader exited before their holders are
  /// killed.
  static constexpr std::chrono::milliseconds kLeftoverGrace{200};

  /// Runs one command to completion. Never throws for a failing command: a command that cannot
  /// be started gives Status::kFailedToStart with the errno of the failing step. Throws
  /// cnfctl::Error only if poll() itself fails (after killing and reaping the child).
  Outcome run(const Command& command) override;

  /// Runs `commands` with at most `parallel` alive at once (0: all), returning their outcomes in
  /// the same order. Failures are reported per command as in run(); throws cnfctl::Error only if
  /// poll() itself fails, after killing and reaping every running child.
  std::vector<Outcome> run_all(const std::vector<Command>& commands,
                               std::size_t parallel = 0) override;

  /// Returns "local".
  std::string name() const override { return "local"; }
};

}  // namespace cnfctl::process
