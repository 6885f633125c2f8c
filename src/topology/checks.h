// Checks across sections of a topology file, once every section has been read: node references,
// unique container names, engine and image compatibility, and each topology kind's requirements.
#pragma once

#include "topology/model.h"

namespace cnfctl::topology {

/// Validates `topology` as a whole and fills in what depends on several sections
/// (topology.nodes_per_chain when it was not written). Throws Error::bad_input pointing at the
/// value at fault.
void check_topology(Topology& topology);

/// The engine/image/ports compatibility part of check_topology, run again by `up` after an
/// `--engine` override. Throws Error::bad_input before anything is touched.
void check_engines(const Topology& topology);

}  // namespace cnfctl::topology
