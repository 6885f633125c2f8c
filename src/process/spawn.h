// Starting one child process for LocalRunner: clone (vfork-like: the child shares our memory
// until exec), set the child up, exec, report exec errors.
//
// The child is the leader of a new process group (so a deadline can kill everything it started),
// dies with SIGKILL when the thread that started it dies (PR_SET_PDEATHSIG), starts with default
// signal dispositions and an empty signal mask, and inherits no descriptor but 0, 1 and 2.
// Errors between clone and exec come back through a close-on-exec pipe, with their errno.
#pragma once

#include <sys/types.h>

#include <string>
#include <variant>
#include <vector>

#include "process/runner.h"
#include "process/unique_fd.h"

namespace cnfctl::process {

/// A child that is running (or has exited but is not reaped yet: the caller must reap `pid`).
struct SpawnedChild {
  pid_t pid = -1;      // also the child's process group id
  UniqueFd pidfd;      // readable once the child exits; empty when pidfd_open is unavailable
  UniqueFd stdin_fd;   // our non-blocking write end of its stdin; empty when stdin is /dev/null
  UniqueFd stdout_fd;  // our non-blocking read end of its stdout
  UniqueFd stderr_fd;  // our non-blocking read end of its stderr
};

/// Why a command could not be started.
struct SpawnFailure {
  std::string step;  // "argv", "pipe", "clone", "setpgid", "dup2", "chdir", "exec", ...
  int error = 0;     // the errno of that step
};

/// Where execvp would look for `program`, in order, using the PATH of `environment` ("NAME=VALUE"
/// entries; confstr(_CS_PATH) when it has none): `program` alone when it contains a '/'.
std::vector<std::string> exec_candidates(const std::string& program,
                                         const std::vector<std::string>& environment);

/// `command -v PROGRAM` on this machine: the first executable regular file of exec_candidates()
/// with this process's PATH, i.e. what a Command with argv[0] = `program` runs; empty: none.
std::string find_program(const std::string& program);

/// Returns a pidfd (close-on-exec) for `pid`, or -1 with errno set (ENOSYS before Linux 5.3).
/// A raw syscall: glibc only wraps pidfd_open from 2.36, and 2.36's header lacks extern "C".
int open_pidfd(pid_t pid);

/// Starts `command` (its argv, env, cwd and stdin choice; not its deadline or output limit).
/// Returns the running child, or the failing step and its errno; on failure no process is left
/// running or unreaped. Blocks only until the child has called exec.
std::variant<SpawnedChild, SpawnFailure> spawn_child(const Command& command);

}  // namespace cnfctl::process
