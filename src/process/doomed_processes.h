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

/// The pids of this machine's processes that are about to end on their own, not listing zombies:
///  - those with SIGKILL pending (not yet acted on) whose command line holds one of `needles`
///    (non-empty) in one of its words;
///  - every `runc init` whose parent is no runc: what a killed `runc run` leaves setting up a
///    container. It ends when it next talks to its parent, and until then it may still make
///    the container's mount points, which `down` had removed (a container dir holding only
///    `rootfs` after a kill test's `down`). It names no container, so any is listed, except one
///    parked opening its exec FIFO (wchan wait_for_partner): made, and waiting for a `start`
///    that will not come, it does nothing until the container's removal ends it.
/// Never throws: an unreadable /proc lists nothing.
std::vector<int> doomed_processes(const std::vector<std::string>& needles);

/// True when `cmdline` (NUL-separated) is a runc's init (`runc init`, any path to runc) and
/// `parent_cmdline` is not a runc's. Exposed for tests.
bool orphaned_runc_init(const std::string& cmdline, const std::string& parent_cmdline);

/// Waits until no process of `pids` exists any more (a zombie counts as gone), at most
/// `patience`. True when all are gone. Never throws.
bool wait_until_gone(const std::vector<int>& pids, std::chrono::milliseconds patience);

/// True when /proc/PID/status text `status` shows SIGKILL pending for the thread (SigPnd) or
/// the process (ShdPnd). Exposed for tests.
bool kill_pending(const std::string& status);

}  // namespace cnfctl::process
