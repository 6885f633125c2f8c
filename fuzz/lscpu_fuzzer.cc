// `lscpu -p` text (a node's `lscpu:` in a topology file, a survey's output) → cpu::Machine, then
// CSIT's placement and the shared placement on it.
// Properties: bad text is only ever Error::bad_input; a parsed machine is consistent (ids
// ascending and unique, sibling sets symmetric and holding the cpu itself, thread-rank order a
// permutation of the node's cpus); printing it back as `lscpu -p` and parsing that gives the
// same machine; every placed cpu exists and lies on the requested NUMA node.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "cpu/machine.h"
#include "cpu/nf_affinity.h"
#include "cpu/placement.h"
#include "fuzz_check.h"

using cnfctl::Error;
using cnfctl::cpu::Machine;
using cnfctl::fuzz::check;

namespace {

std::string to_lscpu(const Machine& machine) {
  std::string text = "# CPU,Core,Socket,Node\n";
  for (const auto& c : machine.cpus()) {
    text += std::to_string(c.id) + "," + std::to_string(c.core) + "," + std::to_string(c.socket) +
            "," + std::to_string(c.node) + "\n";
  }
  return text;
}

void check_machine(const Machine& m) {
  const auto& cpus = m.cpus();
  check(!cpus.empty(), "a machine has cpus");
  bool smt = false;
  for (std::size_t i = 0; i < cpus.size(); ++i) {
    const auto& c = cpus[i];
    check(i == 0 || cpus[i - 1].id < c.id, "cpu ids ascending and unique");
    check(m.find(c.id) == &c, "find(id) returns the cpu");
    check(std::is_sorted(c.siblings.begin(), c.siblings.end()), "siblings ascending");
    check(std::count(c.siblings.begin(), c.siblings.end(), c.id) == 1, "a cpu is its own sibling");
    for (int s : c.siblings) {
      const auto* other = m.find(s);
      check(other != nullptr, "a sibling exists");
      check(other->siblings == c.siblings, "sibling sets agree");
    }
    smt = smt || c.siblings.size() > 1;
  }
  check(smt == m.smt_enabled(), "smt_enabled() matches the sibling sets");
  std::size_t on_nodes = 0;
  for (int node : m.numa_nodes()) {
    auto on_node = m.cpus_on_node(node);
    auto ranked = m.cpus_by_thread_rank(node);
    on_nodes += on_node.size();
    std::sort(ranked.begin(), ranked.end());
    check(ranked == on_node, "thread-rank order is a permutation of the node's cpus");
    std::size_t threads = 0;
    for (const auto& core : m.cores_on_node(node)) threads += core.size();
    check(threads == on_node.size(), "the node's cores hold its cpus");
  }
  check(on_nodes == cpus.size(), "every cpu is on one NUMA node");
  check(m.core_count() >= 1 && m.core_count() <= cpus.size(), "core count in range");
  check(!m.summary().empty(), "summary not empty");
}

void check_placement(const Machine& m, const cnfctl::cpu::NfAffinityParams& params,
                     cnfctl::cpu::CpuPolicy policy) {
  cnfctl::cpu::CpuPlacement placement;
  try {
    placement = cnfctl::cpu::place_nfs(m, params, {.policy = policy, .allow_overlap = true});
  } catch (const Error& e) {
    cnfctl::fuzz::check_bad_input(e, "placement");
    return;
  }
  check(placement.nfs.size() ==
            static_cast<std::size_t>(params.nf_chains) * static_cast<std::size_t>(params.nf_nodes),
        "one placement per NF");
  const auto on_node = m.cpus_on_node(params.numa_node);
  const std::set<int> allowed(on_node.begin(), on_node.end());
  for (const auto& nf : placement.nfs) {
    for (int cpu : nf.cpus()) {
      check(allowed.count(cpu) == 1, "an NF is placed on cpus of the requested NUMA node",
            nf.label() + " cpu " + std::to_string(cpu));
    }
  }
  for (int cpu : placement.reserved.all()) {
    check(allowed.count(cpu) == 1, "reserved cpus are on the requested NUMA node");
  }
  (void)cnfctl::cpu::find_overlaps(placement);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<Machine> machine;
  try {
    machine.emplace(Machine::from_lscpu(text, "fuzz"));
  } catch (const Error& e) {
    cnfctl::fuzz::check_bad_input(e, "from_lscpu");
    return 0;
  }
  check_machine(*machine);

  const std::string printed = to_lscpu(*machine);
  const Machine again = Machine::from_lscpu(printed, "printed");
  check(again.cpus().size() == machine->cpus().size(), "round trip keeps the cpu count", printed);
  for (std::size_t i = 0; i < again.cpus().size(); ++i) {
    const auto& a = machine->cpus()[i];
    const auto& b = again.cpus()[i];
    check(a.id == b.id && a.core == b.core && a.socket == b.socket && a.node == b.node &&
              a.siblings == b.siblings,
          "round trip keeps every cpu", printed);
  }

  using cnfctl::cpu::DataCores;
  const int numa = machine->numa_nodes().front();
  for (auto policy : {cnfctl::cpu::CpuPolicy::kCsit, cnfctl::cpu::CpuPolicy::kShared}) {
    check_placement(*machine, {.numa_node = numa}, policy);
    check_placement(*machine,
                    {.nf_chains = 2,
                     .nf_nodes = 3,
                     .vs_dtc = 2,
                     .nf_dtc = DataCores::cores(2),
                     .nf_mtcr = 2,
                     .nf_dtcr = 2,
                     .numa_node = numa},
                    policy);
    check_placement(*machine,
                    {.nf_chains = 1,
                     .nf_nodes = 2,
                     .vs_dtc = 0,
                     .nf_dtc = DataCores::hyper_thread(),
                     .nf_mtcr = 1,
                     .nf_dtcr = 1,
                     .numa_node = numa},
                    policy);
  }
  return 0;
}
