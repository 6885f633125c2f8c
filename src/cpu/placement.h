// CPU placement of NFs: the parameters (CSIT's names), the result (per NF a main-thread cpu and
// data-plane worker cpus), the overlap check, and the choice of policy:
//   csit   — CSIT's CpuUtils.get_affinity_nf, exactly (nf_affinity.h); for real benchmarks.
//   shared — every NF placed even on a 2-core machine, cpus oversubscribed with warnings
//            (shared_placement.h); for functional tests and laptops.
// Planning is pure: nothing here touches a machine.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cpu/machine.h"

namespace cnfctl::cpu {

/// The physical cores an NF's data plane gets (CSIT's nf_dtc): a whole number of cores (0 or
/// more; with SMT on each core gives two threads), or one hyper-thread (CSIT's nf_dtc=0.5).
class DataCores {
 public:
  /// `count` whole physical cores.
  static constexpr DataCores cores(int count) { return DataCores(count, false); }
  /// One hyper-thread of a core (needs SMT under the csit policy).
  static constexpr DataCores hyper_thread() { return DataCores(1, true); }
  /// Parses "0", "1", "2", ... or "0.5" (also ".5").
  /// Throws Error::bad_input(where, ...) for anything else (other fractions, negatives, text).
  static DataCores parse(std::string_view text, const std::string& where);

  bool is_hyper_thread() const { return half_; }
  /// The whole cores (1 for a hyper-thread, as CSIT computes with it).
  int whole_cores() const { return count_; }
  /// "2" or "0.5".
  std::string to_string() const;
  bool operator==(const DataCores&) const = default;

 private:
  constexpr DataCores(int count, bool half) : count_(count), half_(half) {}
  int count_;
  bool half_;
};

/// What to place, with CSIT's parameter names and defaults (CpuUtils.get_affinity_nf). CSIT
/// reserves the NUMA node's first core for the system and the next 1 + vs_dtc cores for the
/// vswitch (main, data), and places NFs on the cores after those.
struct NfAffinityParams {
  int nf_chains = 1;                       ///< number of NF chains
  int nf_nodes = 1;                        ///< NFs per chain
  int vs_dtc = 1;                          ///< vswitch data-plane physical cores
  DataCores nf_dtc = DataCores::cores(1);  ///< data-plane cores of each NF
  int nf_mtcr = 2;                         ///< NF main threads per physical core
  int nf_dtcr = 1;    ///< NFs per data-plane core slot (>1: NFs share data cores by design)
  int numa_node = 0;  ///< the NUMA node of the NICs, where everything is placed
};

/// The most NFs (nf_chains x nf_nodes) one placement takes.
inline constexpr int kMaxNfs = 4096;

/// Throws Error::bad_input("cpu placement", ...) unless nf_chains, nf_nodes, nf_mtcr and nf_dtcr
/// are at least 1, vs_dtc, whole nf_dtc and numa_node at least 0, and there are at most kMaxNfs
/// NFs.
void validate(const NfAffinityParams& params);

/// Throws Error::bad_input("cpu placement", ...) naming the machine's NUMA nodes when `node` has
/// no cpus.
void require_cpus_on_node(const Machine& machine, int node);

/// One NF (chain `chain`, position `node` in it; both from 1) and its cpus.
struct NfPlacement {
  int chain = 1;
  int node = 1;
  int main = 0;              ///< the cpu of the NF's main thread
  std::vector<int> workers;  ///< the cpus of its data-plane threads, in CSIT's order
  /// NFs with the same group share data cpus by design (CSIT's nf_dtcr > 1 puts nf_dtcr NFs in
  /// one data-core slot); no group: the NF's data cpus are its own.
  std::optional<int> data_group;

  /// main followed by workers: CSIT's get_affinity_nf list.
  std::vector<int> cpus() const;
  /// "chain 1 node 2".
  std::string label() const;
};

/// The cpus kept away from NFs: CSIT's system core and vswitch cores.
struct ReservedCpus {
  std::vector<int> system;        ///< threads of the system core
  std::vector<int> vswitch_main;  ///< threads of the vswitch main core
  std::vector<int> vswitch_data;  ///< threads of the vs_dtc vswitch data cores
  /// Every reserved cpu, ascending.
  std::vector<int> all() const;
};

/// The placement of every NF of a plan.
struct CpuPlacement {
  std::vector<NfPlacement> nfs;  ///< chain by chain, node by node within a chain
  ReservedCpus reserved;
  std::vector<std::string> warnings;  ///< things a user should know; not failures

  /// The NF at (chain, node), or nullptr.
  const NfPlacement* find(int chain, int node) const;
};

/// A cpu that more than one user (NF thread or reservation) is placed on.
struct CpuOverlap {
  int cpu = 0;
  std::vector<std::string> users;  ///< "chain 1 node 2 data", "chain 1 node 3 main", "reserved"
  bool allowed = false;            ///< data cpus shared within one data_group, by design
  /// "cpu 13: chain 1 node 1 data, chain 1 node 2 data".
  std::string describe() const;
};

/// Every cpu that some NF runs a data-plane thread on and that something else also uses (another
/// NF's data or main thread, the same NF's main thread, or a reservation), plus NF main threads
/// on reserved cpus. NF main threads sharing a cpu are not reported: CSIT packs them by design
/// (nf_mtcr). Ascending by cpu. Never fails.
std::vector<CpuOverlap> find_overlaps(const CpuPlacement& placement);

/// The placement policies.
enum class CpuPolicy {
  kCsit,    ///< CSIT's get_affinity_nf: exclusive cores, fails when they do not fit
  kShared,  ///< every NF placed round-robin, oversubscribing cpus with warnings
};

/// Parses "csit" or "shared". Throws Error::bad_input(where, ...) naming the known policies.
CpuPolicy parse_cpu_policy(std::string_view text, const std::string& where);
/// "csit" or "shared".
std::string_view to_string(CpuPolicy policy);

struct PlacementOptions {
  CpuPolicy policy = CpuPolicy::kCsit;
  /// csit policy: report data-cpu overlaps as warnings instead of failing.
  bool allow_overlap = false;
};

/// Places every NF of `params` on `machine` with the chosen policy: see place_nfs_csit
/// (nf_affinity.h) and place_nfs_shared (shared_placement.h) for what each returns and throws.
CpuPlacement place_nfs(const Machine& machine, const NfAffinityParams& params,
                       const PlacementOptions& options = {});

}  // namespace cnfctl::cpu
