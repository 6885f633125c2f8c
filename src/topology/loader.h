// Loading a topology file into the validated model. The loader reads the file and nothing else:
// it never touches a machine, so every error it reports is bad input (exit code 2) and nothing
// has been created.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "topology/model.h"

namespace cnfctl::topology {

/// The largest topology file accepted.
inline constexpr std::size_t kMaxTopologyFileBytes = 1 << 20;

/// Reads and validates the topology file at `path`.
/// Throws Error::bad_input("<file>:<line>:<col>", "...") for every problem: the file missing or
/// unreadable, YAML syntax, wrong types, out-of-range values, unknown keys (with the closest known
/// key), unsafe names and paths, undefined nodes, duplicate container names, and the topology
/// kind's requirements.
Topology load_topology_file(const std::filesystem::path& path);

/// Like load_topology_file, for text already in memory; `source_name` is used in error locations
/// and, when the file has no `name:`, its stem becomes the topology's name.
Topology load_topology_text(std::string_view text, std::string source_name);

}  // namespace cnfctl::topology
