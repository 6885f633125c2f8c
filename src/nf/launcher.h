// The NF launcher: the container's own init starts the NF, released from the node, instead of an
// engine exec doing it.
//
// An engine exec (`runc exec`, `docker exec`, `lxc-attach`) costs a runtime process, its
// re-executed init in the container's namespaces and the shell it runs: more CPU than creating
// the container (issue 12). So the container is created with the launcher as its command: a
// FIXED shell script whose data (log and pid paths, the NF's environment and argv) travel as
// positional parameters. It catches SIGUSR1 and idles. cnfctl releases it when the NF's start
// stage opens by sending SIGUSR1 to the container's init from the node; the launcher then starts
// the NF exactly as start_detached()'s script does (umask 027, stdin /dev/null, output appended
// to kNfLogGuestPath, pid written to kNfPidGuestPath), ignores SIGUSR1 from then on, and stays
// the idle init that reaps, exiting 0 on SIGTERM/SIGINT like engine::kIdleCommand.
//
// The launcher is the container's init, or the child of the engine's init wrapper (docker and
// podman `--init`). The node tells its state from /proc: its cmdline names kLauncherName, and
// SigCgt/SigIgn say whether SIGUSR1 is caught (waiting: release it), ignored (it launched
// already: a second start, `restart`, uses an exec) or neither yet (the shell is still starting:
// wait; a signal sent before the handler exists would be dropped, as for any namespace init).
// The exec path stays for every case the launcher cannot serve: an SSH node (its /proc is not
// this machine's), a restart, a container made by another cnfctl version.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nf/driver.h"

namespace cnfctl::nf {

/// The launcher's $0: how the node recognises a container whose init is the launcher.
inline constexpr const char* kLauncherName = "cnfctl-launcher";

/// The container command that launches `argv` with `env` added to the container's environment
/// once released. Empty when `argv` is empty (the container then gets the engine's idle init).
/// Never fails; `env` names must be valid environment names (the plan checked them).
std::vector<std::string> launcher_command(const std::vector<std::string>& argv,
                                          const std::map<std::string, std::string>& env);

/// Starts the context's NF (its plan argv and env): through the launcher when the container's
/// init is an unused launcher on this machine, else with start_detached(). Returns the NF's pid
/// inside its container. Throws cnfctl::Error located at the container when neither works
/// (start_detached()'s errors; "the launcher did not start the NF within S s").
int start_nf(const NfContext& ctx);

/// The launcher half of start_nf(): nullopt when the launcher cannot serve this start (not a
/// local node, no running init, its init is not the launcher, or it launched already). Exposed
/// for tests.
std::optional<int> release_launcher(const NfContext& ctx, std::chrono::milliseconds deadline);

}  // namespace cnfctl::nf
