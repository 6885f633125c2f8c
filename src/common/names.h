// Validation of user-supplied names (runs, containers, prefixes): they become paths and argv
// elements on every node, so they are restricted to a safe alphabet and a bounded length.
#pragma once

#include <string>
#include <string_view>

namespace cnfctl {

/// The longest name accepted. Container names end up in socket paths, which are limited to
/// 108 bytes (sun_path), so names must leave room for a directory and a suffix.
inline constexpr std::size_t kMaxNameLength = 48;

/// True when `name` matches [A-Za-z0-9][A-Za-z0-9_.-]* and is at most kMaxNameLength long.
bool is_safe_name(std::string_view name);

/// Throws Error::bad_input(where, ...) explaining why `name` (what: e.g. "container name") is
/// not a safe name.
void require_safe_name(std::string_view name, const std::string& what, const std::string& where);

}  // namespace cnfctl
