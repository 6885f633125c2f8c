// Fuzzing support: a validated topology printed back as a topology file (every value written
// explicitly, strings double-quoted), so that load(write(model)) can be compared with model.
#pragma once

#include <string>

#include "topology/model.h"

namespace cnfctl::fuzz {

/// The YAML text of `topology`: loading it gives a topology equal to `topology` in every field
/// the file format has (source locations apart). Never fails.
std::string write_topology(const topology::Topology& topology);

}  // namespace cnfctl::fuzz
