#include "cpu/cpu_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "common/error.h"

namespace cnfctl::cpu {
namespace {

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

int parse_cpu_number(std::string_view item, std::string_view whole, const std::string& where) {
  item = trim(item);
  int value = -1;
  const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), value);
  if (item.empty() || ec != std::errc{} || end != item.data() + item.size() || value < 0) {
    throw Error::bad_input(
        where, fmt::format("bad cpu list '{}': '{}' is not a cpu number", trim(whole), item));
  }
  if (value > kMaxCpuNumber) {
    throw Error::bad_input(where, fmt::format("bad cpu list '{}': cpu {} is above {}, the most "
                                              "Linux supports",
                                              trim(whole), value, kMaxCpuNumber));
  }
  return value;
}

}  // namespace

std::vector<int> parse_cpu_list(std::string_view text, const std::string& where) {
  std::vector<int> cpus;
  std::string_view rest = trim(text);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto dash = item.find('-');
    if (dash == std::string_view::npos) {
      cpus.push_back(parse_cpu_number(item, text, where));
      continue;
    }
    const int first = parse_cpu_number(item.substr(0, dash), text, where);
    const int last = parse_cpu_number(item.substr(dash + 1), text, where);
    if (last < first) {
      throw Error::bad_input(
          where, fmt::format("bad cpu list '{}': range '{}' is reversed", trim(text), trim(item)));
    }
    for (int cpu = first; cpu <= last; ++cpu) cpus.push_back(cpu);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(std::vector<int> cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string text;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!text.empty()) text += ',';
    if (j - i >= 2) {
      text += fmt::format("{}-{}", cpus[i], cpus[j]);
      i = j + 1;
    } else {
      text += fmt::format("{}", cpus[i]);
      ++i;
    }
  }
  return text;
}

}  // namespace cnfctl::cpu
