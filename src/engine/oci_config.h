// The OCI runtime bundle configuration (config.json) of a container: pure, so it is unit-tested
// and printable by `plan` without touching a node.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/container_spec.h"

namespace cnfctl::engine {

/// What the node adds to a spec to make a runnable bundle.
struct OciBundleSettings {
  std::string rootfs{};                // absolute path of the (overlay) root filesystem
  std::string cgroups_path{};          // "/cnfctl/oci/<name>"
  std::uint64_t nofile_limit = 20000;  // ≤ the node's hard limit (SPEC §5)
  std::uint64_t capability_bounding_set = ~std::uint64_t{0};  // the node's CapBnd
  bool pin = true;  // false: no cpuset in the config; the caller writes it into the cgroup
};

/// Capabilities a non-privileged container gets (Docker's default set).
const std::vector<std::string>& default_capabilities();

/// The config.json of `spec`. Capabilities outside the bounding set are left out (runc refuses
/// them); privileged keeps every capability of the bounding set, host /dev, writable /sys and
/// cgroups, and all devices. Assumes spec.validate() passed.
nlohmann::json make_oci_config(const ContainerSpec& spec, const OciBundleSettings& settings);

}  // namespace cnfctl::engine
