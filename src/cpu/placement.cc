#include "cpu/placement.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/error.h"
#include "cpu/cpu_list.h"
#include "cpu/nf_affinity.h"
#include "cpu/shared_placement.h"

namespace cnfctl::cpu {
namespace {

constexpr const char* kWhere = "cpu placement";
// More data cores than this is surely a typo (and would overflow an int).
constexpr std::size_t kMaxDigits = 6;

}  // namespace

DataCores DataCores::parse(std::string_view text, const std::string& where) {
  if (text == "0.5" || text == ".5") return hyper_thread();
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  if (digits && text.size() > kMaxDigits) {
    throw Error::bad_input(where,
                           fmt::format("{} data cores is far more than any machine has", text));
  }
  if (!digits) {
    throw Error::bad_input(where,
                           fmt::format("'{}' is not a number of data cores: expected a whole "
                                       "number (0, 1, 2, ...) or 0.5 (one hyper-thread)",
                                       text));
  }
  return cores(std::stoi(std::string(text)));
}

std::string DataCores::to_string() const {
  return half_ ? "0.5" : fmt::format("{}", count_);
}

void validate(const NfAffinityParams& params) {
  const auto at_least = [](int value, int minimum, const char* name) {
    require_input(value >= minimum, kWhere,
                  fmt::format("{} must be at least {} (got {})", name, minimum, value));
  };
  at_least(params.nf_chains, 1, "nf_chains");
  at_least(params.nf_nodes, 1, "nf_nodes");
  at_least(params.nf_mtcr, 1, "nf_mtcr");
  at_least(params.nf_dtcr, 1, "nf_dtcr");
  at_least(params.vs_dtc, 0, "vs_dtc");
  at_least(params.nf_dtc.whole_cores(), 0, "nf_dtc");
  at_least(params.numa_node, 0, "the NUMA node");
  const long long nfs = static_cast<long long>(params.nf_chains) * params.nf_nodes;
  require_input(nfs <= kMaxNfs, kWhere,
                fmt::format("{} chains x {} NFs per chain is {} NFs; at most {} are supported",
                            params.nf_chains, params.nf_nodes, nfs, kMaxNfs));
}

void require_cpus_on_node(const Machine& machine, int node) {
  if (!machine.cpus_on_node(node).empty()) return;
  const auto nodes = machine.numa_nodes();
  throw Error::bad_input(kWhere,
                         fmt::format("NUMA node {} has no cpus (this machine has node{} {})", node,
                                     nodes.size() == 1 ? "" : "s", fmt::join(nodes, ", ")));
}

std::vector<int> NfPlacement::cpus() const {
  std::vector<int> all{main};
  all.insert(all.end(), workers.begin(), workers.end());
  return all;
}

std::string NfPlacement::label() const {
  return fmt::format("chain {} node {}", chain, node);
}

std::vector<int> ReservedCpus::all() const {
  std::vector<int> cpus = system;
  cpus.insert(cpus.end(), vswitch_main.begin(), vswitch_main.end());
  cpus.insert(cpus.end(), vswitch_data.begin(), vswitch_data.end());
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

const NfPlacement* CpuPlacement::find(int chain, int node) const {
  const auto it = std::find_if(nfs.begin(), nfs.end(), [&](const NfPlacement& nf) {
    return nf.chain == chain && nf.node == node;
  });
  return it == nfs.end() ? nullptr : &*it;
}

std::string CpuOverlap::describe() const {
  return fmt::format("cpu {}: {}", cpu, fmt::join(users, ", "));
}

std::vector<CpuOverlap> find_overlaps(const CpuPlacement& placement) {
  struct Use {
    const NfPlacement* nf;  // nullptr: reserved
    bool data;
  };
  std::map<int, std::vector<Use>> uses;
  for (int cpu : placement.reserved.all()) uses[cpu].push_back({nullptr, false});
  for (const auto& nf : placement.nfs) {
    uses[nf.main].push_back({&nf, false});
    // A cpu listed twice in one NF's workers is one use.
    for (int cpu : std::set<int>(nf.workers.begin(), nf.workers.end())) {
      uses[cpu].push_back({&nf, true});
    }
  }

  std::vector<CpuOverlap> overlaps;
  for (const auto& [cpu, list] : uses) {
    const bool any_data =
        std::any_of(list.begin(), list.end(), [](const Use& u) { return u.data; });
    const bool reserved = std::any_of(list.begin(), list.end(), [](const Use& u) { return !u.nf; });
    if (list.size() < 2 || !(any_data || reserved)) continue;
    CpuOverlap overlap;
    overlap.cpu = cpu;
    const auto& first = list.front();
    overlap.allowed = std::all_of(list.begin(), list.end(), [&](const Use& u) {
      return u.nf && u.data && first.nf && u.nf->data_group &&
             u.nf->data_group == first.nf->data_group;
    });
    for (const auto& use : list) {
      overlap.users.push_back(
          use.nf ? fmt::format("{} {}", use.nf->label(), use.data ? "data" : "main")
                 : std::string("reserved (system/vswitch)"));
    }
    overlaps.push_back(std::move(overlap));
  }
  return overlaps;
}

CpuPolicy parse_cpu_policy(std::string_view text, const std::string& where) {
  if (text == "csit") return CpuPolicy::kCsit;
  if (text == "shared") return CpuPolicy::kShared;
  throw Error::bad_input(where, fmt::format("unknown cpu policy '{}' (known: csit, shared)", text));
}

std::string_view to_string(CpuPolicy policy) {
  return policy == CpuPolicy::kCsit ? "csit" : "shared";
}

CpuPlacement place_nfs(const Machine& machine, const NfAffinityParams& params,
                       const PlacementOptions& options) {
  if (options.policy == CpuPolicy::kShared) return place_nfs_shared(machine, params);
  return place_nfs_csit(machine, params, options.allow_overlap);
}

}  // namespace cnfctl::cpu
