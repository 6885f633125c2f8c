// The facts of a node, gathered with one fixed command through the node's runner and reused for
// the whole command (SPEC §10): its CPUs (`lscpu -p`), the engines and NF programs installed
// (and their versions), the cgroup layout and the kernel. `plan` shows them; `up` refuses an
// engine a node lacks before touching anything.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "process/runner.h"
#include "topology/model.h"

namespace cnfctl::node {

/// A program found on the node.
struct Tool {
  std::string path;     // "/usr/sbin/runc"
  std::string version;  // its first `--version` line ("runc version 1.1.5"); empty when unknown
};

struct NodeSurvey {
  std::string lscpu;                  // `lscpu -p` output; empty when lscpu is missing
  std::string kernel;                 // `uname -r`
  std::string cgroup_layout;          // "v2", "hybrid", "v1"; empty when unknown
  std::map<std::string, Tool> tools;  // by program name; absent programs are not listed
  /// This machine's version lines the survey had to ask for (program path -> line): what
  /// remember_versions() keeps for the next survey. Empty for other nodes.
  std::map<std::string, std::string> asked_versions;

  bool has(const std::string& program) const { return tools.count(program) != 0; }
  /// "runc 1.1.5, lxc-start 5.0.2, ..." for plan output.
  std::string tools_summary() const;
};

/// The programs the survey looks for: engines (runc, crun, lxc-start, docker, podman) and NFs
/// (dpdk-testpmd, vpp, nginx, wrk, python3).
const std::vector<std::string>& surveyed_programs();

/// Surveys the node: survey_this_machine() when `runner` is this machine's, else
/// survey_with_script(). Every program of surveyed_programs() is looked for; the version line
/// (a `--version` run, tens of milliseconds for docker or podman) only of those in `versions_of`
/// (nullopt: all).
NodeSurvey survey_node(process::Runner& runner, const std::string& node_name,
                       const std::optional<std::vector<std::string>>& versions_of = std::nullopt,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Runs the survey script on the node (`sh -c <fixed script>`, no user data in it) within
/// `timeout`: one round trip for an SSH node. Throws process::SshError when an SSH node cannot
/// be reached, cnfctl::Error (located at "node <name>") when the survey command fails.
NodeSurvey survey_with_script(
    process::Runner& runner, const std::string& node_name,
    const std::optional<std::vector<std::string>>& versions_of = std::nullopt,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// The same facts of this machine from system calls (uname, statfs, $PATH), with only the
/// version runs as processes, in parallel: `up` waits for the survey before anything else, and
/// the script's six serial processes took 15 ms of it (issue 12). `lscpu` stays empty: this
/// machine's CPUs are read from sysfs (plan::default_machine_facts). Never throws.
NodeSurvey survey_this_machine(
    const std::optional<std::vector<std::string>>& versions_of = std::nullopt,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// Parses the survey command's output. Never throws; unknown lines are ignored.
NodeSurvey parse_survey(const std::string& output);

/// The programs `engine` needs on a node ("runc" or "crun" for oci, "lxc-start" ...).
std::vector<std::string> engine_programs(const topology::EngineSpec& engine);

/// Throws Error::bad_input (where "node <name>") when the node lacks a program its engine
/// needs, saying which and on which node.
void require_engine(const NodeSurvey& survey, const std::string& node_name,
                    const std::string& address, const topology::EngineSpec& engine);

}  // namespace cnfctl::node
