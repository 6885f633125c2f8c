#include "nf/trafficgen/trafficgen_args.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "common/error.h"
#include "common/names.h"
#include "common/paths.h"
#include "nf/dpdk_eal_args.h"

namespace cnfctl::trafficgen {

namespace {

void validate(const GenArgsOptions& o, std::size_t ports, const std::string& where) {
  auto bad = [&](std::string what) { throw Error::bad_input(where, std::move(what)); };
  if (o.mode == GenMode::kGen && (ports < 1 || ports > 2)) {
    bad(
        fmt::format("cnfctl-gen in mode gen needs 1 or 2 memif ports (its link and the sink's), "
                    "the wiring gives {}",
                    ports));
  }
  if (o.mode == GenMode::kForward && ports != 2) {
    bad(fmt::format("cnfctl-gen in mode forward needs exactly 2 memif links, the wiring gives {}",
                    ports));
  }
  if (o.binary.empty()) bad("the cnfctl-gen binary path is empty");
  if (o.cpus.empty()) bad("cnfctl-gen needs at least one CPU to pin its lcores to");
  if (std::any_of(o.cpus.begin(), o.cpus.end(), [](int cpu) { return cpu < 0; })) {
    bad("CPU numbers cannot be negative");
  }
  require_safe_name(o.file_prefix, "DPDK file prefix", where);
  if (o.memory_mb < 64) bad(fmt::format("memory must be at least 64 MB, got {}", o.memory_mb));
  if (o.mbufs < 1024) bad(fmt::format("mbufs must be at least 1024, got {}", o.mbufs));
  if (o.ring_size_log2 < 0 || o.ring_size_log2 > nf::kMaxMemifRingSizeLog2) {
    bad(fmt::format("memif ring size (log2) must be 0 (automatic) to {}, got {}",
                    nf::kMaxMemifRingSizeLog2, o.ring_size_log2));
  }
  if (o.control_socket.empty()) bad("cnfctl-gen needs a control socket path");
  if (o.mode == GenMode::kGen && (o.limit_pps != 0 || o.delay_us != 0)) {
    bad("limit and delay are options of mode forward");
  }
}

}  // namespace

std::vector<std::string> trafficgen_argv(const wiring::ContainerWiring& c,
                                         const wiring::ContainerWiring* far_end,
                                         const GenArgsOptions& o) {
  const std::string where = "container " + c.name;
  std::vector<const wiring::MemifLink*> links;
  for (const auto& l : c.links) links.push_back(&l);
  if (far_end != nullptr) {
    for (const auto& l : far_end->links) links.push_back(&l);
  }
  validate(o, links.size(), where);
  auto argv = nf::memif_eal_argv({o.binary, o.cpus, o.file_prefix, o.memory_mb, o.ring_size_log2,
                                  o.cores_shared, o.host_paths},
                                 links);
  argv.push_back("--");
  argv.push_back(o.mode == GenMode::kGen ? "gen" : "forward");
  argv.push_back("--control");
  argv.push_back(o.control_socket);
  argv.push_back("--mbufs");
  argv.push_back(std::to_string(o.mbufs));
  if (o.limit_pps != 0) {
    argv.push_back("--limit");
    argv.push_back(std::to_string(o.limit_pps));
  }
  if (o.delay_us != 0) {
    argv.push_back("--delay-us");
    argv.push_back(std::to_string(o.delay_us));
  }
  argv.insert(argv.end(), o.extra_args.begin(), o.extra_args.end());
  return argv;
}

std::string control_socket_file(std::string_view container_name) {
  return fmt::format("{}.gen.sock", container_name);
}

std::string default_gen_binary() {
  if (const char* env = std::getenv("CNFCTL_GEN_BINARY"); env != nullptr && *env != '\0') {
    return env;
  }
  const std::string beside = beside_this_program("cnfctl-gen");
  return beside.empty() ? "/usr/local/bin/cnfctl-gen" : beside;
}

}  // namespace cnfctl::trafficgen
