#include "cpu/machine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

#include "common/error.h"
#include "cpu/cpu_list.h"

namespace cnfctl::cpu {
namespace {

namespace fs = std::filesystem;

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  while (true) {
    const auto at = text.find(separator);
    parts.push_back(trim(text.substr(0, at)));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

std::optional<int> to_int(std::string_view text) {
  text = trim(text);
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Column positions in `lscpu -p` output; -1 when the column is absent.
struct LscpuColumns {
  int cpu = 0;
  int core = 1;
  int socket = 2;
  int node = 3;
};

// A header comment is "# CPU,Core,Socket,Node,,L1d,..." (the column list of `lscpu -p[=list]`).
std::optional<LscpuColumns> parse_lscpu_header(std::string_view comment) {
  const auto names = split(trim(comment.substr(1)), ',');
  if (names.empty() || upper(names.front()) != "CPU") return std::nullopt;
  LscpuColumns columns{0, -1, -1, -1};
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name = upper(names[i]);
    const int index = static_cast<int>(i);
    if (name == "CORE") columns.core = index;
    if (name == "SOCKET") columns.socket = index;
    if (name == "NODE") columns.node = index;
  }
  return columns;
}

std::optional<std::string> read_small_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int read_sysfs_int(const fs::path& path) {
  const auto text = read_small_file(path);
  if (!text) throw Error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  const auto value = to_int(*text);
  if (!value) {
    throw Error(fmt::format("{}: expected a number, found '{}'", path.string(), trim(*text)));
  }
  return *value;
}

std::vector<int> read_sysfs_cpu_list(const fs::path& path) {
  const auto text = read_small_file(path);
  if (!text) throw Error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  try {
    return parse_cpu_list(*text, path.string());
  } catch (const Error& e) {
    throw Error(e.describe());  // the host's own files: a failure, not the user's input
  }
}

// Whether `path` exists; false also when it cannot be checked (the read that follows says why).
bool path_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

// The N of a folder entry named "<prefix>N", if it is one.
std::optional<int> numbered_entry(const fs::path& entry, std::string_view prefix) {
  const std::string name = entry.filename().string();
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) {
    return std::nullopt;
  }
  const std::string_view digits = std::string_view(name).substr(prefix.size());
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return to_int(digits);
}

std::vector<std::pair<int, fs::path>> numbered_entries(const fs::path& folder,
                                                       std::string_view prefix) {
  std::vector<std::pair<int, fs::path>> entries;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (const auto number = numbered_entry(it->path(), prefix)) {
      entries.emplace_back(*number, it->path());
    }
  }
  if (ec) throw Error(fmt::format("cannot list {}: {}", folder.string(), ec.message()));
  std::sort(entries.begin(), entries.end());
  return entries;
}

}  // namespace

Machine::Machine(std::vector<LogicalCpu> cpus) : cpus_(std::move(cpus)) {
  const std::string where = "machine";
  require_input(!cpus_.empty(), where, "no cpus");
  std::sort(cpus_.begin(), cpus_.end(),
            [](const LogicalCpu& a, const LogicalCpu& b) { return a.id < b.id; });
  for (std::size_t i = 0; i < cpus_.size(); ++i) {
    require_input(cpus_[i].id >= 0, where, fmt::format("negative cpu id {}", cpus_[i].id));
    require_input(i == 0 || cpus_[i].id != cpus_[i - 1].id, where,
                  fmt::format("cpu {} is listed twice", cpus_[i].id));
  }

  std::map<std::pair<int, int>, std::vector<int>> threads_of_core;
  for (const auto& cpu : cpus_) threads_of_core[{cpu.socket, cpu.core}].push_back(cpu.id);
  for (auto& cpu : cpus_) {
    if (cpu.siblings.empty()) {
      cpu.siblings = threads_of_core[{cpu.socket, cpu.core}];
      continue;
    }
    std::vector<int> present;
    for (int sibling : cpu.siblings) {
      if (sibling == cpu.id || find(sibling) != nullptr) present.push_back(sibling);
    }
    present.push_back(cpu.id);
    std::sort(present.begin(), present.end());
    present.erase(std::unique(present.begin(), present.end()), present.end());
    cpu.siblings = std::move(present);
  }
  for (const auto& cpu : cpus_) {
    for (int sibling : cpu.siblings) {
      require_input(find(sibling)->siblings == cpu.siblings, where,
                    fmt::format("cpus {} and {} disagree about their SMT siblings ({} vs {})",
                                cpu.id, sibling, format_cpu_list(cpu.siblings),
                                format_cpu_list(find(sibling)->siblings)));
      // One physical core sits on one NUMA node; placement per node relies on it.
      require_input(
          find(sibling)->node == cpu.node, where,
          fmt::format("cpus {} and {} are threads of one core but on NUMA nodes {} and {}", cpu.id,
                      sibling, cpu.node, find(sibling)->node));
    }
    if (cpu.siblings.size() > 1) smt_ = true;
  }
}

const LogicalCpu* Machine::find(int id) const {
  const auto it = std::lower_bound(cpus_.begin(), cpus_.end(), id,
                                   [](const LogicalCpu& cpu, int value) { return cpu.id < value; });
  return it != cpus_.end() && it->id == id ? &*it : nullptr;
}

std::vector<int> Machine::numa_nodes() const {
  std::set<int> nodes;
  for (const auto& cpu : cpus_) nodes.insert(cpu.node);
  return {nodes.begin(), nodes.end()};
}

std::vector<int> Machine::cpus_on_node(int node) const {
  std::vector<int> ids;
  for (const auto& cpu : cpus_) {
    if (cpu.node == node) ids.push_back(cpu.id);
  }
  return ids;
}

std::vector<std::vector<int>> Machine::cores_on_node(int node) const {
  std::vector<std::vector<int>> cores;
  for (const auto& cpu : cpus_) {
    // A core is listed once, at its first thread (cpus_ is ascending, siblings too).
    if (cpu.node == node && cpu.siblings.front() == cpu.id) {
      std::vector<int> threads;
      for (int sibling : cpu.siblings) {
        if (find(sibling)->node == node) threads.push_back(sibling);
      }
      cores.push_back(std::move(threads));
    }
  }
  return cores;
}

std::vector<int> Machine::cpus_by_thread_rank(int node) const {
  const auto cores = cores_on_node(node);
  std::vector<int> ordered;
  for (std::size_t rank = 0;; ++rank) {
    const std::size_t before = ordered.size();
    for (const auto& threads : cores) {
      if (rank < threads.size()) ordered.push_back(threads[rank]);
    }
    if (ordered.size() == before) return ordered;
  }
}

std::size_t Machine::core_count() const {
  return static_cast<std::size_t>(
      std::count_if(cpus_.begin(), cpus_.end(),
                    [](const LogicalCpu& cpu) { return cpu.siblings.front() == cpu.id; }));
}

std::string Machine::summary() const {
  std::set<int> sockets;
  for (const auto& cpu : cpus_) sockets.insert(cpu.socket);
  const auto nodes = numa_nodes();
  return fmt::format("{} cpus, {} cores, {} socket{}, {} NUMA node{}, SMT {}", cpus_.size(),
                     core_count(), sockets.size(), sockets.size() == 1 ? "" : "s", nodes.size(),
                     nodes.size() == 1 ? "" : "s", smt_ ? "on" : "off");
}

Machine Machine::from_lscpu(std::string_view text, const std::string& source) {
  LscpuColumns columns;
  std::vector<LogicalCpu> cpus;
  std::set<int> seen;
  int line_number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    ++line_number;
    if (line.empty()) continue;
    const std::string where = fmt::format("{}:{}", source, line_number);
    if (line.front() == '#') {
      if (const auto header = parse_lscpu_header(line)) columns = *header;
      continue;
    }
    const auto fields = split(line, ',');
    const int needed = std::max({columns.cpu, columns.core, columns.socket, columns.node}) + 1;
    if (static_cast<int>(fields.size()) < needed) {
      throw Error::bad_input(
          where, fmt::format("expected at least {} comma-separated fields (CPU,Core,Socket,Node), "
                             "found {}: '{}'",
                             needed, fields.size(), line));
    }
    // Returns the column's value; `fallback` when the column is absent or (if allowed) empty.
    const auto field = [&](int column, const char* name, std::optional<int> empty_value) {
      if (column < 0) return empty_value.value_or(0);
      const std::string_view value = fields[static_cast<std::size_t>(column)];
      if (value.empty() && empty_value) return *empty_value;
      const auto number = to_int(value);
      if (!number || *number < 0) {
        throw Error::bad_input(
            where,
            fmt::format("column {} is '{}', not a cpu topology number: '{}'", name, value, line));
      }
      return *number;
    };
    LogicalCpu cpu;
    cpu.id = field(columns.cpu, "CPU", std::nullopt);
    cpu.core =
        field(columns.core, "Core", columns.core < 0 ? std::optional<int>(cpu.id) : std::nullopt);
    cpu.socket = field(columns.socket, "Socket", 0);
    cpu.node = field(columns.node, "Node", 0);
    if (!seen.insert(cpu.id).second) {
      throw Error::bad_input(where, fmt::format("cpu {} is listed twice", cpu.id));
    }
    cpus.push_back(cpu);
  }
  require_input(!cpus.empty(), source, "no cpu lines found (expected `lscpu -p` output)");
  return Machine(std::move(cpus));
}

Machine Machine::from_lscpu_file(const fs::path& file) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) {
    throw Error::bad_input(file.string(), "cannot read the lscpu file: it is a directory");
  }
  std::ifstream in(file);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    throw Error::bad_input(file.string(),
                           fmt::format("cannot read the lscpu file: {}", std::strerror(errno)));
  }
  return from_lscpu(text.str(), file.string());
}

Machine Machine::from_sysfs(const fs::path& root) {
  const fs::path cpu_folder = root / "devices/system/cpu";
  std::optional<std::set<int>> online;
  if (path_exists(cpu_folder / "online")) {
    const auto ids = read_sysfs_cpu_list(cpu_folder / "online");
    online.emplace(ids.begin(), ids.end());
  }

  std::map<int, int> node_of_cpu;
  const fs::path node_folder = root / "devices/system/node";
  if (std::error_code ec; fs::is_directory(node_folder, ec)) {
    for (const auto& [node, path] : numbered_entries(node_folder, "node")) {
      if (!path_exists(path / "cpulist")) continue;
      for (int id : read_sysfs_cpu_list(path / "cpulist")) node_of_cpu.emplace(id, node);
    }
  }

  std::vector<LogicalCpu> cpus;
  for (const auto& [id, path] : numbered_entries(cpu_folder, "cpu")) {
    const fs::path topology = path / "topology";
    const bool has_topology = path_exists(topology / "core_id");
    if (online ? online->count(id) == 0 : !has_topology) continue;  // offline
    LogicalCpu cpu;
    cpu.id = id;
    cpu.core = id;
    if (has_topology) {
      cpu.core = read_sysfs_int(topology / "core_id");
      cpu.socket = std::max(0, read_sysfs_int(topology / "physical_package_id"));
      if (path_exists(topology / "thread_siblings_list")) {
        cpu.siblings = read_sysfs_cpu_list(topology / "thread_siblings_list");
      }
    } else {
      cpu.siblings = {id};
    }
    if (const auto it = node_of_cpu.find(id); it != node_of_cpu.end()) {
      cpu.node = it->second;
    } else if (const auto links = numbered_entries(path, "node"); !links.empty()) {
      cpu.node = links.front().first;
    }
    cpus.push_back(std::move(cpu));
  }
  if (cpus.empty()) throw Error(fmt::format("no online cpu found under {}", cpu_folder.string()));
  try {
    return Machine(std::move(cpus));
  } catch (const Error& e) {
    throw Error(fmt::format("{}: {}", cpu_folder.string(), e.message()));
  }
}

}  // namespace cnfctl::cpu
