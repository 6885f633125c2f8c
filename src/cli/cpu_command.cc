// `cnfctl cpu show` and `cnfctl cpu place`: a machine's CPU topology and the cpus NFs get,
// computed for this host (sysfs) or for any machine from its `lscpu -p` output.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"
#include "cpu/cpu_list.h"
#include "cpu/machine.h"
#include "cpu/nf_affinity.h"
#include "cpu/placement.h"

namespace cnfctl::cli {
namespace {

// Where the machine's topology comes from.
struct MachineSource {
  std::string lscpu_file;  // `lscpu -p` output of any machine; empty: this host
  std::string sysfs_root = "/sys";

  void add_options(CLI::App& cmd) {
    auto* lscpu = cmd.add_option("--lscpu", lscpu_file,
                                 "A file holding `lscpu -p` output of the machine to plan for "
                                 "(default: this host, from sysfs)");
    cmd.add_option("--sysfs", sysfs_root, "The sysfs root to read this host from")
        ->capture_default_str()
        ->excludes(lscpu);
  }

  cpu::Machine load() const {
    if (!lscpu_file.empty()) return cpu::Machine::from_lscpu_file(lscpu_file);
    return cpu::Machine::from_sysfs(sysfs_root);
  }

  std::string describe() const {
    return lscpu_file.empty() ? fmt::format("this host ({})", sysfs_root) : lscpu_file;
  }
};

void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) fmt::print(stderr, "cnfctl: warning: {}\n", warning);
}

// ---- cpu show -------------------------------------------------------------------------------

struct ShowOptions {
  MachineSource source;
  bool json = false;
};

void run_show(const ShowOptions& options) {
  const cpu::Machine machine = options.source.load();
  if (options.json) {
    nlohmann::ordered_json cpus = nlohmann::ordered_json::array();
    for (const auto& c : machine.cpus()) {
      cpus.push_back({{"cpu", c.id},
                      {"core", c.core},
                      {"socket", c.socket},
                      {"node", c.node},
                      {"siblings", c.siblings}});
    }
    fmt::print("{}\n",
               nlohmann::ordered_json{
                   {"smt", machine.smt_enabled()}, {"nodes", machine.numa_nodes()}, {"cpus", cpus}}
                   .dump());
    return;
  }
  fmt::print("{}: {}\n", options.source.describe(), machine.summary());
  for (int node : machine.numa_nodes()) {
    std::vector<std::string> cores;
    for (const auto& threads : machine.cores_on_node(node)) {
      cores.push_back(cpu::format_cpu_list(threads));
    }
    fmt::print("NUMA node {}: cpus {}; cores (threads) {}\n", node,
               cpu::format_cpu_list(machine.cpus_on_node(node)), fmt::join(cores, " "));
  }
}

// ---- cpu place ------------------------------------------------------------------------------

struct PlaceOptions {
  MachineSource source;
  cpu::NfAffinityParams params;
  std::string nf_data_cores = "1";
  std::string policy = "csit";
  bool allow_overlap = false;
  int chain = 0;  // 0: every NF
  int node = 0;
  bool json = false;
};

nlohmann::ordered_json to_json(const cpu::NfPlacement& nf) {
  return {{"chain", nf.chain},
          {"node", nf.node},
          {"main", nf.main},
          {"workers", nf.workers},
          {"cpus", nf.cpus()}};
}

nlohmann::ordered_json to_json(const cpu::ReservedCpus& reserved) {
  return {{"system", reserved.system},
          {"vswitch_main", reserved.vswitch_main},
          {"vswitch_data", reserved.vswitch_data}};
}

// The placement to print: every NF, or only the one asked for.
cpu::CpuPlacement compute_placement(const cpu::Machine& machine, const PlaceOptions& options,
                                    cpu::CpuPolicy policy) {
  const bool one_nf = options.chain != 0;
  if (!one_nf) {
    return cpu::place_nfs(machine, options.params, {policy, options.allow_overlap});
  }
  if (policy == cpu::CpuPolicy::kCsit) {
    // Exactly CSIT's get_affinity_nf for this NF; conflicts of the whole plan become warnings.
    cpu::CpuPlacement placement;
    placement.nfs.push_back(
        cpu::get_affinity_nf(machine, options.params, options.chain, options.node));
    placement.reserved = cpu::csit_reserved_cpus(machine, options.params);
    placement.warnings = cpu::place_nfs_csit(machine, options.params, true).warnings;
    return placement;
  }
  cpu::CpuPlacement placement = cpu::place_nfs(machine, options.params, {policy, false});
  const cpu::NfPlacement* nf = placement.find(options.chain, options.node);
  require_input(
      nf != nullptr, "--chain/--node",
      fmt::format("chain {} node {} is not in the plan ({} chains of {} NFs)", options.chain,
                  options.node, options.params.nf_chains, options.params.nf_nodes));
  const cpu::NfPlacement chosen = *nf;
  placement.nfs = {chosen};
  return placement;
}

void print_table(const cpu::Machine& machine, const PlaceOptions& options,
                 const cpu::CpuPlacement& placement) {
  fmt::print("{}: {}\n", options.source.describe(), machine.summary());
  const auto& r = placement.reserved;
  fmt::print("policy {} on NUMA node {}; reserved: system {}, vswitch main {}, vswitch data {}\n",
             options.policy, options.params.numa_node, cpu::format_cpu_list(r.system),
             cpu::format_cpu_list(r.vswitch_main),
             r.vswitch_data.empty() ? "-" : cpu::format_cpu_list(r.vswitch_data));
  std::vector<std::vector<std::string>> rows{{"NF", "MAIN", "WORKERS", "CPUSET"}};
  for (const auto& nf : placement.nfs) {
    rows.push_back({fmt::format("{}/{}", nf.chain, nf.node), fmt::format("{}", nf.main),
                    nf.workers.empty() ? "-" : fmt::format("{}", fmt::join(nf.workers, ",")),
                    cpu::format_cpu_list(nf.cpus())});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
    }
    fmt::print("{}\n", line);
  }
}

void run_place(PlaceOptions options) {
  const cpu::CpuPolicy policy = cpu::parse_cpu_policy(options.policy, "--policy");
  options.params.nf_dtc = cpu::DataCores::parse(options.nf_data_cores, "--nf-data-cores");
  const cpu::Machine machine = options.source.load();
  const cpu::CpuPlacement placement = compute_placement(machine, options, policy);
  print_warnings(placement.warnings);
  if (options.json) {
    nlohmann::ordered_json nfs = nlohmann::ordered_json::array();
    for (const auto& nf : placement.nfs) nfs.push_back(to_json(nf));
    fmt::print("{}\n", nlohmann::ordered_json{{"placements", nfs},
                                              {"reserved", to_json(placement.reserved)},
                                              {"warnings", placement.warnings}}
                           .dump());
    return;
  }
  print_table(machine, options, placement);
}

void add_show_command(CLI::App& parent) {
  auto options = std::make_shared<ShowOptions>();
  auto* cmd = parent.add_subcommand("show", "Print the machine's cpus, cores, NUMA nodes and SMT");
  options->source.add_options(*cmd);
  cmd->add_flag("--json", options->json, "Print JSON");
  cmd->callback([options] { run_show(*options); });
}

void add_place_command(CLI::App& parent) {
  auto options = std::make_shared<PlaceOptions>();
  auto& p = options->params;
  auto* cmd = parent.add_subcommand(
      "place",
      "Compute the cpus of every NF (chain x node) as CSIT's CpuUtils.get_affinity_nf does: the "
      "NUMA node's first core for the system, the next 1 + V for the vswitch, then NF main and "
      "data cores");
  options->source.add_options(*cmd);
  cmd->add_option("--numa", p.numa_node, "NUMA node of the NICs, where NFs are placed")
      ->capture_default_str();
  cmd->add_option("--chains", p.nf_chains, "Number of NF chains (CSIT nf_chains)")
      ->capture_default_str();
  cmd->add_option("--nodes-per-chain", p.nf_nodes, "NFs per chain (CSIT nf_nodes)")
      ->capture_default_str();
  cmd->add_option("--vs-data-cores", p.vs_dtc, "vswitch data-plane cores (CSIT vs_dtc)")
      ->capture_default_str();
  cmd->add_option("--nf-data-cores", options->nf_data_cores,
                  "Data-plane cores per NF, a whole number or 0.5 for one hyper-thread (CSIT "
                  "nf_dtc)")
      ->capture_default_str();
  cmd->add_option("--nf-main-ratio", p.nf_mtcr, "NF main threads per core (CSIT nf_mtcr)")
      ->capture_default_str();
  cmd->add_option("--nf-data-ratio", p.nf_dtcr,
                  "NFs sharing one data-core slot (CSIT nf_dtcr; above 1 NFs share data cpus)")
      ->capture_default_str();
  auto* chain = cmd->add_option("--chain", options->chain, "Only this NF's chain (from 1)");
  auto* node =
      cmd->add_option("--node", options->node, "Only this NF's node in its chain (from 1)");
  chain->needs(node);
  node->needs(chain);
  cmd->add_option("--policy", options->policy,
                  "csit: exclusive cores, an error when they do not fit; shared: place every NF "
                  "anyway, oversubscribing cpus with warnings (small machines)")
      ->capture_default_str();
  cmd->add_flag("--allow-overlap", options->allow_overlap,
                "csit policy: warn instead of failing when NFs' data cpus overlap");
  cmd->add_flag("--json", options->json,
                "Print {\"placements\":[{\"chain\",\"node\",\"main\",\"workers\",\"cpus\"}],"
                "\"reserved\",\"warnings\"}");
  cmd->callback([options] { run_place(*options); });
}

}  // namespace

void add_cpu_command(CLI::App& app) {
  auto* cpu = app.add_subcommand("cpu", "Machine CPU topology and NF cpu placement");
  cpu->require_subcommand(1);
  add_show_command(*cpu);
  add_place_command(*cpu);
}

}  // namespace cnfctl::cli
