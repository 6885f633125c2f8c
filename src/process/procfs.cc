#include "process/procfs.h"

#include <algorithm>
#include <charconv>
#include <filesystem>

namespace cnfctl::process {

std::vector<int> process_ids() {
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    int pid = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
    if (error == std::errc() && end == name.data() + name.size()) pids.push_back(pid);
  }
  return pids;
}

std::optional<std::string> status_field(std::string_view status_text, std::string_view key) {
  const std::string label = std::string(key) + ":";
  std::size_t line = 0;  // where the line to look at starts
  while (!status_text.substr(line).starts_with(label)) {
    line = status_text.find('\n', line);
    if (line == std::string_view::npos) return std::nullopt;
    ++line;
  }
  std::string_view value = status_text.substr(line + label.size());
  value = value.substr(0, value.find('\n'));
  value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
  return std::string(value);
}

unsigned long long status_signal_set(std::string_view status_text, std::string_view key) {
  const auto hex = status_field(status_text, key);
  if (!hex) return 0;
  unsigned long long set = 0;
  const auto parsed = std::from_chars(hex->data(), hex->data() + hex->size(), set, 16);
  return parsed.ec == std::errc() ? set : 0;
}

std::optional<std::string> stat_field(std::string_view stat_text, int number) {
  const auto paren = stat_text.rfind(')');
  if (paren == std::string_view::npos || number < 3) return std::nullopt;
  constexpr std::string_view kBlanks = " \t\n";
  std::string_view rest = stat_text.substr(paren + 1);
  for (int field = 3;; ++field) {
    const auto start = rest.find_first_not_of(kBlanks);
    if (start == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(start);
    const auto end = std::min(rest.find_first_of(kBlanks), rest.size());
    if (field == number) return std::string(rest.substr(0, end));
    rest.remove_prefix(end);
  }
}

}  // namespace cnfctl::process
