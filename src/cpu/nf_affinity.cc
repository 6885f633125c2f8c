#include "cpu/nf_affinity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>

#include "common/error.h"
#include "cpu/cpu_list.h"

namespace cnfctl::cpu {
namespace {

constexpr const char* kWhere = "cpu placement";
// CpuUtils.NR_OF_THREADS: CSIT's sibling arithmetic assumes two threads per core.
constexpr std::size_t kThreadsPerCore = 2;
// Conflicts listed in an error message; the rest are counted.
constexpr std::size_t kConflictsShown = 6;

// What cpu_slice_of_list_for_nf computes before placing any one NF.
struct CsitLayout {
  std::vector<int> cpus;  // the node's cpus, every core's first thread then second threads
  bool smt = false;
  long long sib = 0;   // CSIT's "sib": offset from a thread to its sibling in `cpus`
  long long skip = 0;  // system + vswitch main + vswitch data cores
  long long nfs = 0;
  long long mt_req = 0;     // cores for NF main threads
  long long dt_req = 0;     // NF data-core slots
  long long dtc = 0;        // cores per data slot (1 for a hyper-thread)
  long long available = 0;  // physical cores on the node
};

const char* plural(long long count) {
  return count == 1 ? "" : "s";
}

// Python's list[start:stop] for non-negative bounds: clamped, never an error.
std::vector<int> slice(const std::vector<int>& list, long long start, long long stop) {
  const auto size = static_cast<long long>(list.size());
  start = std::min(start, size);
  stop = std::min(stop, size);
  if (start >= stop) return {};
  return {list.begin() + start, list.begin() + stop};
}

void require_two_threads_per_core(const Machine& machine, int node) {
  for (const auto& threads : machine.cores_on_node(node)) {
    if (threads.size() != kThreadsPerCore) {
      throw Error::bad_input(
          kWhere, fmt::format("the csit policy needs 2 threads on every core when SMT is on, but "
                              "the core of cpu{} {} on NUMA node {} has {}; use the shared policy",
                              threads.size() == 1 ? "" : "s", format_cpu_list(threads), node,
                              threads.size()));
    }
  }
}

CsitLayout csit_layout(const Machine& machine, const NfAffinityParams& params) {
  CsitLayout layout;
  layout.smt = machine.smt_enabled();
  if (layout.smt) require_two_threads_per_core(machine, params.numa_node);
  layout.cpus = machine.cpus_by_thread_rank(params.numa_node);
  const auto size = static_cast<long long>(layout.cpus.size());
  layout.sib = size / static_cast<long long>(kThreadsPerCore);
  layout.available = layout.smt ? layout.sib : size;

  if (params.nf_dtc.is_hyper_thread() && !layout.smt) {
    throw Error::bad_input(
        kWhere, fmt::format("nf_dtc=0.5 (one hyper-thread per NF) needs SMT, which is off on this "
                            "machine ({})",
                            machine.summary()));
  }
  layout.dtc = params.nf_dtc.whole_cores();
  layout.nfs = static_cast<long long>(params.nf_chains) * params.nf_nodes;
  layout.mt_req = (layout.nfs + params.nf_mtcr - 1) / params.nf_mtcr;
  layout.dt_req = (layout.nfs + params.nf_dtcr - 1) / params.nf_dtcr;
  layout.skip = kSystemCores + kVswitchMainCores + params.vs_dtc;

  const long long needed = layout.skip + layout.mt_req + layout.dt_req;
  if (needed > layout.available) {
    if (size == 0) require_cpus_on_node(machine, params.numa_node);
    throw Error::bad_input(
        kWhere,
        fmt::format("not enough cpu cores: {} NF{} need{} {} physical cores on NUMA node {} ({} "
                    "system + {} vswitch main + {} vswitch data (vs_dtc) + {} for NF main threads "
                    "({} per core, nf_mtcr) + {} NF data slot{} ({} NF{} per slot, nf_dtcr)), but "
                    "the node has {}; the shared policy places them anyway, oversubscribed",
                    layout.nfs, plural(layout.nfs), layout.nfs == 1 ? "s" : "", needed,
                    params.numa_node, kSystemCores, kVswitchMainCores, params.vs_dtc, layout.mt_req,
                    params.nf_mtcr, layout.dt_req, plural(layout.dt_req), params.nf_dtcr,
                    plural(params.nf_dtcr), layout.available));
  }
  return layout;
}

// cpu_slice_of_list_for_nf after its checks, line by line.
NfPlacement place_one(const CsitLayout& layout, const NfAffinityParams& params, int nf_chain,
                      int nf_node) {
  const bool half = params.nf_dtc.is_hyper_thread();
  const long long offset = (nf_node - 1) + static_cast<long long>(nf_chain - 1) * params.nf_nodes;
  long long mt_skip = layout.skip + offset % layout.mt_req;
  long long dt_skip = layout.skip + layout.mt_req + (offset % layout.dt_req) * layout.dtc;

  std::vector<int> result = slice(layout.cpus, dt_skip, dt_skip + layout.dtc);
  if (layout.smt) {
    if ((offset / layout.mt_req) & 1) mt_skip += layout.sib;  // odd round: the sibling thread
    dt_skip += layout.sib;
    if (!half) {
      const auto siblings = slice(layout.cpus, dt_skip, dt_skip + layout.dtc);
      result.insert(result.end(), siblings.begin(), siblings.end());
    } else if ((offset / layout.dt_req) & 1) {
      result = slice(layout.cpus, dt_skip, dt_skip + layout.dtc);
    }
  }

  NfPlacement nf;
  nf.chain = nf_chain;
  nf.node = nf_node;
  // In range: the capacity check keeps mt_skip below sib (SMT) or the list length.
  nf.main = layout.cpus.at(static_cast<std::size_t>(mt_skip));
  nf.workers = std::move(result);
  nf.data_group = static_cast<int>(offset % layout.dt_req);
  return nf;
}

ReservedCpus reserved_cpus(const CsitLayout& layout) {
  // Reserved core i is cpus[i], with SMT also its sibling cpus[i + sib].
  const auto core = [&](long long first, long long count) {
    std::vector<int> threads = slice(layout.cpus, first, first + count);
    if (layout.smt) {
      const auto siblings = slice(layout.cpus, first + layout.sib, first + layout.sib + count);
      threads.insert(threads.end(), siblings.begin(), siblings.end());
    }
    std::sort(threads.begin(), threads.end());
    return threads;
  };
  ReservedCpus reserved;
  reserved.system = core(0, kSystemCores);
  reserved.vswitch_main = core(kSystemCores, kVswitchMainCores);
  reserved.vswitch_data =
      core(kSystemCores + kVswitchMainCores, layout.skip - kSystemCores - kVswitchMainCores);
  return reserved;
}

}  // namespace

NfPlacement get_affinity_nf(const Machine& machine, const NfAffinityParams& params, int nf_chain,
                            int nf_node) {
  validate(params);
  // CSIT checks the chain and node before anything else.
  require_input(
      1 <= nf_chain && nf_chain <= params.nf_chains, kWhere,
      fmt::format("nf_chain {} is out of range 1..{} (nf_chains)", nf_chain, params.nf_chains));
  require_input(
      1 <= nf_node && nf_node <= params.nf_nodes, kWhere,
      fmt::format("nf_node {} is out of range 1..{} (nf_nodes)", nf_node, params.nf_nodes));
  return place_one(csit_layout(machine, params), params, nf_chain, nf_node);
}

ReservedCpus csit_reserved_cpus(const Machine& machine, const NfAffinityParams& params) {
  validate(params);
  return reserved_cpus(csit_layout(machine, params));
}

CpuPlacement place_nfs_csit(const Machine& machine, const NfAffinityParams& params,
                            bool allow_overlap) {
  validate(params);
  const CsitLayout layout = csit_layout(machine, params);
  CpuPlacement placement;
  placement.reserved = reserved_cpus(layout);
  for (int chain = 1; chain <= params.nf_chains; ++chain) {
    for (int node = 1; node <= params.nf_nodes; ++node) {
      placement.nfs.push_back(place_one(layout, params, chain, node));
    }
  }

  std::vector<std::string> conflicts;
  const std::size_t expected_workers =
      params.nf_dtc.is_hyper_thread()
          ? 1
          : static_cast<std::size_t>(layout.dtc) * (layout.smt ? kThreadsPerCore : 1);
  for (const auto& nf : placement.nfs) {
    if (nf.workers.size() < expected_workers) {
      conflicts.push_back(fmt::format("{} gets {} of {} data cpus", nf.label(), nf.workers.size(),
                                      expected_workers));
    }
  }
  for (const auto& overlap : find_overlaps(placement)) {
    if (!overlap.allowed) conflicts.push_back(overlap.describe());
  }
  if (conflicts.empty()) return placement;

  const long long really_needed = layout.skip + layout.mt_req + layout.dt_req * layout.dtc;
  const std::string summary = fmt::format(
      "NF data cpus overlap: {} data slots of {} cores (nf_dtc) need {} physical cores on NUMA "
      "node {}, which has {} (CSIT's own check counts one core per slot); {} conflict{}",
      layout.dt_req, layout.dtc, really_needed, params.numa_node, layout.available,
      conflicts.size(), conflicts.size() == 1 ? "" : "s");
  if (allow_overlap) {
    placement.warnings.push_back(summary);
    placement.warnings.insert(placement.warnings.end(), conflicts.begin(), conflicts.end());
    return placement;
  }
  const std::size_t shown = std::min(conflicts.size(), kConflictsShown);
  std::string listed = fmt::format(
      "{}",
      fmt::join(conflicts.begin(), conflicts.begin() + static_cast<std::ptrdiff_t>(shown), "; "));
  if (shown < conflicts.size()) listed += fmt::format("; and {} more", conflicts.size() - shown);
  throw Error::bad_input(
      kWhere,
      fmt::format("{}: {}; allow overlaps (--allow-overlap) to accept this", summary, listed));
}

}  // namespace cnfctl::cpu
