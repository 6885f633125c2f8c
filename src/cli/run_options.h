// Command-line pieces shared by the run commands (up, down, ps, exec, logs, restart, traffic).
#pragma once

#include <chrono>
#include <string>

namespace cnfctl::cli {

/// Parses "30s", "500ms", "2m" for option `option`. Throws Error::bad_input(option, ...) for
/// anything else or a zero duration.
std::chrono::milliseconds parse_duration_option(const std::string& text, const std::string& option);

}  // namespace cnfctl::cli
