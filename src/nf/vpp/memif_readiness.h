// When a VPP NF is configured, not merely answering: VPP answers its CLI and API about 2 s
// before its startup `exec` script has created the interfaces (../shared/vpp/README.md), so a
// VPP NF is ready only when every memif its plan gives it exists and is admin-up, and each memif
// it is the slave (client) of is connected (when that master is in the plan). A master's peer may
// start in a later stage (a testpmd client, which does not retry, starts only after this VPP is
// ready); a slave's master starts in the same stage or an earlier one, so every link between two
// running NFs is checked from its slave end.
#pragma once

#include <string>
#include <vector>

#include "nf/vpp/interface_dump.h"
#include "wiring/wiring_plan.h"

namespace cnfctl::vpp {

struct MemifReadiness {
  bool ready = false;
  /// Ready: "3/3 memifs up, 2 connected". Not ready: what is missing, each planned memif that
  /// is not there yet by name: "memif1/1 missing", "memif2/1 down", "memif2/1 (slave of nf2)
  /// not connected".
  std::string detail;
};

/// Judges the planned `links` of a VPP container against what its API reports: `memifs` from
/// memif_dump (matched by socket id and memif id), `interfaces` from sw_interface_dump (admin
/// state by sw_if_index). Pure; never throws.
MemifReadiness assess_memifs(const std::vector<wiring::MemifLink>& links,
                             const std::vector<MemifInterface>& memifs,
                             const std::vector<SwInterface>& interfaces);

}  // namespace cnfctl::vpp
