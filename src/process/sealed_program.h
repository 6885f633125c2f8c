// A sealed in-memory copy of a program, for running an OCI runtime many times.
//
// runc and crun defend against a container overwriting the host's runtime binary
// (CVE-2019-5736): at every start (runc: in each `runc init`; crun: in every command) they copy
// their own binary into a memfd, seal it and exec that copy, unless they already run from a
// fully sealed memfd (runc's is_self_cloned(), crun's copy of it; runc ships `memfd-bind` to
// give them one). Started from one copy made here, the runtime skips that copy of itself (8.7 MB
// for Debian's runc) and the extra exec for every container: 1.5 ms of CPU per `runc run` on
// this machine (issue 12). The protection is the same: nothing can write to a sealed memfd.
#pragma once

#include <optional>
#include <string>

#include "process/unique_fd.h"

namespace cnfctl::process {

class SealedProgram {
 public:
  /// The seals runc and crun look for, all of them and no other (F_SEAL_SEAL, F_SEAL_SHRINK,
  /// F_SEAL_GROW, F_SEAL_WRITE).
  static const int kSeals;

  /// Copies the executable file at `path` (no PATH lookup) into an executable memfd and seals
  /// it. nullopt when that cannot be done here (no memfd sealing, vm.memfd_noexec forbidding
  /// executable memfds, an unreadable file): run the file itself then. Never throws.
  static std::optional<SealedProgram> copy_of(const std::string& path);

  /// "/proc/<this process>/fd/<n>": the copy, for Command::program. Valid while this object
  /// lives, in this process and its children until they exec.
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }

 private:
  SealedProgram(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

  UniqueFd fd_;
  std::string path_;
};

}  // namespace cnfctl::process
