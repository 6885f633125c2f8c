// What acting on a run needs besides its plan: one engine per (node, engine kind) with the
// node's runner, one NF driver per container, and the conversions from the plan to engine specs.
// Built from the journal's records alone, so `down` after a crash reaches the same engines.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/registry.h"
#include "nf/driver.h"
#include "node/node_access.h"
#include "plan/plan.h"
#include "process/runner.h"
#include "run/journal.h"
#include "topology/model.h"

namespace cnfctl::run {

/// How to reach each node the plan's containers use, in plan.nodes order.
std::vector<node::NodeAccess> node_accesses(const topology::Topology& topology,
                                            const plan::Plan& plan);

/// The engines the plan's containers use, with the settings of the topology's nodes (oci
/// runtime, docker/podman daemon address). One record per (node, engine kind).
std::vector<EngineRecord> engine_records(const topology::Topology& topology,
                                         const plan::Plan& plan);

/// The directories the run creates on each node before any container: the run's memif socket
/// dir (when a container mounts it), DPDK runtime dirs, VPP socket dirs.
std::vector<NodeDir> node_dirs_of(const plan::Plan& plan);

/// The host veth pairs the run creates (VPP NFs with `veth:`), one per such container.
std::vector<NodeVeth> node_veths_of(const plan::Plan& plan);

/// The engine spec of a planned container: the NF launcher as its command (nf::use_launcher():
/// the static one at `launcher_binary` when not empty, else the script; the idle init for no
/// NF), the plan's cpuset, mounts, env (without MICROSERVICE_LABEL, which the engine sets),
/// ports, privileges and network.
engine::ContainerSpec container_spec(const plan::PlannedContainer& container,
                                     const std::string& launcher_binary = {});

/// Runs `work(i)` for i in [0, count) on at most `jobs` threads (0: all at once). Exceptions
/// must be handled inside `work`; one that escapes terminates the program.
void for_each_parallel(std::size_t count, std::size_t jobs,
                       const std::function<void(std::size_t)>& work);

/// Makes the NF driver of a kind (nf::make_driver, or a test double).
using DriverFactory = std::function<std::unique_ptr<nf::NfDriver>(topology::NfKind)>;

class RunEnvironment {
 public:
  /// Makes nothing run yet: runners (local, or SSH connecting on first use) and engines are
  /// created here, drivers on first use. A node an engine names but `nodes` lacks is local.
  /// Throws Error::bad_input for an unknown engine kind or unsafe SSH options.
  RunEnvironment(const std::vector<EngineRecord>& engines,
                 const std::vector<node::NodeAccess>& nodes);
  /// The same with the nodes' runners made already (`up` surveyed the nodes through them, so
  /// their SSH masters are reused).
  RunEnvironment(const std::vector<EngineRecord>& engines,
                 std::map<std::string, std::unique_ptr<process::Runner>> runners);

  /// Given engines and runners (tests): `engines` pairs each record with its engine; `runners`
  /// maps node names to runners; drivers come from `drivers`.
  RunEnvironment(std::vector<std::pair<EngineRecord, std::unique_ptr<engine::Engine>>> engines,
                 std::map<std::string, std::unique_ptr<process::Runner>> runners,
                 DriverFactory drivers);

  /// The engine of `container` (its node and engine kind). Throws cnfctl::Error when the
  /// journal has no engine for it.
  engine::Engine& engine_of(const plan::PlannedContainer& container);
  /// The runner of `node`. Throws cnfctl::Error for an unknown node.
  process::Runner& runner_of(const std::string& node);
  /// The NF driver of `container` (one object per container, kept for the run's lifetime).
  /// Throws cnfctl::Error when the NF kind has no driver in this build.
  nf::NfDriver& driver_of(const plan::PlannedContainer& container);
  nf::NfContext context_of(const plan::PlannedContainer& container);

  /// Connects every SSH node in parallel (local nodes are always reachable). Returns, by node
  /// name, why each unreachable node cannot be used; empty when all can. Never throws.
  std::map<std::string, std::string> unreachable_nodes();
  /// SSH master connections opened so far, by remote node name (local nodes are not listed).
  std::map<std::string, std::size_t> ssh_connections() const;
  /// "ssh user@host:port" or "local" (the runner's name); the node name when it has no runner.
  std::string address_of(const std::string& node) const;

  /// prepare_node() of every engine, in parallel. Throws the first failure.
  void prepare_nodes();

  /// What make_dirs() found for one directory.
  enum class DirOutcome { kCreated, kExisted, kFailed };
  /// Makes `dirs` on their nodes (one command per node), each with a plain mkdir that fails
  /// when the path exists: exclusive dirs get their missing parents first (`mkdir -p`, left in
  /// place: cnfctl's shared roots such as /run/cnfctl/sockets); `create: true` mount dirs do
  /// not. Calls `outcome(dir, what)` for every dir as soon as its node answered (to journal it).
  /// Throws cnfctl::Error naming the node and the paths when an exclusive dir existed already
  /// (it is not this run's: it is left alone) or a dir could not be made.
  void make_dirs(const std::vector<NodeDir>& dirs,
                 const std::function<void(const NodeDir&, DirOutcome)>& outcome);
  /// Removes the dirs this run made (`created`: rm -rf --one-file-system) and the ones it may
  /// have made without recording it (`attempted`: rmdir, only when empty); never a dir that is
  /// neither, and never a system directory or a path with "..". Returns the error texts (empty
  /// when all are gone). Never throws.
  std::vector<std::string> remove_dirs(const std::vector<NodeDir>& dirs);

  /// Creates `veths` on their nodes (node::create_host_veth), one after the other. Throws the
  /// first failure located at its node (bad input when a name or the subnet is taken).
  void make_veths(const std::vector<NodeVeth>& veths);
  /// Deletes `veths` that exist. Returns the error texts (empty when all are gone). Never
  /// throws.
  std::vector<std::string> remove_veths(const std::vector<NodeVeth>& veths);

 private:
  void make_engines(const std::vector<EngineRecord>& engines);

  struct NodeEngine {
    EngineRecord record;
    std::unique_ptr<engine::Engine> engine;
  };
  std::map<std::string, std::unique_ptr<process::Runner>> runners_;
  std::vector<NodeEngine> engines_;
  DriverFactory make_driver_;
  std::mutex drivers_mutex_;
  std::map<std::string, std::unique_ptr<nf::NfDriver>> drivers_;
};

}  // namespace cnfctl::run
