// The shared policy, for machines too small for CSIT's exclusive cores (a 2-core VM, a laptop):
// every NF is placed anyway, round-robin over the NUMA node's cpus, and the result says — as
// warnings, not errors — which cpus are oversubscribed. Fine for functional tests; numbers
// measured on it are not performance results.
#pragma once

#include "cpu/machine.h"
#include "cpu/placement.h"

namespace cnfctl::cpu {

/// Places every NF of `params` on params.numa_node, in the same shape as the csit policy (per NF
/// a main cpu and nf_dtc cores' worth of worker threads: nf_dtc threads without SMT, 2 x nf_dtc
/// with SMT, 1 for nf_dtc=0.5; nf_mtcr and nf_dtcr are not used).
///
/// The node's first core stays the system's and the next 1 + vs_dtc cores the vswitch's while at
/// least one core is left for NFs; with fewer cores the vswitch, and on a one-core node the
/// system, share cpus with NFs. NF threads (main, then workers) then take the remaining cpus
/// round-robin, cores' first threads before their siblings; an NF's workers are distinct cpus
/// other than its main thread's (VPP refuses a worker on its main core), so an NF asking for
/// more workers than there are other cpus gets one per cpu, and with one cpu none: main only.
/// Every compromise is a warning in the result. Throws Error::bad_input("cpu placement", ...)
/// only for invalid params (see validate) or a NUMA node without cpus.
CpuPlacement place_nfs_shared(const Machine& machine, const NfAffinityParams& params);

}  // namespace cnfctl::cpu
