#include "nf/vpp/memif_readiness.h"

#include <fmt/format.h>

#include <algorithm>

namespace cnfctl::vpp {

MemifReadiness assess_memifs(const std::vector<wiring::MemifLink>& links,
                             const std::vector<MemifInterface>& memifs,
                             const std::vector<SwInterface>& interfaces) {
  std::vector<std::string> problems;
  std::size_t up = 0;
  std::size_t connected = 0;
  for (const auto& link : links) {
    const std::string name = fmt::format("memif{}/{}", link.socket_id, link.interface_id);
    auto memif = std::find_if(memifs.begin(), memifs.end(), [&](const MemifInterface& m) {
      return m.socket_id == static_cast<std::uint32_t>(link.socket_id) &&
             m.id == static_cast<std::uint32_t>(link.interface_id);
    });
    if (memif == memifs.end()) {
      problems.push_back(name + " missing");
      continue;
    }
    auto iface = std::find_if(interfaces.begin(), interfaces.end(), [&](const SwInterface& i) {
      return i.sw_if_index == memif->sw_if_index;
    });
    const bool admin_up = iface != interfaces.end() ? iface->admin_up : memif->admin_up;
    if (!admin_up) {
      problems.push_back(name + " down");
      continue;
    }
    ++up;
    if (memif->connected) {
      ++connected;
    } else if (!link.is_server() && !link.peer.empty()) {
      // A peer outside the plan (CSIT's vswitch on the host) is not cnfctl's to wait for.
      problems.push_back(fmt::format("{} (slave of {}) not connected", name, link.peer));
    }
  }
  MemifReadiness r;
  r.detail = fmt::format("{}/{} memifs up, {} connected", up, links.size(), connected);
  if (!problems.empty()) {
    std::string list;
    for (const auto& p : problems) list += (list.empty() ? "" : ", ") + p;
    r.detail = list + " (" + r.detail + ")";
    return r;
  }
  r.ready = true;
  return r;
}

}  // namespace cnfctl::vpp
