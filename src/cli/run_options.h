// Command-line pieces shared by the run commands (up, down, ps, exec, logs, restart, traffic).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

namespace cnfctl::cli {

/// Parses "30s", "500ms", "2m" for option `option`. Throws Error::bad_input(option, ...) for
/// anything else or a zero duration.
std::chrono::milliseconds parse_duration_option(const std::string& text, const std::string& option);

/// `--vpp-prefix DIR` (default: env CNFCTL_VPP_PREFIX): run every VPP NF from a VPP installed
/// under DIR (DIR/bin/vpp, DIR/bin/vppctl, plugins beside them) instead of the file's `binary`
/// and `vppctl`, e.g. the build of ../shared/vpp extracted into build/vpp/tree/vpp
/// (plan::PlanOptions::vpp_prefix; build_plan checks it).
void add_vpp_prefix_option(CLI::App& command, std::string& prefix);

}  // namespace cnfctl::cli
