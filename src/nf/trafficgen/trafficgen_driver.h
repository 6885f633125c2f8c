// The trafficgen NF driver: cnfctl-gen (src/trafficgen) started detached in its container,
// recognised as ready through its control socket (`ping`: its memif ports and their links) and
// measured through `stats`. The control socket is in the run's memif socket dir, which every
// container mounts, so the node reaches it at <host socket dir>/<name>.gen.sock (over the SSH
// master for remote nodes, nf::node_socket).
//
// A container in mode sink runs nothing: its link is port 1 of the generator's process
// (trafficgen_args.h), so every call is a no-op and it is ready at once.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nf/driver.h"

namespace cnfctl::trafficgen {

/// The control socket of a planned cnfctl-gen container as the node sees it (the `--control`
/// argument mapped through the container's mounts); nullopt for a sink (nothing runs there).
/// Throws cnfctl::Error (located at the container) when the argv has --control but no mount
/// maps its directory.
std::optional<std::string> control_socket_of(const nf::PlannedContainer& container);

/// Readiness from a ping answer, for a program started with `argv` (its --vdev arguments say
/// which ports exist and which are memif clients): ready when there is one port per --vdev and
/// every client port's link is up (servers wait for their clients). Pure; never throws.
nf::Readiness assess_trafficgen_readiness(const std::vector<std::string>& argv,
                                          const nlohmann::json& ping);

/// The per-port counters of a `stats` answer; the forwarder's drops (limit, delay queue) are
/// the ingress port's rx_dropped, its ring-full drops the egress port's tx_dropped.
std::vector<nf::PortCounters> counters_from_stats(const nf::PlannedContainer& container,
                                                  const nlohmann::json& stats);

std::unique_ptr<nf::NfDriver> make_trafficgen_driver();

}  // namespace cnfctl::trafficgen
