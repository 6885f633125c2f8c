#include "common/names.h"

#include <fmt/format.h>

#include "common/error.h"

namespace cnfctl {

namespace {
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
}  // namespace

bool is_safe_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength || !is_alnum(name.front())) return false;
  for (char c : name) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

void require_safe_name(std::string_view name, const std::string& what, const std::string& where) {
  if (is_safe_name(name)) return;
  std::string why;
  if (name.empty()) {
    why = "it is empty";
  } else if (name.size() > kMaxNameLength) {
    why = fmt::format("it is {} characters long, the limit is {}", name.size(), kMaxNameLength);
  } else {
    why = "names must match [A-Za-z0-9][A-Za-z0-9_.-]* because they become paths";
  }
  throw Error::bad_input(where, fmt::format("unsafe {} '{}': {}", what, name, why));
}

}  // namespace cnfctl
