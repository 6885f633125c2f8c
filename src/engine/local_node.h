// What the engines read and remove on the node that is this machine with system calls instead of
// small commands (process/local_files.h has the generic ones): processes seen through /proc and
// pidfds, cgroup and state directories removed with rmdir/unlink. A destroy or stop otherwise
// spends a few processes (`rm`, `rmdir -p`, a cgroup script, `runc state` polls) on what these do
// in microseconds.
//
// Failures come back as "<step> <path>: <strerror>"; the engine locates them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "process/local_files.h"
#include "process/unique_fd.h"

namespace cnfctl::engine {

/// A process of this machine as /proc/PID/stat shows it.
struct LocalProcessStat {
  char state = '?';                   // R, S, D, Z, X, ...
  unsigned long long start_time = 0;  // since boot, in clock ticks (field 22)
};

/// /proc/PID/stat of `pid`, or nullopt when there is no such process.
std::optional<LocalProcessStat> local_process_stat(int pid);

/// True when `pid` lives (no zombie) and started at `start_time` (field 22 of its stat): still
/// the process that had that start time, not another one given the same pid since.
bool local_process_started_at(int pid, unsigned long long start_time);

/// A pidfd for `pid` (pidfd_open), or an empty fd when the kernel has none (Linux < 5.3) or the
/// process is gone.
process::UniqueFd open_pidfd(int pid);

/// Waits until the process behind `pidfd` has exited (it may still be a zombie) or `timeout`
/// passed; true when it exited.
bool wait_pidfd(const process::UniqueFd& pidfd, std::chrono::milliseconds timeout);

/// Removes each directory of `dirs` with everything below it that is a directory (cgroupfs: the
/// files go with their directory), deepest first; missing ones are fine. False when some
/// directory is still there (busy: a process in it; not empty).
bool remove_cgroup_dirs_local(const std::vector<std::string>& dirs);

/// `rm -rf --one-file-system PATH`: never crosses into another file system (a mount still present
/// makes it fail). A missing path is fine.
process::LocalFailure remove_tree_local(const std::string& path);

/// `test -d PATH`: a directory, symlinks followed.
bool is_directory_local(const std::string& path);

/// `readlink PATH`: the target of the symlink `path`; nullopt when it is none (or is missing).
std::optional<std::string> read_link_local(const std::string& path);

/// `rm -f PATH`: a missing file is fine.
process::LocalFailure remove_file_local(const std::string& path);

/// `rmdir -p --ignore-fail-on-non-empty DIR`: DIR, then its parents, until one cannot go.
void remove_empty_parents_local(const std::string& dir);

/// The pids of the processes whose command line, its arguments joined with spaces, contains
/// `first` and later `second` (what `pgrep -f 'FIRST.*SECOND'` matches).
std::vector<int> local_processes_matching(const std::string& first, const std::string& second);

/// For every process whose raw command line holds `needle`: its pid, then its arguments one per
/// line, then an empty line (docker_remains.h's listing format).
std::string local_process_listing(const std::string& needle);

}  // namespace cnfctl::engine
