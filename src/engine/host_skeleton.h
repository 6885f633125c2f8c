// The `host` image for engines that can only run images (docker): a tiny "skeleton" image made
// locally from bytes, holding the node's top-level layout (empty mount points, the merged-/usr
// compatibility symlinks such as bin -> usr/bin, a writable /var whose run leads to /run), plus
// the list of the node's OS directories (/usr, /etc, /opt, /srv) to bind-mount read-only on top.
// No registry, no download: the image is a ustar stream written here and fed to `docker import -`.
//
// Everything here is pure (no I/O): the engine reads the node with the probe commands below and
// hands their output in, so it is unit-tested without a node.
#pragma once

#include <string>
#include <vector>

#include "engine/container_spec.h"

namespace cnfctl::engine {

/// One entry of a tar stream.
struct TarEntry {
  enum class Type { kDirectory, kSymlink, kFile };
  Type type = Type::kDirectory;
  std::string path{};         // relative, no leading '/' or "./", at most 99 bytes
  unsigned mode = 0755;       // permission bits (01777 for /tmp)
  std::string link_target{};  // kSymlink: at most 100 bytes
  std::string bytes{};        // kFile: the content
};

/// A deterministic POSIX ustar stream of `entries` in the given order (owner root, mtime 0),
/// ended by two zero blocks. Throws cnfctl::Error for a path or link target that does not fit
/// ustar's fields, an absolute path or one with "..".
std::string write_tar(const std::vector<TarEntry>& entries);

/// One top-level entry of the node's root filesystem, as the probe saw it.
struct HostRootEntry {
  enum class Type { kDirectory, kSymlink, kOther };
  std::string name{};  // "usr", "bin" (no '/')
  Type type = Type::kOther;
  std::string link_target{};  // kSymlink: what readlink printed ("usr/bin")
};

/// The node's OS directories that containers of the host image see read-only: usr and etc
/// (required), opt and srv (when present).
const std::vector<std::string>& host_os_dirs();
/// The top-level names that are symlinks into /usr on a merged-/usr system (bin, sbin, lib,
/// lib32, lib64, libx32); a real directory of that name is bind-mounted read-only instead.
const std::vector<std::string>& host_compat_names();

/// argv that prints "<path>|<file type>" for every top-level name the skeleton looks at, without
/// following symlinks (`stat -c '%n|%F' -- /usr /etc ...`). Missing names make it exit non-zero
/// while it still prints the others.
std::vector<std::string> host_root_probe_argv();
/// Parses the probe's output into entries (symlink targets still empty). Lines for other paths
/// or in another shape are ignored.
std::vector<HostRootEntry> parse_host_root_probe(const std::string& out);

/// Where the node may keep docker's init (tini), in order of preference: docker's `--init` cannot
/// serve this image (it would mount its init on /sbin/docker-init, which on a merged-/usr skeleton
/// is inside the read-only /usr), so the container runs the node's own init from the bound /usr.
const std::vector<std::string>& host_init_candidates();
/// argv that prints "<path>|<file type>|<access rights>" for each candidate, following symlinks.
std::vector<std::string> host_init_probe_argv();
/// The first candidate the probe saw as an executable regular file; empty when none.
std::string pick_host_init(const std::string& probe_out);

/// What a container of the host image is made of.
struct HostSkeleton {
  std::string tar{};  // the image's content, a deterministic ustar stream
  std::string tag{};  // "cnfctl/host-skeleton:<16 hex digits of a hash of tar>"
  /// Read-only binds of the node's OS directories, host path == guest path, in mount order.
  std::vector<Mount> os_mounts{};
};

/// The label every skeleton image carries (`docker import --change "LABEL <label>=1"`), so
/// replaced, no longer tagged skeletons can be found and removed.
inline constexpr const char* kHostSkeletonLabel = "cnfctl.host-skeleton";

/// The skeleton for a node whose top level is `entries`. Directories of host_os_dirs() and
/// host_compat_names() become empty mount points plus read-only binds; symlinks among them are
/// copied as they are (bin -> usr/bin); fixed scratch directories are added (proc, sys, dev, run,
/// tmp 1777, var with var/tmp 1777 and var/run -> ../run, home, root 0700, mnt, media).
/// The same entries always give the same bytes and tag. Throws cnfctl::Error when /usr or /etc is
/// not a directory, or a symlink target cannot be stored.
HostSkeleton make_host_skeleton(const std::vector<HostRootEntry>& entries);

}  // namespace cnfctl::engine
