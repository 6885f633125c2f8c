// cnfctl's own resource use at the end of a command, for the `--json` summaries of `up` and
// `down` (bench/up_down reads it to tell cnfctl's CPU from that of the engine CLIs it ran).
#pragma once

#include <sys/resource.h>

#include <nlohmann/json.hpp>

namespace cnfctl::cli {

/// {"cpu_self_ms", "cpu_children_ms", "max_rss_kb"}: user + system CPU of this process (all its
/// threads) and of its waited-for children (engine CLIs, probes), and this process's peak RSS.
inline nlohmann::json resource_usage_json() {
  auto cpu_ms = [](const rusage& usage) {
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
  };
  rusage self{};
  rusage children{};
  ::getrusage(RUSAGE_SELF, &self);
  ::getrusage(RUSAGE_CHILDREN, &children);
  return {{"cpu_self_ms", cpu_ms(self)},
          {"cpu_children_ms", cpu_ms(children)},
          {"max_rss_kb", self.ru_maxrss}};  // Linux: kilobytes
}

}  // namespace cnfctl::cli
