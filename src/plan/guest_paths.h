// The paths cnfctl itself uses on a node and inside each container, checked against what the
// file asks for: a user mount may not land on a guest path cnfctl mounts or writes (the memif
// socket dir, VPP's socket dir, DPDK's runtime dir, the NF log, the NF's config files, the file
// systems every container gets), and no run directory may be a system directory.
#pragma once

#include "plan/plan.h"
#include "topology/model.h"

namespace cnfctl::plan {

/// Throws Error::bad_input located in the topology file (the mount, or `paths:`) when
///  - a user mount's guest path is one cnfctl mounts or writes in that container, lies inside
///    one of cnfctl's own guest directories, or contains one of them (the mount would hide it,
///    or receive what cnfctl writes there);
///  - the memif socket dir's guest path collides with another of cnfctl's guest paths;
///  - a directory the run makes on a node (<socket_dir>/<run>, <vpp_socket_base>/<id>) is a
///    system directory (topology::is_system_directory).
/// /var/run/... and /run/... are the same path inside a container.
void check_reserved_paths(const topology::Topology& topology, const Plan& plan);

}  // namespace cnfctl::plan
