#include "plan/start_stages.h"

#include <algorithm>
#include <map>
#include <string>

#include "common/error.h"

namespace cnfctl::plan {

namespace {

bool retries_connect(const nf::PlannedContainer& c) {
  return c.nf.kind == topology::NfKind::kVpp;
}

}  // namespace

void assign_start_stages(std::vector<nf::PlannedContainer>& containers) {
  std::map<std::string, nf::PlannedContainer*> by_name;
  for (auto& c : containers) by_name.emplace(c.name, &c);
  std::map<std::string, int> stage;  // -1 while being computed
  auto visit = [&](auto& self, nf::PlannedContainer& c) -> int {
    if (auto it = stage.find(c.name); it != stage.end()) {
      if (it->second < 0) throw Error("internal: memif client/server cycle at '" + c.name + "'");
      return it->second;
    }
    stage[c.name] = -1;
    int s = 0;
    for (const auto& link : c.links) {
      if (link.is_server() || link.peer.empty()) continue;
      auto server = by_name.find(link.peer);
      if (server == by_name.end()) continue;
      const bool together = retries_connect(c) && retries_connect(*server->second);
      s = std::max(s, self(self, *server->second) + (together ? 0 : 1));
    }
    stage[c.name] = s;
    c.start_stage = s;
    return s;
  };
  for (auto& c : containers) visit(visit, c);
}

}  // namespace cnfctl::plan
