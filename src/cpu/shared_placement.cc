#include "cpu/shared_placement.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>

#include "common/error.h"
#include "cpu/cpu_list.h"
#include "cpu/nf_affinity.h"

namespace cnfctl::cpu {
namespace {

std::vector<int> threads_of(const std::vector<std::vector<int>>& cores, std::size_t first,
                            std::size_t count) {
  std::vector<int> threads;
  for (std::size_t i = first; i < first + count && i < cores.size(); ++i) {
    threads.insert(threads.end(), cores[i].begin(), cores[i].end());
  }
  return threads;
}

// Hands out the pool's cpus round-robin.
class RoundRobin {
 public:
  explicit RoundRobin(std::vector<int> pool) : pool_(std::move(pool)) {}
  std::size_t size() const { return pool_.size(); }
  const std::vector<int>& cpus() const { return pool_; }
  int next() { return pool_[cursor_++ % pool_.size()]; }
  // `count` distinct cpus other than `except` (as many as the pool has, at most).
  std::vector<int> next_distinct(std::size_t count, std::optional<int> except = std::nullopt) {
    const bool pool_has_except =
        except && std::find(pool_.begin(), pool_.end(), *except) != pool_.end();
    const std::size_t available = pool_.size() - (pool_has_except ? 1 : 0);
    std::vector<int> cpus;
    while (cpus.size() < std::min(count, available)) {
      const int cpu = next();
      if (cpu != except && std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) {
        cpus.push_back(cpu);
      }
    }
    return cpus;
  }

 private:
  std::vector<int> pool_;
  std::size_t cursor_ = 0;
};

}  // namespace

CpuPlacement place_nfs_shared(const Machine& machine, const NfAffinityParams& params) {
  validate(params);
  require_cpus_on_node(machine, params.numa_node);
  const auto cores = machine.cores_on_node(params.numa_node);
  const std::size_t vswitch_cores = kVswitchMainCores + static_cast<std::size_t>(params.vs_dtc);
  const std::size_t system_cores = kSystemCores;

  CpuPlacement placement;
  placement.reserved.system = threads_of(cores, 0, system_cores);
  // The cores NFs may use, and whether the vswitch gets cores of its own.
  std::size_t first_nf_core = 0;
  bool vswitch_shares = true;
  if (cores.size() > system_cores + vswitch_cores) {
    first_nf_core = system_cores + vswitch_cores;
    vswitch_shares = false;
    placement.reserved.vswitch_main = threads_of(cores, system_cores, kVswitchMainCores);
    placement.reserved.vswitch_data = threads_of(cores, system_cores + kVswitchMainCores,
                                                 static_cast<std::size_t>(params.vs_dtc));
  } else if (cores.size() > system_cores) {
    first_nf_core = system_cores;
    placement.warnings.push_back(fmt::format(
        "NUMA node {} has {} cores, too few to keep {} for the vswitch (1 main + {} data): the "
        "vswitch shares cpus with NFs",
        params.numa_node, cores.size(), vswitch_cores, params.vs_dtc));
  } else {
    placement.warnings.push_back(
        fmt::format("NUMA node {} has a single core: the system and the vswitch share it with NFs",
                    params.numa_node));
  }

  // Cores' first threads before their siblings, so NFs spread over physical cores first.
  const auto kept = threads_of(cores, 0, first_nf_core);
  std::vector<int> nf_cpus = machine.cpus_by_thread_rank(params.numa_node);
  std::erase_if(nf_cpus,
                [&](int cpu) { return std::find(kept.begin(), kept.end(), cpu) != kept.end(); });
  RoundRobin pool(std::move(nf_cpus));
  std::size_t threads = 0;
  if (vswitch_shares) {
    placement.reserved.vswitch_main = {pool.next()};
    placement.reserved.vswitch_data = pool.next_distinct(static_cast<std::size_t>(params.vs_dtc));
    threads += 1 + static_cast<std::size_t>(params.vs_dtc);
  }

  const std::size_t workers_per_nf =
      params.nf_dtc.is_hyper_thread()
          ? 1
          : static_cast<std::size_t>(params.nf_dtc.whole_cores()) * (machine.smt_enabled() ? 2 : 1);
  for (int chain = 1; chain <= params.nf_chains; ++chain) {
    for (int node = 1; node <= params.nf_nodes; ++node) {
      NfPlacement nf;
      nf.chain = chain;
      nf.node = node;
      nf.main = pool.next();
      // Never a worker on the main thread's cpu (VPP refuses main-core N with
      // corelist-workers N); with a single cpu the NF runs its main thread only.
      nf.workers = pool.next_distinct(workers_per_nf, nf.main);
      threads += 1 + nf.workers.size();
      if (nf.workers.empty() && workers_per_nf > 0) {
        placement.warnings.push_back(fmt::format(
            "{} asks for {} data thread{} but only its main thread's cpu is available: it runs "
            "its main thread only",
            nf.label(), workers_per_nf, workers_per_nf == 1 ? "" : "s"));
      } else if (nf.workers.size() < workers_per_nf) {
        placement.warnings.push_back(fmt::format(
            "{} asks for {} data threads but only {} cpu{} besides its main thread's {} "
            "available: it gets one on each",
            nf.label(), workers_per_nf, nf.workers.size(), nf.workers.size() == 1 ? "" : "s",
            nf.workers.size() == 1 ? "is" : "are"));
      }
      placement.nfs.push_back(std::move(nf));
    }
  }

  if (threads > pool.size()) {
    std::map<int, int> load;
    for (const auto& nf : placement.nfs) {
      for (int cpu : nf.cpus()) ++load[cpu];
    }
    int busiest = 0;
    for (const auto& [cpu, count] : load) busiest = std::max(busiest, count);
    placement.warnings.push_back(fmt::format(
        "cpus oversubscribed: {} threads ({} NF{}{}) share {} cpu{} ({}), up to {} NF threads on "
        "one cpu; fine for functional tests, not for performance measurements",
        threads, placement.nfs.size(), placement.nfs.size() == 1 ? "" : "s",
        vswitch_shares ? " and the vswitch" : "", pool.size(), pool.size() == 1 ? "" : "s",
        format_cpu_list(pool.cpus()), busiest));
  }
  return placement;
}

}  // namespace cnfctl::cpu
