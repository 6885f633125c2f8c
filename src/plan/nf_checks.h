// Checks of what an NF needs inside its container, made while planning so that `up` never
// starts an NF that cannot work (bad input, exit 2, nothing touched):
// - paths the container must see (the NF binary, VPP's plugin dir, nginx's VCL file): a
//   container made from the `host` image has private /tmp, /run and /dev/shm (docker's `host`
//   image sees only the node's OS directories), so a program there "is not found";
// - VPP's own cpu rules: never a worker on the main core, no cpu twice among the workers;
// - VPP's plugins: each one the file names exists in the plugin dir (the file's `plugin_path`,
//   else the build's default beside its binary), when the node's files can be seen.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "nf/planned_container.h"
#include "topology/model.h"

namespace cnfctl::plan {

/// Whether `path` exists on `node`: nullopt when that cannot be told without reaching the
/// node (an SSH node while planning).
using FileFacts = std::function<std::optional<bool>(const topology::Node&, const std::string&)>;

/// The default: this machine's file system for a local node, unknown for any other.
std::optional<bool> default_file_facts(const topology::Node& node, const std::string& path);

/// The folder VPP loads its plugins from when startup.conf names none: relative to its binary
/// (<prefix>/bin/vpp -> <prefix>/lib/x86_64-linux-gnu/vpp_plugins), as the build of
/// ../shared/vpp and Debian-style packages lay it out.
std::string vpp_default_plugin_dir(const std::string& binary);

/// False when `path` of the node is not where container `c` sees it (see
/// require_visible_in_container()). Pure.
bool visible_in_container(const nf::PlannedContainer& c, const std::string& path);

/// Throws Error::bad_input at `where` when `path` is not visible inside container `c` (see
/// above): under /tmp, /run (also as /var/run) or /dev/shm of a `host`-image container, or
/// outside the node's OS directories for docker's `host` image, unless one of the container's
/// mounts brings it in. `what` names the path ("the VPP binary"). Images other than `host` are
/// not checked (their content is unknown while planning).
void require_visible_in_container(const nf::PlannedContainer& c, const std::string& path,
                                  const std::string& what, const topology::SourceLocation& where);

/// VPP's cpu rules for `c` (main_cpu and workers as planned). Throws Error::bad_input at the
/// container group's location when a worker is on the main core or a cpu appears twice among
/// the workers.
void require_vpp_cpu_rules(const nf::PlannedContainer& c, const topology::ContainerGroup& group);

/// The paths an nginx NF reads inside its container (see above): its binary; with ldpreload,
/// the LD_PRELOAD library `ldpreload_library` and, unless cnfctl writes it (`ldp`), the VCL
/// config file. Throws Error::bad_input at the option that names the path.
void check_nginx_container(const nf::PlannedContainer& c, const topology::ContainerGroup& group,
                           const std::string& ldpreload_library);

/// Every check above for a VPP container group member: binary, vppctl and plugin dir visible,
/// cpu rules, plugins present (when `facts` can tell). Throws Error::bad_input.
void check_vpp_container(const nf::PlannedContainer& c, const topology::ContainerGroup& group,
                         const topology::Node& node, const FileFacts& facts);

}  // namespace cnfctl::plan
