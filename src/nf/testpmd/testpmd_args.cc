#include "nf/testpmd/testpmd_args.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "common/names.h"

namespace cnfctl::testpmd {

namespace {

constexpr ForwardMode kAllModes[] = {ForwardMode::kIo, ForwardMode::kMac, ForwardMode::kMacSwap,
                                     ForwardMode::kTxOnly, ForwardMode::kRxOnly};

void validate(const wiring::ContainerWiring& c, const TestpmdOptions& o, const std::string& where) {
  auto bad = [&](std::string what) { throw Error::bad_input(where, std::move(what)); };
  if (c.links.empty()) bad("testpmd needs at least one memif link; the wiring gives none");
  if (!c.physical.empty()) {
    bad("testpmd here speaks memif only; this container owns physical interfaces (use vpp)");
  }
  if (c.links.size() > static_cast<std::size_t>(kMaxPorts)) {
    bad(fmt::format("testpmd supports at most {} ports, the wiring gives {}", kMaxPorts,
                    c.links.size()));
  }
  if (o.binary.empty()) bad("the testpmd binary path is empty");
  if (o.cpus.empty()) bad("testpmd needs at least one CPU to pin its lcores to");
  if (std::any_of(o.cpus.begin(), o.cpus.end(), [](int cpu) { return cpu < 0; })) {
    bad("CPU numbers cannot be negative");
  }
  require_safe_name(o.file_prefix, "DPDK file prefix", where);
  if (o.memory_mb < 64)
    bad(fmt::format("testpmd memory must be at least 64 MB, got {}", o.memory_mb));
  if (o.mbufs < 1024) bad(fmt::format("testpmd mbufs must be at least 1024, got {}", o.mbufs));
  if (o.ring_size_log2 < 0 || o.ring_size_log2 > kMaxMemifRingSizeLog2) {
    bad(fmt::format("memif ring size (log2) must be 0 (automatic) to {}, got {}",
                    kMaxMemifRingSizeLog2, o.ring_size_log2));
  }
  if (o.stats_period_s < 0) bad("stats period cannot be negative");
  for (const auto* args : {&o.extra_eal_args, &o.extra_args}) {
    if (std::find(args->begin(), args->end(), "--no-telemetry") != args->end()) {
      bad("--no-telemetry: cnfctl reads testpmd's state through DPDK telemetry");
    }
  }
}

}  // namespace

std::string_view to_string(ForwardMode mode) {
  switch (mode) {
    case ForwardMode::kIo:
      return "io";
    case ForwardMode::kMac:
      return "mac";
    case ForwardMode::kMacSwap:
      return "macswap";
    case ForwardMode::kTxOnly:
      return "txonly";
    case ForwardMode::kRxOnly:
      return "rxonly";
  }
  return "?";
}

std::optional<ForwardMode> parse_forward_mode(std::string_view name) {
  for (ForwardMode mode : kAllModes) {
    if (to_string(mode) == name) return mode;
  }
  return std::nullopt;
}

ForwardMode default_forward_mode(wiring::ContainerRole role) {
  switch (role) {
    case wiring::ContainerRole::kGenerator:
      return ForwardMode::kTxOnly;
    case wiring::ContainerRole::kSink:
      return ForwardMode::kRxOnly;
    case wiring::ContainerRole::kNf:
    case wiring::ContainerRole::kVswitch:
      break;
  }
  return ForwardMode::kIo;
}

std::vector<std::string> testpmd_argv(const wiring::ContainerWiring& c, const TestpmdOptions& o) {
  const std::string where = "container " + c.name;
  validate(c, o, where);
  const ForwardMode mode = o.forward_mode.value_or(default_forward_mode(c.role));
  std::vector<const wiring::MemifLink*> links;
  for (const auto& l : c.links) links.push_back(&l);
  auto argv = nf::memif_eal_argv({o.binary, o.cpus, o.file_prefix, o.memory_mb, o.ring_size_log2,
                                  o.cores_shared, o.host_paths},
                                 links);
  argv.insert(argv.end(), o.extra_eal_args.begin(), o.extra_eal_args.end());

  argv.push_back("--");
  argv.push_back(fmt::format("--forward-mode={}", to_string(mode)));
  argv.push_back(fmt::format("--total-num-mbufs={}", o.mbufs));
  argv.push_back("--nb-cores=1");
  argv.push_back("--auto-start");
  // Without it testpmd's main thread busy-waits (rte_delay_ms) up to 9 s after its start for every
  // link to come up: a memif server's links come up only when its clients start, so each server
  // spun beside the next stage's start on a shared cpu. Readiness looks at the links itself.
  argv.push_back("--disable-link-check");
  if (!o.lock_memory) argv.push_back("--no-mlockall");
  if (c.role == wiring::ContainerRole::kVswitch) argv.push_back("--port-topology=paired");
  // mac and txonly both address frames to the port's peer: the next hop's MAC, which a routing
  // NF (chain_ip4, pipeline_ip4) requires.
  if (mode == ForwardMode::kMac || mode == ForwardMode::kTxOnly) {
    for (std::size_t port = 0; port < c.links.size(); ++port) {
      if (!c.links[port].neighbor_mac.empty()) {
        argv.push_back(fmt::format("--eth-peer={},{}", port, c.links[port].neighbor_mac));
      }
    }
  }
  if (mode == ForwardMode::kTxOnly && !c.flow_src_ip4.empty() && !c.flow_dst_ip4.empty()) {
    argv.push_back(fmt::format("--tx-ip={},{}", c.flow_src_ip4, c.flow_dst_ip4));
  }
  if (o.stats_period_s > 0) argv.push_back(fmt::format("--stats-period={}", o.stats_period_s));
  argv.insert(argv.end(), o.extra_args.begin(), o.extra_args.end());
  return argv;
}

std::string testpmd_runtime_dir(std::string_view file_prefix) {
  return fmt::format("/var/run/dpdk/{}", file_prefix);
}

std::string testpmd_telemetry_socket(std::string_view file_prefix) {
  return testpmd_runtime_dir(file_prefix) + "/dpdk_telemetry.v2";
}

}  // namespace cnfctl::testpmd
