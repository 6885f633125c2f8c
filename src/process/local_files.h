// File operations on this machine as system calls: what the engines otherwise do on a node with
// small argv commands (`mkdir -p`, `tee`, `cat`, `test -e`, `mount`, `umount`), for the node that
// is this machine. A bring-up of N containers runs several of those per container; each is a
// process that costs about a millisecond of CPU, which the syscall does not.
//
// Every function reports failure as "<step> <path>: <strerror>" and never throws; the caller
// locates the error (engine, node, container).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cnfctl::process {

/// The outcome of a local file operation: empty when it succeeded, else what failed
/// ("mkdir /a/b: Permission denied").
using LocalFailure = std::optional<std::string>;

/// `mkdir -p`: every missing component of each path, mode 0777 & ~umask, as mkdir(1) does.
LocalFailure make_dirs_local(const std::vector<std::string>& paths);

/// Creates or truncates `path` (mode 0666 & ~umask when created) and writes `bytes`, as `tee`
/// does.
LocalFailure write_file_local(const std::string& path, const std::string& bytes);

/// The whole file's bytes; nullopt when it cannot be opened or read (missing, a directory...).
/// Reads only what the file holds, so /proc and /sys files work.
std::optional<std::string> read_file_local(const std::string& path);

/// The words of a NUL-separated text such as /proc/PID/cmdline ("a\0b\0" -> {"a", "b"}). Pure.
std::vector<std::string> nul_separated_words(const std::string& text);

/// `test -e`: true when `path` exists (symlinks followed).
bool exists_local(const std::string& path);

/// `mount -t TYPE SOURCE TARGET -o OPTIONS` as mount(2) with no flags.
LocalFailure mount_local(const std::string& type, const std::string& source,
                         const std::string& target, const std::string& options);

/// `umount TARGET`; with `lazy`, `umount -l` (MNT_DETACH).
LocalFailure unmount_local(const std::string& target, bool lazy);

}  // namespace cnfctl::process
