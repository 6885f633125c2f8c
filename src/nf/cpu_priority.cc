#include "nf/cpu_priority.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "common/error.h"
#include "engine/node_facts.h"
#include "nf/nf_process.h"
#include "process/local_files.h"

namespace cnfctl::nf {
namespace {

struct CgroupLine {
  std::vector<std::string> controllers;  // v1: "cpu", "cpuacct"; cgroup2: none
  std::string path;                      // "/cnfctl/ab12"
};

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t at = 0;
  while (at <= text.size()) {
    auto end = text.find(separator, at);
    if (end == std::string::npos) end = text.size();
    parts.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

// The lines of a /proc/PID/cgroup text: "ID:CONTROLLERS:PATH".
std::vector<CgroupLine> cgroup_lines(const std::string& text) {
  std::vector<CgroupLine> lines;
  for (const auto& line : split(text, '\n')) {
    const auto first = line.find(':');
    if (first == std::string::npos) continue;
    const auto second = line.find(':', first + 1);
    if (second == std::string::npos) continue;
    CgroupLine parsed;
    const auto controllers = line.substr(first + 1, second - first - 1);
    if (!controllers.empty()) parsed.controllers = split(controllers, ',');
    parsed.path = line.substr(second + 1);
    lines.push_back(std::move(parsed));
  }
  return lines;
}

bool has(const std::vector<std::string>& words, const std::string& word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// The cgroup of the cpu controller in a /proc/PID/cgroup text, and whether it is a v1 one.
std::optional<std::pair<std::string, bool>> cpu_cgroup(const std::string& text) {
  std::optional<std::string> unified;
  for (const auto& line : cgroup_lines(text)) {
    if (has(line.controllers, "cpu")) return std::pair{line.path, true};
    if (line.controllers.empty()) unified = line.path;
  }
  if (unified) return std::pair{*unified, false};
  return std::nullopt;
}

constexpr const char* kSharesFile = "cpu.shares";
constexpr const char* kWeightFile = "cpu.weight";

}  // namespace

std::optional<std::string> cpu_weight_file(const std::string& proc_cgroup,
                                           const std::string& own_cgroup,
                                           const std::string& mountinfo) {
  const auto theirs = cpu_cgroup(proc_cgroup);
  if (!theirs || theirs->first.empty() || theirs->first == "/") return std::nullopt;
  const auto ours = cpu_cgroup(own_cgroup);
  if (ours && ours->first == theirs->first) return std::nullopt;
  const bool v1 = theirs->second;
  for (const auto& mount : engine::parse_node_facts(mountinfo).cgroup_mounts) {
    if (v1 ? (!mount.v2 && has(mount.controllers, "cpu")) : mount.v2) {
      return fmt::format("{}{}/{}", mount.path, theirs->first, v1 ? kSharesFile : kWeightFile);
    }
  }
  return std::nullopt;
}

std::optional<std::string> raised_weight(const std::string& weight_file, const std::string& now,
                                         int factor) {
  const long long most = weight_file.ends_with(kSharesFile) ? 262144 : 10000;
  long long value = 0;
  try {
    std::size_t used = 0;
    value = std::stoll(now, &used);
    if (used != now.size() || value <= 0) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return std::to_string(std::min(most, value * factor));
}

bool starts_beside_pollers(topology::NfKind kind) {
  return kind == topology::NfKind::kTestpmd || kind == topology::NfKind::kVpp ||
         kind == topology::NfKind::kTrafficgen;
}

CpuPriority CpuPriority::raise(const NfContext& ctx) {
  CpuPriority raised;
  if (!starts_beside_pollers(ctx.container.nf.kind) || !is_local_node(ctx.node)) return raised;
  std::optional<int> init;
  try {
    init = ctx.engine.init_pid(ctx.container.id);
  } catch (const Error&) {
    return raised;
  }
  if (!init || *init <= 1) return raised;
  const auto theirs = process::read_file_local(fmt::format("/proc/{}/cgroup", *init));
  const auto ours = process::read_file_local("/proc/self/cgroup");
  const auto mounts = process::read_file_local("/proc/self/mountinfo");
  if (!theirs || !ours || !mounts) return raised;
  const auto file = cpu_weight_file(*theirs, *ours, *mounts);
  if (!file) return raised;
  auto before = process::read_file_local(*file);
  if (!before || before->empty()) return raised;
  while (!before->empty() && before->back() == '\n') before->pop_back();
  const auto raised_to = raised_weight(*file, *before, kRaiseFactor);
  if (!raised_to || process::write_file_local(*file, *raised_to)) return raised;
  raised.file_ = *file;
  raised.before_ = *before;
  return raised;
}

CpuPriority::CpuPriority(CpuPriority&& other) noexcept
    : file_(std::exchange(other.file_, {})), before_(std::exchange(other.before_, {})) {}

CpuPriority& CpuPriority::operator=(CpuPriority&& other) noexcept {
  if (this != &other) {
    restore();
    file_ = std::exchange(other.file_, {});
    before_ = std::exchange(other.before_, {});
  }
  return *this;
}

void CpuPriority::restore() {
  if (file_.empty()) return;
  (void)process::write_file_local(file_, before_);
  file_.clear();
  before_.clear();
}

}  // namespace cnfctl::nf
