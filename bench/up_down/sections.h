// The measurements of bench/up_down, one function per table section. Each side of a comparison
// runs alternately (A B, then B A, ...) in one process; medians are kept.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "bench_env.h"
#include "engine/container_spec.h"
#include "engine/node_facts.h"
#include "measured_process.h"

namespace cnfctl::bench {

struct UpDownOptions {
  std::vector<std::string> engines = {"runc", "crun", "docker", "podman"};
  int repeats = 3;
  int scale_repeats = 1;                 // runs per scale size (medians)
  std::size_t containers = 16;           // P1 and the peers
  std::vector<std::size_t> sizes{};      // scale; empty: the ladder up to `max`
  std::size_t max = 64;                  // the ladder 16, 64, 128, 256, 500 cut at max
  std::size_t jobs = 0;                  // 0: cnfctl's default --jobs
  std::string program = CNFCTL_PROGRAM;  // the cnfctl measured (default: this build's)
  bool skip_p1 = false, skip_chain = false, skip_peers = false, skip_scale = false;
  bool crun_hugetlb_fix = false;  // CrunHugetlbFix for the run (bench_env.h)
};

/// One printed row of the comparison table.
struct GoalRow {
  std::string goal, engine, what;
  std::size_t n = 0;
  double cnfctl_ms = 0, reference_ms = 0;
  std::string target, reference;
};

/// One size of the scale table (medians over its repeats).
struct ScaleRow {
  std::size_t n = 0;
  double up_ms = 0, up_cpu_self_ms = 0, up_cpu_children_ms = 0, up_rss_kb = 0;
  double ps_ms = 0, exec_all_ms = 0, down_ms = 0, down_cpu_self_ms = 0;
  int max_threads = 0, max_fds = 0;
};

/// State shared by the sections: the benchmark's root, the node's facts, cnfctl's private state
/// and run dirs, runs not yet torn down (the destructor downs them), and the results.
class UpDownBench {
 public:
  UpDownBench(const BenchRoot& root, engine::NodeFacts facts, UpDownOptions options);
  ~UpDownBench();
  UpDownBench(const UpDownBench&) = delete;
  UpDownBench& operator=(const UpDownBench&) = delete;

  /// P1: `up`/`down` of options.containers command NFs against the serial loop, for one OCI
  /// runtime ("runc" or "crun"); with runc also the bare `runc run -d` CPU of P4.
  void p1(const std::string& runtime);
  /// P1: the 6-container testpmd chain (examples/testpmd-chain.yaml) against the loop of 6.
  void testpmd_chain();
  /// Peers: `--engine docker` against docker-compose on a private dockerd.
  void docker_peer();
  /// Peers: `--engine podman` against podman-compose.
  void podman_peer();
  /// Scale and P4: up, ps, exec --all true, down of each size (oci, runc).
  void scale(const std::vector<std::size_t>& sizes);

  std::vector<GoalRow> goals;
  std::vector<ScaleRow> scale_rows;
  double bare_run_cpu_per_container_ms = 0;  // P4's reference (0: not measured)
  std::vector<std::string> notes;

  /// `cnfctl down` of every run not yet torn down (cleanup; never throws).
  void down_live_runs();

 private:
  struct Up {
    Measured process;
    double cpu_self_ms = 0, cpu_children_ms = 0, max_rss_kb = 0;
  };
  std::string write_topology(const std::string& run, const std::string& engine,
                             const std::string& runtime, std::size_t count,
                             const std::string& image = "host",
                             const std::string& engine_host = {});
  /// The containers of `file` as cnfctl plans them (cpusets, env), renamed `<prefix><i>` and
  /// running `command`.
  std::vector<engine::ContainerSpec> planned_specs(const std::string& file,
                                                   const std::string& prefix,
                                                   std::vector<std::string> command);
  Up cnfctl_up(const std::string& file, const std::string& run, bool sample = false);
  Up cnfctl_down(const std::string& run, bool sample = false);
  Measured cnfctl(std::vector<std::string> args, const std::string& what, bool sample = false);
  /// Removes what the loop under `dir` left (containers of `runtime`, mounts, cgroups).
  void clean_loop(const std::string& dir, const std::string& runtime,
                  const std::vector<engine::ContainerSpec>& specs);
  /// Alternates cnfctl's up/down of `file` with `compose` (argv up to the subcommand) `up -d` /
  /// `down -t 1`; after each compose up, all containers whose names start with `peer_prefix`
  /// must run (`engine_cli` ps), else it throws; `before_peer_down` runs before each compose
  /// down (untimed).
  void compare_with_compose(const std::string& engine, const std::string& file,
                            const std::vector<std::string>& compose,
                            const std::string& compose_name,
                            const std::vector<std::string>& engine_cli,
                            const std::string& peer_prefix,
                            const std::function<void()>& before_peer_down = {});
  /// cnfctl's nofile limit for its containers on this machine (engine::OciBundleSettings).
  std::uint64_t nofile_limit() const {
    return std::min<std::uint64_t>(facts_.nofile_hard_limit, 1048576);
  }

  const BenchRoot& root_;
  engine::NodeFacts facts_;
  UpDownOptions options_;
  std::string cnfctl_dir_;
  std::set<std::string> live_runs_;
};

/// The least-squares slope of y over x (0 with fewer than two distinct x).
double fitted_slope(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace cnfctl::bench
