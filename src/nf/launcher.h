// The NF launcher: the container's own init starts the NF, released from the node, instead of an
// engine exec doing it.
//
// An engine exec (`runc exec`, `docker exec`, `lxc-attach`) costs a runtime process, its
// re-executed init in the container's namespaces and the shell it runs: more CPU than creating
// the container (issue 12). So the container is created with the launcher as its command: a
// FIXED shell script whose data (log and pid paths, the NF's environment and argv) travel as
// positional parameters. It catches SIGUSR1 and idles. cnfctl releases it when the NF's start
// stage opens by sending SIGUSR1 to the container's init from the node; the launcher then starts
// the NF exactly as start_detached()'s script does (umask 027, stdin as NfLaunch says, output
// appended to kNfLogGuestPath, pid written to kNfPidGuestPath), ignores SIGUSR1 from then on, and
// stays the idle init that reaps, exiting 0 on SIGTERM/SIGINT like engine::kIdleCommand.
//
// The launcher is the container's init, or the child of the engine's init wrapper (docker and
// podman `--init`). The node tells its state from /proc: its cmdline names kLauncherName, and
// SigCgt/SigIgn say whether SIGUSR1 is caught (waiting: release it), ignored (it launched
// already: a second start, `restart`, uses an exec) or neither yet (the shell is still starting:
// wait; a signal sent before the handler exists would be dropped, as for any namespace init).
//
// On this machine the launcher is a static program without libc (src/nf/launcher/), bind-mounted
// read-only into the container: the script costs a shell and an idle `sleep` per container, 3.7
// ms of CPU here (10 % of an `up` of 16 under runc), the program 0.1 ms. It keeps the same
// protocol: its argv[0] is kLauncherBinaryGuestPath, and it blocks SIGUSR1 (SigBlk) where the
// script catches it. The script stays for SSH nodes, whose machine may lack the program.
// The exec path stays for every case the launcher cannot serve: an SSH node (its /proc is not
// this machine's), a restart, a container made by another cnfctl version.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/container_spec.h"
#include "nf/driver.h"

namespace cnfctl::nf {

/// The launcher's $0: how the node recognises a container whose init is the launcher.
inline constexpr const char* kLauncherName = "cnfctl-launcher";

/// Where the static launcher (src/nf/launcher/cnfctl_launcher.cc) is bind-mounted, read-only,
/// in a container that uses it; its argv[0] there.
inline constexpr const char* kLauncherBinaryGuestPath = "/.cnfctl-launcher";

/// The container command that launches `nf.argv` with `nf.env` added to the container's
/// environment and `nf.stdin_kind` as its stdin once released: the launcher script. Empty when
/// the argv is empty (the container then gets the engine's idle init). Never fails; `env` names
/// must be valid environment names (the plan checked them).
std::vector<std::string> launcher_command(const NfLaunch& nf);

/// The static launcher on this machine: $CNFCTL_LAUNCHER_BINARY, else cnfctl-launcher beside
/// the running program (/proc/self/exe). Empty when that is not an executable file (another
/// architecture, a library user's program): the script serves then.
std::string launcher_binary();

/// Makes `spec` launch `nf` (its argv, env and stdin) once released
/// (spec.command_waits_for_release). `binary` not empty: the static launcher at that host path,
/// bind-mounted read-only at kLauncherBinaryGuestPath; its start costs 0.1 ms of CPU against the
/// script's shell and idle `sleep` (3.7 ms per container on this machine, issue 12). Only for a
/// container on this machine (the binary is this machine's). Empty: the script. Empty `argv`: the
/// engine's idle init, no launcher.
void use_launcher(engine::ContainerSpec& spec, const NfLaunch& nf, const std::string& binary);

/// Starts the context's NF (its plan argv and env): through the launcher when the container's
/// init is an unused launcher on this machine, else with start_detached(). Returns the NF's pid
/// inside its container. Throws cnfctl::Error located at the container when neither works
/// (start_detached()'s errors; "the launcher did not start the NF within S s").
int start_nf(const NfContext& ctx);

/// True when a container init's cmdline `init_argv` is still the runtime's own process (runc's
/// `runc init`; crun's fork of `crun ... run -d ...`, which carries that whole command line):
/// the container's command is not exec'd yet, so the launcher may still come. Exposed for tests.
bool runtime_not_yet_execd(const std::vector<std::string>& init_argv);

/// The launcher half of start_nf(): nullopt when the launcher cannot serve this start (not a
/// local node, no running init, its init is not the launcher, or it launched already). Exposed
/// for tests.
std::optional<int> release_launcher(const NfContext& ctx, std::chrono::milliseconds deadline);

}  // namespace cnfctl::nf
