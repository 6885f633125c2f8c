// Stopping an NF from the node when the node is this machine: its processes found in /proc by
// the container's pid namespace and signalled through pidfds, instead of an engine exec of
// stop_detached()'s script (a runtime process, its re-executed init in the container, a shell
// and a `sleep` per 10 ms look; 60-80 ms of a loaded machine per stop, before the NF even got
// its SIGTERM; issue 12).
#pragma once

#include <chrono>
#include <string>

#include "nf/driver.h"

namespace cnfctl::nf {

/// Stops the context's NF as stop_detached() does: SIGTERM to the process the container knows as
/// `pid` (> 0) and to every process of the container but its init whose name (comm) is the
/// basename of `match_argv0` (not empty), SIGKILL to what still runs after `grace`, a wait for
/// their end, and kNfPidGuestPath removed. From the node on this machine; through
/// stop_detached() on any other node, or when this machine cannot see the container's processes
/// (no init pid, no pidfds). Does nothing when nothing matches. Throws cnfctl::Error (located at
/// the container) when a process survives SIGKILL, and stop_detached()'s errors.
void stop_nf(const NfContext& ctx, int pid, const std::string& match_argv0,
             std::chrono::milliseconds grace);

}  // namespace cnfctl::nf
