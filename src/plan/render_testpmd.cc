// testpmd's argv over its memif links, and when it is ready (builder.h).
#include <fmt/format.h>

#include "common/error.h"
#include "nf/testpmd/testpmd_args.h"
#include "plan/builder.h"

namespace cnfctl::plan::detail {

void Builder::render_testpmd(PlannedContainer& c, const topology::ContainerGroup& group,
                             bool cores_shared) {
  const auto& o = group.nf.testpmd();
  testpmd::TestpmdOptions t;
  t.binary = o.binary;
  t.cpus = c.cpus.empty() ? std::vector<int>{first_cpu_of(group.node)} : c.cpus;
  t.file_prefix = c.id;
  t.memory_mb = static_cast<int>(o.memory_mb);
  t.mbufs = static_cast<int>(o.mbufs);
  t.forward_mode = testpmd::parse_forward_mode(topology::to_string(o.forward_mode));
  t.ring_size_log2 = static_cast<int>(o.ring_size);
  t.cores_shared = cores_shared;
  t.extra_args = o.extra_args;
  if (!wiring) {
    throw Error::bad_input("", "testpmd needs a wired topology (topology: kind: chain, ...)");
  }
  c.nf.argv = testpmd::testpmd_argv(wiring->at(c.name), t);
  // It runs until its stdin ends, and SIGTERM ends that wait at once (testpmd_args.h).
  c.nf.stdin_kind = nf::NfStdin::kHeldOpen;
  c.nf.readiness = fmt::format(
      "telemetry {} answers, /ethdev/list shows {} memif port(s), each started (/ethdev/info), "
      "and each link where it is the client is up",
      testpmd::testpmd_telemetry_socket(c.id), c.links.size());
}

}  // namespace cnfctl::plan::detail
