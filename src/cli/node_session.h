// The nodes a command works on: one runner per node of the topology (an SSH master per remote
// node, opened once and reused by `up`), and each node's facts gathered once (SPEC §10).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "node/node_access.h"
#include "node/node_survey.h"
#include "plan/plan.h"
#include "process/runner.h"
#include "topology/model.h"

namespace cnfctl::cli {

struct NodeSession {
  std::vector<node::NodeAccess> nodes;  // the nodes the topology's containers use
  std::map<std::string, std::unique_ptr<process::Runner>> runners;
  std::map<std::string, node::NodeSurvey> surveys;  // empty when offline
  bool offline = false;
};

/// Makes the runners of the nodes `topology` uses and, unless `offline`, surveys every one of
/// them in parallel. Throws process::SshError / cnfctl::Error naming the node that cannot be
/// reached (with a hint to use --offline when `offline_hint`). Touches nothing on the nodes.
NodeSession open_nodes(const topology::Topology& topology, bool offline, bool offline_hint);

/// Plan options whose CPU facts come from the surveys (`lscpu -p` on each node); offline, or
/// for a node whose survey has no lscpu output: the file's `lscpu:` text, or sysfs for local.
plan::PlanOptions plan_options_for(const NodeSession& session, const std::string& run_name,
                                   const std::string& vpp_prefix = "");

/// Writes what the surveys found into the plan's nodes (cpu facts source, kernel, cgroup
/// layout, programs found).
void describe_nodes(plan::Plan& plan, const NodeSession& session);

/// Throws Error::bad_input (nothing touched) when a surveyed node lacks its engine's program.
void require_engines(const topology::Topology& topology, const NodeSession& session);

/// Throws Error::bad_input (located at the container, nothing touched) when a container of the
/// `host` image names an NF program by absolute path that is not an executable file on its node
/// (one `test -x` command per node). Other images bring their own programs: not checked. Also
/// refuses testpmd on an SSH node without python3 (its telemetry is read by python3 there).
void require_nf_programs(const plan::Plan& plan, NodeSession& session);

/// Throws Error::bad_input located in the topology file (nothing touched) when, on a node:
///  - a user mount's host path does not exist (unless the mount says `create: true`; then its
///    parent directory must exist);
///  - a directory the run makes exclusively exists already: <socket_dir>/<run>, a DPDK runtime
///    dir, a VPP socket dir (it is not cnfctl's; cnfctl would otherwise remove it at `down`).
///    Skipped when `run_exists` (the run is up: those directories are its own).
/// Reads facts only: one `test -e` loop per node. Offline, only local nodes are checked.
void require_host_paths(const topology::Topology& topology, const plan::Plan& plan,
                        NodeSession& session, bool run_exists);

}  // namespace cnfctl::cli
