// Readers of the parts of a topology file that have their own files: container groups (with
// their image, mounts, env, ports, cpus) and the NF each group runs. Used by the loader.
#pragma once

#include <cstddef>
#include <vector>

#include "topology/model.h"
#include "topology/yaml_reader.h"

namespace cnfctl::topology {

/// The most containers one group makes (and the most NFs in one chain).
inline constexpr unsigned kMaxGroupCount = 1024;

/// `image:` — host, dir:/absolute/path or an engine-native reference.
ImageSpec read_image(const Field& field);

/// `containers:` — every group, validated on its own. `topology` holds what was read before
/// (nodes, the top-level image): the defaults of a group's node and image.
std::vector<ContainerGroup> read_container_groups(const YamlSource& source, const Field& field,
                                                  const Topology& topology);

/// `nf:` of a group with `role` (nullptr: not written, testpmd with the role's defaults).
/// `group_where` locates the group, for a defaulted nf.
NfSpec read_nf(const YamlSource& source, const Field* field, Role role,
               const SourceLocation& group_where);

}  // namespace cnfctl::topology
