// The csit policy: FD.io CSIT's CpuUtils.get_affinity_nf (with cpu_slice_of_list_for_nf and
// cpu_list_per_node), reproduced exactly — including CSIT's capacity check, which counts one core
// per NF data slot whatever nf_dtc is, and Python's silent slice truncation. Where that makes NFs
// overlap, place_nfs_csit says so (see find_overlaps in placement.h).
//
// CSIT's list per NUMA node has every core's first thread, then every core's second thread
// (siblings half a list apart); cnfctl builds that order from the real sibling sets, so it also
// holds on machines that number their threads differently.
#pragma once

#include "cpu/machine.h"
#include "cpu/placement.h"

namespace cnfctl::cpu {

/// CSIT Constants.CPU_CNT_SYSTEM and CPU_CNT_MAIN: cores reserved before the vswitch data cores.
inline constexpr int kSystemCores = 1;
inline constexpr int kVswitchMainCores = 1;

/// The cpus of NF (nf_chain, nf_node), both from 1: exactly CSIT's get_affinity_nf list, split
/// into main (its first element) and workers (the rest); data_group is the NF's data-core slot.
/// Throws Error::bad_input("cpu placement", ...) where CSIT raises, saying why: nf_chain or
/// nf_node out of range; nf_dtc=0.5 without SMT; fewer physical cores on the NUMA node than
/// 1 system + 1 vswitch main + vs_dtc + NF main cores + NF data slots (the message gives both
/// numbers); and, beyond CSIT, invalid params (see validate) or SMT with other than 2 threads on
/// some core of the node (CSIT's sibling arithmetic would pin unrelated threads).
NfPlacement get_affinity_nf(const Machine& machine, const NfAffinityParams& params, int nf_chain,
                            int nf_node);

/// The cores CSIT keeps from NFs on params.numa_node: the first for the system, the next for the
/// vswitch main thread, the next vs_dtc for vswitch data threads (each core with all its
/// threads). Throws as get_affinity_nf when the placement does not fit.
ReservedCpus csit_reserved_cpus(const Machine& machine, const NfAffinityParams& params);

/// get_affinity_nf for every NF (chain by chain, node by node), plus the reservation, then
/// checked with find_overlaps: data cpus shared outside a data_group, data cpus on another
/// thread's cpu or a reserved one, and NFs that got fewer data cpus than asked (CSIT's slices
/// run past the node when nf_dtc > 1 slots do not fit) are conflicts.
/// Throws as get_affinity_nf, and Error::bad_input("cpu placement", ...) listing the conflicts
/// and the cores really needed unless `allow_overlap`, in which case they become warnings.
CpuPlacement place_nfs_csit(const Machine& machine, const NfAffinityParams& params,
                            bool allow_overlap = false);

}  // namespace cnfctl::cpu
