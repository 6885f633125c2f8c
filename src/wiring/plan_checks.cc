// Checks and orderings over a DUT's finished wiring.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/error.h"
#include "wiring/plan_builder.h"

namespace cnfctl::wiring::detail {

// Every socket file is created by exactly one container, and every slave's socket has a master
// in the plan. A clash (e.g. a container named "pipe" in pipeline_ip4) is bad input. A link to
// another DUT (the DUT link of memif ports) is checked on its master's side.
void check_sockets(const std::vector<ContainerWiring>& entries, const std::string& dut) {
  std::map<std::string, std::string> server_of;
  std::set<std::string> names;
  for (const auto& c : entries) names.insert(c.name);
  for (const auto& c : entries) {
    for (const auto& l : c.links) {
      if (!l.is_server()) continue;
      auto [it, inserted] = server_of.emplace(l.socket_file, c.name);
      if (!inserted && it->second != c.name) {
        bad_input(fmt::format("{}: socket file '{}' would be created by both '{}' and '{}'",
                              dut_label(dut), l.socket_file, it->second, c.name));
      }
    }
  }
  for (const auto& c : entries) {
    for (const auto& l : c.links) {
      if (l.is_server() || names.count(l.peer) == 0) continue;
      auto it = server_of.find(l.socket_file);
      if (it == server_of.end() || it->second != l.peer) {
        throw Error(fmt::format("internal: slave memif of '{}' on '{}' has no master '{}'", c.name,
                                l.socket_file, l.peer));
      }
    }
  }
}

// start_stage = 1 + the highest stage of the servers a container is a client of (on this DUT:
// a VPP slave on another DUT's socket retries until it connects).
void assign_start_stages(std::vector<ContainerWiring>& entries) {
  std::map<std::string, ContainerWiring*> by_name;
  for (auto& c : entries) by_name.emplace(c.name, &c);
  std::map<std::string, int> stage;  // -1 while being computed
  auto visit = [&](auto& self, ContainerWiring& c) -> int {
    if (auto it = stage.find(c.name); it != stage.end()) {
      if (it->second < 0) throw Error("internal: memif client/server cycle at '" + c.name + "'");
      return it->second;
    }
    stage[c.name] = -1;
    int s = 0;
    for (const auto& l : c.links) {
      if (l.is_server() || l.peer.empty()) continue;
      auto peer = by_name.find(l.peer);
      if (peer == by_name.end()) continue;
      s = std::max(s, self(self, *peer->second) + 1);
    }
    stage[c.name] = s;
    c.start_stage = s;
    return s;
  };
  for (auto& c : entries) visit(visit, c);
}

}  // namespace cnfctl::wiring::detail
