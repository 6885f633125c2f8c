// cnfctl-gen's argv (generator, forwarder; a sink runs nothing), and when it is ready
// (builder.h).
#include <fmt/format.h>

#include "common/error.h"
#include "common/paths.h"
#include "nf/trafficgen/trafficgen_args.h"
#include "plan/builder.h"

namespace cnfctl::plan::detail {

const wiring::ContainerWiring* Builder::trafficgen_peer(const wiring::ContainerWiring& self,
                                                        wiring::ContainerRole role,
                                                        topology::TrafficgenMode mode) const {
  for (const auto& w : wiring->containers) {
    if (w.role != role || w.dut != self.dut) continue;
    for (const auto& instance : instances) {
      if (instance.name != w.name) continue;
      const auto& nf = group_of(instance).nf;
      if (nf.kind == topology::NfKind::kTrafficgen && nf.trafficgen().mode == mode) return &w;
    }
  }
  return nullptr;
}

// cnfctl-gen (src/trafficgen): the generator owns its own link and the sink's (one process,
// one TSC); the sink runs nothing; every other container forwards (--limit, --delay-us).
void Builder::render_trafficgen(PlannedContainer& c, const topology::ContainerGroup& group,
                                bool cores_shared) {
  const auto& o = group.nf.trafficgen();
  if (!wiring) {
    throw Error::bad_input("", "trafficgen needs a wired topology (topology: kind: chain, ...)");
  }
  const auto& self = wiring->at(c.name);
  if (o.mode == topology::TrafficgenMode::kSink) {
    const auto* generator =
        trafficgen_peer(self, wiring::ContainerRole::kGenerator, topology::TrafficgenMode::kGen);
    if (self.role != wiring::ContainerRole::kSink || generator == nullptr) {
      throw Error::bad_input("",
                             "trafficgen mode sink is the sink container of a generator "
                             "running trafficgen mode gen on the same node");
    }
    c.nf.readiness =
        fmt::format("nothing runs here: its link is port 1 of {}'s cnfctl-gen", generator->name);
    return;
  }
  const wiring::ContainerWiring* far_end = nullptr;
  if (o.mode == topology::TrafficgenMode::kGen) {
    far_end = trafficgen_peer(self, wiring::ContainerRole::kSink, topology::TrafficgenMode::kSink);
  }
  trafficgen::GenArgsOptions t;
  t.binary = o.binary.empty() ? trafficgen::default_gen_binary() : o.binary;
  // cnfctl's own cnfctl-gen (beside this program, at the same path on every node) may be where
  // the container does not see the node's files (a build under /tmp): bind-mounted read-only
  // then. A binary the file names must be visible as it is.
  if (o.binary.empty() && !visible_in_container(c, t.binary)) {
    c.mounts.push_back({t.binary, t.binary, true});
  }
  require_visible_in_container(c, t.binary, "the cnfctl-gen binary", group.nf.where.of("binary"));
  t.mode = o.mode == topology::TrafficgenMode::kGen ? trafficgen::GenMode::kGen
                                                    : trafficgen::GenMode::kForward;
  t.cpus = c.cpus.empty() ? std::vector<int>{first_cpu_of(group.node)} : c.cpus;
  t.file_prefix = c.id;
  t.memory_mb = static_cast<int>(o.memory_mb);
  t.mbufs = o.mbufs;
  t.ring_size_log2 = static_cast<int>(o.ring_size);
  t.cores_shared = cores_shared;
  t.limit_pps = o.limit_pps;
  t.delay_us = o.delay_us;
  t.control_socket = join_path(plan.guest_socket_dir, trafficgen::control_socket_file(c.name));
  t.extra_args = o.extra_args;
  c.nf.argv = trafficgen::trafficgen_argv(self, far_end, t);
  const auto control = join_path(plan.host_socket_dir, trafficgen::control_socket_file(c.name));
  require_socket_path(control, group);
  c.nf.readiness = fmt::format(
      "control socket {} answers ping with {} memif port(s), client "
      "links up",
      control, self.links.size() + (far_end ? far_end->links.size() : 0));
}

}  // namespace cnfctl::plan::detail
