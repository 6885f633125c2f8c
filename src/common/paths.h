// Where cnfctl keeps things on a node. Both roots can be moved with environment variables, so
// tests and unprivileged users can keep everything in a scratch directory.
#pragma once

#include <string>

namespace cnfctl {

/// Journals and locks of runs: $CNFCTL_STATE_DIR, else $XDG_STATE_HOME/cnfctl for non-root
/// users that have it, else /var/lib/cnfctl.
std::string state_dir();

/// Volatile per-run files on a node (memif sockets, bundles, overlays): $CNFCTL_RUN_DIR, else
/// /run/cnfctl.
std::string run_dir();

/// `name` in the directory of the running program (/proc/self/exe): where cnfctl's own helper
/// programs (cnfctl-gen, cnfctl-launcher) are built and installed. Empty when /proc/self/exe
/// cannot be read.
std::string beside_this_program(const std::string& name);

/// Joins path pieces with exactly one '/' between them (never "//").
std::string join_path(std::string base, const std::string& tail);

}  // namespace cnfctl
