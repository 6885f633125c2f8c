// Starting, stopping and reading the log of an NF process that runs detached inside a container.
//
// Every NF driver starts its program the same way: an engine exec of a FIXED shell script whose
// data (log path, pid file, the NF's argv) travel as positional parameters, never as script text.
// The script backgrounds the NF with stdin as NfLaunch says (/dev/null, or an empty pipe held
// open: NfStdin) and stdout/stderr appended to the
// container's NF log (kNfLogGuestPath), writes its pid to kNfPidGuestPath and prints it. The
// exec returns at once; the NF keeps running as a child of the container's init.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "nf/planned_container.h"

namespace cnfctl::nf {

/// Where start_detached() records the NF's pid inside its container (one NF per container), so
/// a later `down` or `restart` can find it without any state of the process that started it.
inline constexpr const char* kNfPidGuestPath = "/run/cnfctl-nf.pid";

/// How long the start / stop / liveness execs may take beyond the stop grace period.
inline constexpr std::chrono::milliseconds kDetachedExecTimeout{15000};

/// The name the kernel shows in /proc/PID/comm for a program started as `argv0`: its basename
/// cut to 15 bytes. Pure.
std::string comm_name(const std::string& argv0);

/// How a launcher's or start_detached()'s command line names `kind`: "null", "open".
const char* stdin_word(NfStdin kind);

/// The shell lines that open the NF's stdin as fd 3, for start_detached()'s script and the
/// launcher script, given $in (stdin_word()) and $pidfile: "null" /dev/null; "open" a FIFO at
/// "$pidfile.stdin" opened read and write (so it never has data nor an end) and unlinked at once.
/// The caller redirects the NF's stdin from fd 3, closes 3 in the NF, then closes it itself.
inline constexpr const char* kNfStdinScript =
    "case $in in\n"
    "  open) f=$pidfile.stdin; rm -f \"$f\"; mkfifo -m 600 \"$f\" && exec 3<>\"$f\" && "
    "rm -f \"$f\" || exit 1 ;;\n"
    "  *) exec 3</dev/null ;;\n"
    "esac\n";

/// Starts `argv` detached inside the running container `container_id` with the container's
/// environment plus `env`, `stdin_kind` as its stdin, output appended to kNfLogGuestPath. Returns
/// the NF's pid as seen inside the container (also written to kNfPidGuestPath). Throws
/// cnfctl::Error (naming the container and the exec's status and stderr) when argv is empty, the
/// exec fails or prints no pid. A program that cannot be executed still gets a pid: it exits at
/// once with "not found" in the NF log, which probes report.
int start_detached(engine::Engine& engine, const std::string& container_id,
                   const std::vector<std::string>& argv,
                   const std::map<std::string, std::string>& env,
                   NfStdin stdin_kind = NfStdin::kNull);

/// A pid as start_detached()'s script and the NF pid file write it: decimal digits (at most 9)
/// and trailing white space; nullopt for anything else. Never throws.
std::optional<int> parse_pid(std::string text);

/// Stops a detached NF inside `container_id`: SIGTERM, then SIGKILL after `grace`, and waits
/// until it is gone. Which processes: `pid` when > 0, else the pid in kNfPidGuestPath; plus,
/// when `match_argv0` is not empty, every process of the container (except its init) whose
/// name (/proc/PID/comm, i.e. the basename of argv[0] cut to 15 bytes) matches the basename of
/// `match_argv0` (for NFs that re-exec or fork). Removes kNfPidGuestPath. Does nothing when the
/// container is not running or nothing matches. Idempotent. Throws cnfctl::Error only when the
/// engine itself fails on a running container or a process survives SIGKILL.
void stop_detached(engine::Engine& engine, const std::string& container_id, int pid,
                   const std::string& match_argv0, std::chrono::milliseconds grace);

/// True when process `pid` exists inside `container_id` and is not a zombie. False when the
/// container is gone or the engine cannot tell. Never throws.
bool detached_alive(engine::Engine& engine, const std::string& container_id, int pid);

/// The last `lines` lines of the container's NF log; "" when there is none or the container is
/// gone. Never throws.
std::string nf_log_tail(engine::Engine& engine, const std::string& container_id,
                        std::size_t lines = 20);

}  // namespace cnfctl::nf
