// LXC container configuration text: pure, unit-tested, printable by `plan`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/container_spec.h"

namespace cnfctl::engine {

/// The line that starts the block cnfctl appends to a container's config; everything from it on
/// is replaced when the container is created again.
inline constexpr const char* kLxcConfigMarker = "# cnfctl container settings";

struct LxcSettings {
  std::string rootfs{};       // "overlay:/:<dir>/delta0"; empty: keep the template's
  std::string cgroup_dir{};   // "cnfctl/lxc/<name>" (monitor and pivot get suffixes)
  std::string console_log{};  // the command's output
  std::uint64_t nofile_limit = 20000;
  bool cgroup_v2 = false;            // lxc.cgroup2.* keys instead of lxc.cgroup.*
  std::vector<bool> mount_is_dir{};  // per spec mount: bind a directory (else a file)
  // Per spec mount: the guest path with the rootfs's symlinks resolved (lxc_resolve_in_rootfs);
  // missing or empty: the spec's guest path.
  std::vector<std::string> mount_guest{};
};

/// Reads a symlink of the rootfs: the target of the guest path (absolute, inside the rootfs) if
/// it is a symlink, else nothing.
using RootfsReadlink = std::function<std::optional<std::string>(const std::string&)>;

/// `guest` (absolute) with every symlink the rootfs has on its way resolved as inside the
/// container (absolute targets start at the rootfs), e.g. /var/run/dpdk/x -> /run/dpdk/x. LXC
/// refuses mount targets that pass through a symlink ("... was a symbolic link!"), while the
/// host image and most distributions have /var/run -> /run. Components that do not exist are
/// kept as they are; throws std::runtime_error on a symlink loop.
std::string lxc_resolve_in_rootfs(const std::string& guest, const RootfsReadlink& readlink);

/// The config that `lxc-create -t none -f` gets: no rootfs line yet (SPEC §5).
std::string lxc_base_config();

/// The cnfctl block (starting with kLxcConfigMarker) for `spec`.
std::string lxc_container_config(const ContainerSpec& spec, const LxcSettings& settings);

/// `existing` without a previous cnfctl block, followed by the new block.
std::string lxc_merge_config(const std::string& existing, const std::string& block);

}  // namespace cnfctl::engine
