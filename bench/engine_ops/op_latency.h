// Per-operation latency: the same container lifecycle (create+start, exec, copy-in, stop,
// destroy) through cnfctl's Engine and through the engine's CLI, interleaved iteration by
// iteration so drift on a shared machine hits both sides alike.
#pragma once

#include <string>
#include <vector>

#include "bench_target.h"

namespace cnfctl::bench {

struct OpLatency {
  std::string operation;  // "create+start", "exec true", ...
  double cnfctl_ms = 0;   // median
  double cli_ms = 0;      // median
};

/// The operations in order, then "lifecycle" (the median of each iteration's total). One
/// untimed warm-up iteration comes first. Throws Interrupted, cnfctl::Error.
std::vector<OpLatency> measure_op_latency(BenchTarget& target, int iterations);

}  // namespace cnfctl::bench
