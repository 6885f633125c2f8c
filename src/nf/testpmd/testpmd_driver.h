// The testpmd NF driver: DPDK testpmd started detached in its container, recognised as ready and
// measured through DPDK telemetry on the node (its runtime dir /var/run/dpdk/<prefix> is
// bind-mounted at the same path, so dpdk_telemetry.v2 is reachable from the host).
//
// SPEC §6 pitfalls it handles: a stale memif socket blocks the next server (prepare removes the
// sockets this container serves); a testpmd whose memif socket could not be created keeps
// running with 0 ports (readiness requires one port per link); a client never retries (readiness
// requires every client link up; servers need their ports started, their links come up when
// the clients connect); every file prefix leaves /var/run/dpdk/<prefix> (cleanup removes it).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nf/driver.h"
#include "wiring/wiring_plan.h"

namespace cnfctl::testpmd {

/// What telemetry showed of one testpmd: its port ids (/ethdev/list) and, per port, whether its
/// link is up (/ethdev/link_status) and whether it is started (/ethdev/info's dev_started), in
/// the same order.
struct TelemetryView {
  std::vector<int> ports;
  std::vector<bool> link_up;
  std::vector<bool> started;
};

/// Runs one batch of telemetry commands and gives their values, in order.
using TelemetryQuery =
    std::function<std::vector<nlohmann::json>(const std::vector<std::string>& commands)>;

/// What telemetry shows of one testpmd, read with two batches through `query` (the port list,
/// then each port's link status and info). Throws what `query` and the parse functions throw.
TelemetryView read_telemetry_view(const TelemetryQuery& query);

/// Readiness from what telemetry showed, for a container with `links` (link k is port k):
/// ready when there is one port per link, every port is started (a memif server's port that is
/// not yet started turns its client away for good) and every link where this container is the
/// client is up. Never fatal (the caller decides that from the process). Pure; never throws.
nf::Readiness assess_testpmd_readiness(const std::vector<wiring::MemifLink>& links,
                                       const TelemetryView& view);

/// The line of a testpmd's log that says why it exited ("dpdk-testpmd: unrecognized option
/// '--bogus'"), from what EAL and testpmd print on a bad option or a failed start (the usage text
/// is skipped): an option error first, else "EAL: Invalid ..." or "Cause: ...", else an error
/// line, else the last non-empty line; "" for an empty log. Pure; never throws.
std::string testpmd_exit_reason(const std::string& log);

/// The telemetry socket of a planned testpmd container: <dpdk_runtime_dir>/dpdk_telemetry.v2.
/// Throws cnfctl::Error (located at "container <name>") when the plan gives no runtime dir.
std::string telemetry_socket_of(const nf::PlannedContainer& container);

/// The driver of testpmd containers. One object may serve many containers, from several threads
/// at once. Telemetry is read through telemetry_batch() (telemetry_batch.h): directly when the
/// node is this machine, through python3 run on the node by its runner otherwise (the node
/// needs python3). probe() says "telemetry socket <path> not there yet" while the socket is
/// missing and describes any other telemetry error; it rethrows process::SshError (the node
/// cannot be reached). counters() throws TelemetryError / cnfctl::Error located at the
/// container when telemetry cannot be read.
std::unique_ptr<nf::NfDriver> make_testpmd_driver();

}  // namespace cnfctl::testpmd
