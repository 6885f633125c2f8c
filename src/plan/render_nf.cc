// What each NF kind runs, by kind (builder.h); a command NF runs its argv as the file gives it.
#include "common/error.h"
#include "plan/builder.h"

namespace cnfctl::plan::detail {

void Builder::render_nf(PlannedContainer& c, const topology::ContainerGroup& group,
                        bool cores_shared) {
  c.nf.kind = group.nf.kind;
  switch (group.nf.kind) {
    case topology::NfKind::kTestpmd:
      render_testpmd(c, group, cores_shared);
      break;
    case topology::NfKind::kVpp:
      render_vpp(c, group);
      break;
    case topology::NfKind::kNginx:
      render_nginx(c, group);
      break;
    case topology::NfKind::kTrafficgen:
      render_trafficgen(c, group, cores_shared);
      break;
    case topology::NfKind::kCommand:
      c.nf.argv = group.nf.command().argv;
      c.nf.probe = group.nf.command().probe;
      c.nf.readiness = c.nf.probe ? "the probe command exits 0" : "the command is running";
      break;
  }
}

}  // namespace cnfctl::plan::detail
