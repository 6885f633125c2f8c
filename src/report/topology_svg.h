// The topology as a picture: one band per node, containers as boxes (name, NF kind and role,
// cpus), memif links as lines between the ports they join.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cnfctl::report {

/// An <svg id="topology"> drawing of a result file's "topology" object ({"containers": [{"name",
/// "node", "nf", "role", "cpus", "main_cpu", "workers"}], "links": [{"a", "a_port", "b",
/// "b_port", "socket"}]}). Every container is one <rect class="container">, every link one
/// <path class="link">, every node one <rect class="node">; the cpus label of a container is a
/// <text class="cpus">. Links naming an unknown container are left out. Never throws for
/// missing fields (they are drawn as unknown).
std::string topology_svg(const nlohmann::json& topology);

}  // namespace cnfctl::report
