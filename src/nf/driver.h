// What the orchestrator asks of every network function (SPEC §6, §11): each NF kind owns how it
// is prepared on its node, started inside its container, recognised as ready, measured and
// cleaned up. The orchestrator (src/run) only sequences these calls; it never knows an NF's
// sockets, telemetry or protocols.
//
// Life of an NF in `up`: the container exists (idle init) → prepare() on the node → the plan's
// files copied into the container → start() → probe() until ready or the deadline →
// (traffic: counters()) → stop() → cleanup() on the node. `down` after a crash calls stop() and
// cleanup() from the journal alone, so both must work without any state from earlier calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "nf/planned_container.h"
#include "process/runner.h"

namespace cnfctl::nf {

/// Where an NF runs: its planned container, the engine that runs it and the node's runner (for
/// files and sockets on the node itself: DPDK runtime dirs, VPP socket dirs, memif sockets).
struct NfContext {
  const nf::PlannedContainer& container;
  engine::Engine& engine;
  process::Runner& node;
};

/// The result of one readiness probe.
struct Readiness {
  bool ready = false;
  std::string detail;  // what was seen: "2/2 memif ports, 1/2 links up"; why not ready
  bool fatal = false;  // it can never become ready (the NF exited): stop probing
};

/// Packet counters of one port of an NF, read while traffic flows.
struct PortCounters {
  int port = 0;
  std::string peer;  // the container at the other end of the port's link, if any
  std::uint64_t rx_packets = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t rx_dropped = 0;  // imissed + rx errors + rx_nombuf
  std::uint64_t tx_dropped = 0;
  /// NF-wide counters by reason, carried by the NF's first port only (VPP's error counters
  /// /err/<node>/<reason>: why it dropped or punted frames); empty for other NFs.
  std::map<std::string, std::uint64_t> reasons;
};

class NfDriver {
 public:
  virtual ~NfDriver() = default;

  /// Node-side preparation before the NF starts: creates the host directories the container
  /// mounts (DPDK runtime dir, VPP socket dir), removes stale sockets this NF will serve (a
  /// stale memif socket blocks a testpmd server). Idempotent.
  virtual void prepare(const NfContext& ctx) = 0;

  /// Starts the NF inside the running container, detached, its output appended to the
  /// container's NF log (see nf_log_guest_path). Returns when the NF process exists, with its
  /// pid as seen inside the container (from the same exec that started it; nullopt when the NF
  /// runs no process); readiness is probe()'s job. Throws cnfctl::Error when it cannot be
  /// started.
  virtual std::optional<int> start(const NfContext& ctx) = 0;

  /// One readiness check; cheap, bounded by `timeout`. Never throws for "not ready yet".
  virtual Readiness probe(const NfContext& ctx, std::chrono::milliseconds timeout) = 0;

  /// The NF's per-port counters (testpmd: DPDK telemetry; VPP: interface counters). Empty when
  /// the NF has no ports.
  virtual std::vector<PortCounters> counters(const NfContext& ctx) = 0;

  /// Stops the NF inside its container (SIGTERM, then SIGKILL after `grace`). Does nothing when
  /// it is not running or the container is gone. Idempotent.
  virtual void stop(const NfContext& ctx, std::chrono::milliseconds grace) = 0;

  /// Whether `down` must stop() the NF before its container is destroyed (graceful shutdown,
  /// servers after their clients). False when destroying the container, which kills every
  /// process in it, is all the NF needs: `down` then skips the stop exec.
  virtual bool stop_before_destroy() const { return true; }

  /// Removes what the NF left on the node: DPDK runtime dir, VPP socket dir, memif socket files
  /// it served. Idempotent; safe after a crash.
  virtual void cleanup(const NfContext& ctx) = 0;
};

/// The driver of the container's NF kind.
std::unique_ptr<NfDriver> make_driver(topology::NfKind kind);

/// Where every NF's stdout/stderr goes inside its container (`cnfctl logs`, failure reports).
inline constexpr const char* kNfLogGuestPath = "/run/cnfctl-nf.log";

}  // namespace cnfctl::nf
