// Linux cpu-list text ("0-3,8,10-11"), as found in sysfs (cpulist, thread_siblings_list) and as
// taken by cpusets (`docker run --cpuset-cpus`, cgroup cpuset.cpus, VPP corelist-workers).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cnfctl::cpu {

/// Parses a cpu list such as "0-3,8,10-11" (blanks and a trailing newline are ignored; an empty
/// text is the empty list). Returns the cpus ascending, without duplicates.
/// Throws Error::bad_input(where, ...) naming the offending item when the text is malformed
/// (not a number, a reversed range "5-3", a negative number).
std::vector<int> parse_cpu_list(std::string_view text, const std::string& where);

/// The highest cpu number a list may name (Linux's NR_CPUS limit is 8192), so a range such as
/// "0-2000000000" is rejected instead of expanded.
inline constexpr int kMaxCpuNumber = 8191;

/// Formats cpus as a compact cpu list, ranges for runs of 3 or more: {0,1,2,3,8,10,11} →
/// "0-3,8,10,11". The input order does not matter; duplicates are dropped. Never fails.
std::string format_cpu_list(std::vector<int> cpus);

}  // namespace cnfctl::cpu
