// cnfctl_bench_up_down: issue 12's goals as ratios measured in one run. The real `cnfctl`
// program's `up`/`down` against the serial shell loop (P1), docker-compose and podman-compose
// (peers), its own CPU and memory per container (P4), and its scale to hundreds of containers.
// Commands and columns: bench/README.md.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "bench_env.h"
#include "process/local_runner.h"
#include "report.h"
#include "sections.h"

namespace cnfctl::bench {
namespace {

std::string ms(double value) {
  return fmt::format("{:.0f}", value);
}

std::string one(double value) {
  return fmt::format("{:.1f}", value);
}

// The ladder of the issue, cut at `max` (which is added when it is not on the ladder).
std::vector<std::size_t> ladder(std::size_t max) {
  std::vector<std::size_t> sizes;
  for (std::size_t n : {16, 64, 128, 256, 500}) {
    if (n <= max) sizes.push_back(n);
  }
  if (sizes.empty() || sizes.back() != max) sizes.push_back(max);
  return sizes;
}

bool wants(const UpDownOptions& options, const std::string& engine) {
  return std::find(options.engines.begin(), options.engines.end(), engine) != options.engines.end();
}

// Runs one section; a failure becomes a note (its rows are missing), Ctrl-C ends the run.
bool section(UpDownBench& bench, const std::string& name, const std::function<void()>& body,
             int& status) {
  try {
    body();
    return true;
  } catch (const Interrupted&) {
    std::cerr << "interrupted: cleaning up\n";
    status = 130;
    return false;
  } catch (const std::exception& e) {
    bench.notes.push_back(fmt::format("{} failed (its rows are missing): {}", name, e.what()));
    status = 1;
    return true;
  }
}

void print_results(const UpDownBench& bench, const UpDownOptions& options) {
  std::vector<std::vector<std::string>> goals = {
      {"GOAL", "ENGINE", "WHAT", "N", "CNFCTL_MS", "REF_MS", "RATIO", "TARGET", "REFERENCE"}};
  for (const auto& g : bench.goals) {
    goals.push_back({g.goal, g.engine, g.what, std::to_string(g.n), ms(g.cnfctl_ms),
                     ms(g.reference_ms), ratio_text(g.cnfctl_ms, g.reference_ms),
                     g.target.empty() ? "-" : g.target, g.reference});
  }
  if (goals.size() > 1) {
    std::cout << fmt::format(
        "up_down: medians of {} alternating repeats (cnfctl / reference, after 1 warm-up); "
        "RATIO = CNFCTL/REF, below 1: cnfctl is faster\n\n{}",
        options.repeats, table_text(goals));
  }
  const auto& rows = bench.scale_rows;
  if (!rows.empty()) {
    std::vector<std::vector<std::string>> scale = {
        {"N", "UP_MS", "UP_CPU_SELF_MS", "UP_CPU_CHILD_MS", "MAX_RSS_KB", "PS_MS", "EXEC_ALL_MS",
         "DOWN_MS", "DOWN_CPU_SELF_MS", "MAX_THREADS", "MAX_FDS"}};
    std::vector<double> x;
    std::map<std::string, std::vector<double>> y;
    for (const auto& r : rows) {
      scale.push_back({std::to_string(r.n), ms(r.up_ms), ms(r.up_cpu_self_ms),
                       ms(r.up_cpu_children_ms), ms(r.up_rss_kb), ms(r.ps_ms), ms(r.exec_all_ms),
                       ms(r.down_ms), ms(r.down_cpu_self_ms), std::to_string(r.max_threads),
                       std::to_string(r.max_fds)});
      x.push_back(static_cast<double>(r.n));
      y["up"].push_back(r.up_ms);
      y["self"].push_back(r.up_cpu_self_ms);
      y["child"].push_back(r.up_cpu_children_ms);
      y["total"].push_back(r.up_cpu_self_ms + r.up_cpu_children_ms);
      y["rss"].push_back(r.up_rss_kb);
      y["ps"].push_back(r.ps_ms);
      y["exec"].push_back(r.exec_all_ms);
      y["down"].push_back(r.down_ms);
      y["down_self"].push_back(r.down_cpu_self_ms);
    }
    // A slope needs two sizes: with one, "-" (and P4 falls back to value / N).
    const bool fitted = rows.size() >= 2;
    auto slope = [&](const std::string& key) { return fitted_slope(x, y[key]); };
    auto slope_text = [&](const std::string& key) { return fitted ? one(slope(key)) : "-"; };
    scale.push_back({"slope/N", slope_text("up"), slope_text("self"), slope_text("child"),
                     slope_text("rss"), slope_text("ps"), slope_text("exec"), slope_text("down"),
                     slope_text("down_self"), "", ""});
    // Per container at the largest N over per container at the smallest: 1 when linear, N/N0
    // when quadratic (then the slope above is an average, not a constant).
    auto growth = [&](const std::string& key) {
      const auto& v = y[key];
      if (x.size() < 2 || v.front() <= 0) return std::string("-");
      return fmt::format("{:.2f}", (v.back() / x.back()) / (v.front() / x.front()));
    };
    scale.push_back({"per-N growth", growth("up"), growth("self"), growth("child"), "",
                     growth("ps"), growth("exec"), growth("down"), growth("down_self"), "", ""});
    long nofile = sysconf(_SC_OPEN_MAX);
    std::cout << fmt::format(
        "\nscale (oci, runc, `sleep infinity` command NFs; medians of {} run(s) per N; threads "
        "and fds of cnfctl sampled every 20 ms; its fd limit {}). slope/N: least-squares "
        "slope over N, per container; per-N growth: (value/N at the largest N) / (value/N at the "
        "smallest), 1 when linear\n\n{}",
        options.scale_repeats, nofile, table_text(scale));
    std::vector<std::vector<std::string>> p4 = {{"P4", "VALUE", "TARGET"}};
    const auto& last = rows.back();
    const double n_last = static_cast<double>(last.n);
    if (fitted) {
      p4.push_back({"cnfctl's own CPU per container (slope of UP_CPU_SELF_MS)",
                    fmt::format("{:.2f} ms", slope("self")), "<= 5 ms"});
    }
    p4.push_back({fmt::format("cnfctl's own CPU per container at N={} (total / N)", last.n),
                  fmt::format("{:.2f} ms", last.up_cpu_self_ms / n_last), "<= 5 ms"});
    if (fitted) {
      p4.push_back({"RSS growth per container (slope of MAX_RSS_KB)",
                    fmt::format("{:.1f} KB", slope("rss")), "<= 200 KB"});
    } else {
      p4.push_back({"RSS growth per container", "- (needs two sizes)", "<= 200 KB"});
    }
    const double total =
        fitted ? slope("total") : (last.up_cpu_self_ms + last.up_cpu_children_ms) / n_last;
    p4.push_back({fitted ? "total CPU per container, children incl. (slope)"
                         : fmt::format("total CPU per container at N={} (total / N)", last.n),
                  fmt::format("{:.1f} ms", total), ""});
    if (bench.bare_run_cpu_per_container_ms > 0) {
      p4.push_back({"bare `runc run -d` CPU per container (N=" +
                        std::to_string(options.containers) + ", bash loop incl.)",
                    fmt::format("{:.1f} ms", bench.bare_run_cpu_per_container_ms), ""});
      p4.push_back(
          {"total / bare ratio", ratio_text(total, bench.bare_run_cpu_per_container_ms), "<= 1.5"});
    }
    std::cout << "\n" << table_text(p4);
  }
  for (const auto& note : bench.notes) std::cout << "note: " << note << "\n";
}

int run(UpDownOptions options) {
  if (::geteuid() != 0) {
    std::cerr << "cnfctl_bench_up_down must run as root (it starts containers)\n";
    return 2;
  }
  SignalWatch signals;  // before any thread
  int status = 0;
  {
    BenchRoot root;
    process::LocalRunner runner;
    const engine::NodeFacts facts = engine::parse_node_facts(
        process::run_checked(
            runner,
            {.argv = {"cat", "/proc/self/status", "/proc/self/limits", "/proc/self/mountinfo"}},
            "reading node facts")
            .out);
    UpDownBench bench(root, facts, options);
    std::optional<CrunHugetlbFix> crun_fix;
    if (options.crun_hugetlb_fix && wants(options, "crun")) {
      crun_fix.emplace();
      if (!crun_fix->note().empty()) bench.notes.push_back(crun_fix->note());
    }
    bool go = true;
    for (const std::string runtime : {"runc", "crun"}) {
      if (go && !options.skip_p1 && wants(options, runtime)) {
        if (!have_program(runtime)) {
          bench.notes.push_back(
              fmt::format("skipped oci-{0}: {0} not found (Debian package {0})", runtime));
          continue;
        }
        if (runtime == std::string("crun") && !crun_blocker().empty()) {
          bench.notes.push_back("skipped oci-crun: " + crun_blocker());
          continue;
        }
        go = section(
            bench, "P1 oci-" + runtime, [&] { bench.p1(runtime); }, status);
      }
    }
    if (go && !options.skip_chain && wants(options, "runc")) {
      go = section(
          bench, "P1 testpmd chain", [&] { bench.testpmd_chain(); }, status);
    }
    if (go && !options.skip_peers && wants(options, "docker")) {
      go = section(
          bench, "peers docker", [&] { bench.docker_peer(); }, status);
    }
    if (go && !options.skip_peers && wants(options, "podman")) {
      go = section(
          bench, "peers podman", [&] { bench.podman_peer(); }, status);
    }
    if (go && !options.skip_scale) {
      const auto sizes = options.sizes.empty() ? ladder(options.max) : options.sizes;
      go = section(
          bench, "scale", [&] { bench.scale(sizes); }, status);
    }
    bench.down_live_runs();
    remove_cgroup_dirs("cnfctl/oci", root.name(""));
    print_results(bench, options);
  }
  return status;
}

}  // namespace
}  // namespace cnfctl::bench

int main(int argc, char** argv) {
  cnfctl::bench::UpDownOptions options;
  CLI::App app{
      "cnfctl up/down against a serial shell loop, docker-compose and podman-compose, and its "
      "cost per container up to hundreds of containers, as ratios measured in one run"};
  app.add_option("--engines", options.engines,
                 "Comparisons to run: runc, crun (P1 against the loop), docker, podman (peers)")
      ->delimiter(',')
      ->check(CLI::IsMember({"runc", "crun", "docker", "podman"}));
  app.add_option("--repeats", options.repeats, "Alternating runs per side (medians)")
      ->check(CLI::Range(1, 100));
  app.add_option("--containers", options.containers, "N of P1 and the peers (default 16)")
      ->check(CLI::Range(1, 256));
  app.add_option("--sizes", options.sizes,
                 "Scale sizes (default: 16, 64, 128, 256, 500 up to --max)")
      ->delimiter(',')
      ->check(CLI::Range(1, 2000));
  app.add_option("--max", options.max, "Largest scale size of the default ladder (default 64)")
      ->check(CLI::Range(1, 2000));
  app.add_option("--scale-repeats", options.scale_repeats, "Runs per scale size (medians)")
      ->check(CLI::Range(1, 20));
  app.add_option("--jobs", options.jobs, "Pass --jobs to cnfctl up (default: cnfctl's default)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--cnfctl", options.program,
                 "The cnfctl program to measure (default: this build's), e.g. a copy of an "
                 "earlier build for a before/after comparison")
      ->check(CLI::ExistingFile);
  app.add_flag("--skip-p1", options.skip_p1, "Leave out P1 (16 command NFs against the loop)");
  app.add_flag("--skip-chain", options.skip_chain, "Leave out the testpmd chain");
  app.add_flag("--skip-peers", options.skip_peers, "Leave out docker-compose and podman-compose");
  app.add_flag("--skip-scale", options.skip_scale, "Leave out the scale table and P4");
  app.add_flag("--crun-hugetlb-fix", options.crun_hugetlb_fix,
               "Let crun run on a hybrid-cgroup host for this run: move hugetlb to a cgroup v1 "
               "hierarchy (SPEC §5), undone at exit");
  CLI11_PARSE(app, argc, argv);
  try {
    return cnfctl::bench::run(options);
  } catch (const std::exception& e) {
    std::cerr << "cnfctl_bench_up_down: " << e.what() << "\n";
    return 1;
  }
}
