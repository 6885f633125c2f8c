// Processes of this machine that are about to die: what a killed cnfctl leaves running for a
// moment.
//
// Every child cnfctl starts gets SIGKILL when the thread that started it dies
// (PR_SET_PDEATHSIG), but a child acts on it only when it leaves the system call it is in: a
// `runc run` inside mkdir() of a cgroup finishes that mkdir first. On a loaded machine that can
// be after a `down` started right after the kill has already cleaned up, and leaves a cgroup
// behind. So `down` first waits for such processes of its run.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace cnfctl::process {

/// The pids of this machine's processes that have SIGKILL pending (not yet acted on) and whose
/// command line holds one of `needles` (non-empty) in one of its words. Zombies are not listed.
/// Never throws: an unreadable /proc lists nothing.
std::vector<int> doomed_processes(const std::vector<std::string>& needles);

/// Waits until no process of `pids` exists any more (a zombie counts as gone), at most
/// `patience`. True when all are gone. Never throws.
bool wait_until_gone(const std::vector<int>& pids, std::chrono::milliseconds patience);

/// True when /proc/PID/status text `status` shows SIGKILL pending for the thread (SigPnd) or
/// the process (ShdPnd). Exposed for tests.
bool kill_pending(const std::string& status);

}  // namespace cnfctl::process
