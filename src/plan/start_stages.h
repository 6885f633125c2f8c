// The stage in which each container's NF starts (PlannedContainer::start_stage). The wiring
// plan puts every memif client one stage after its server, since a testpmd client never retries
// a failed connect. A VPP slave does retry, so a VPP slave of a VPP master starts in the same
// stage as its master: VPP NFs wired to each other (pipeline_ip4) come up together instead of
// one stage (about 2 s of VPP's startup script each) at a time. Readiness of the stage still
// waits until the slave is connected (nf/vpp/memif_readiness.h).
#pragma once

#include <vector>

#include "nf/planned_container.h"

namespace cnfctl::plan {

/// Recomputes start_stage of `containers` from their links and NF kinds (rendered already):
/// 0 for a container that is no client of a container in the list, else the highest of its
/// servers' stages, plus one unless both the container and that server are VPP.
/// Throws Error when the links form a cycle (an internal error: the wiring plan has none).
void assign_start_stages(std::vector<nf::PlannedContainer>& containers);

}  // namespace cnfctl::plan
