// Machines for the cpu tests, as `lscpu -p` text.
#pragma once

#include <fmt/format.h>

#include <string>

namespace cnfctl::cpu::testing {

/// `lscpu -p` text of `sockets` x `cores` x `threads`, one NUMA node per socket, numbered as
/// lscpu numbers Intel servers: every core's first thread, socket by socket, then the siblings.
inline std::string lscpu_text(int sockets, int cores, int threads) {
  std::string text = "# CPU,Core,Socket,Node,,L1d,L1i,L2,L3\n";
  int cpu = 0;
  for (int thread = 0; thread < threads; ++thread) {
    for (int socket = 0; socket < sockets; ++socket) {
      for (int core = 0; core < cores; ++core) {
        const int core_id = socket * cores + core;
        text += fmt::format("{},{},{},{},,{},{},{},{}\n", cpu++, core_id, socket, socket, core_id,
                            core_id, core_id, socket);
      }
    }
  }
  return text;
}

/// The same machine numbered as AMD and ARM servers often are: a core's threads are adjacent.
inline std::string lscpu_text_adjacent_siblings(int sockets, int cores, int threads) {
  std::string text = "# CPU,Core,Socket,Node,,L1d,L1i,L2,L3\n";
  int cpu = 0;
  for (int socket = 0; socket < sockets; ++socket) {
    for (int core = 0; core < cores; ++core) {
      for (int thread = 0; thread < threads; ++thread) {
        const int core_id = socket * cores + core;
        text += fmt::format("{},{},{},{},,{},{},{},{}\n", cpu++, core_id, socket, socket, core_id,
                            core_id, core_id, socket);
      }
    }
  }
  return text;
}

}  // namespace cnfctl::cpu::testing
