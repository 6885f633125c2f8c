// cnfctl_bench_engine_ops: per-operation latency of each engine through cnfctl's Engine against
// the same engine's CLI, and N-container bring-up with the seed's strategy against cnfctl's,
// printed as ratios measured in one run (SPEC §13). Commands and columns: bench/README.md.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "bench_env.h"
#include "bench_target.h"
#include "bring_up.h"
#include "common/error.h"
#include "engine/docker_engine.h"
#include "engine/engine_base.h"
#include "engine/registry.h"
#include "op_latency.h"
#include "process/local_runner.h"
#include "report.h"

namespace cnfctl::bench {
namespace {

struct Options {
  int iterations = 10;
  std::vector<std::string> engines = {"oci", "oci-crun", "lxc", "docker", "podman"};
  std::vector<std::string> bringup_engines = {"oci", "oci-crun", "lxc", "docker", "podman"};
  std::vector<std::size_t> sizes = {1, 4, 16};
  std::size_t jobs = 8;
  int ready_after_ms = 300;
  int bringup_repeats = 3;
  bool skip_ops = false;
  bool skip_bringup = false;
  bool crun_hugetlb_fix = false;
};

struct Tables {
  std::vector<std::vector<std::string>> ops = {
      {"ENGINE", "OPERATION", "CNFCTL_MS", "CLI_MS", "CNFCTL/CLI"}};
  std::vector<std::vector<std::string>> bringup = {{"ENGINE", "N", "UP_SEED_MS", "UP_CNFCTL_MS",
                                                    "UP_CNFCTL/SEED", "DOWN_SEED_MS",
                                                    "DOWN_CNFCTL_MS", "DOWN_CNFCTL/SEED"}};
  std::vector<std::string> notes;
};

std::string ms(double value) {
  return fmt::format("{:.1f}", value);
}

// The programs engine `kind` needs, or empty when all are found.
std::string missing_program(const std::string& kind) {
  static const std::map<std::string, std::vector<std::string>> programs = {
      {"oci", {"runc"}},
      {"oci-crun", {"crun"}},
      {"lxc", {"lxc-create", "lxc-start", "lxc-attach", "lxc-destroy"}},
      {"docker", {"docker", "dockerd"}},
      {"podman", {"podman", "runc"}}};
  if (kind == "oci-crun" && !crun_blocker().empty()) return crun_blocker();
  for (const auto& program : programs.at(kind)) {
    if (!have_program(program)) {
      return fmt::format("{} not found (Debian package {})", program,
                         engine::debian_package_for(program));
    }
  }
  return {};
}

void bench_engine(const std::string& kind, const Options& options, const BenchRoot& root,
                  process::Runner& runner, const engine::NodeFacts& facts, Tables& tables) {
  const std::string dir = root.path() + "/" + kind;
  std::filesystem::create_directories(dir + "/cli");
  std::unique_ptr<PrivateDockerd> dockerd;
  BenchTarget target{.kind = kind, .image = engine::Image{}, .root = &root};
  engine::EngineOptions engine_options;
  engine_options.state_root = dir + "/cnfctl";
  engine_options.notice = [&tables](const std::string& text) { tables.notes.push_back(text); };
  std::string docker_image;
  if (kind == "docker") {
    // docker has no rootfs mode: a busybox root filesystem imported offline (SPEC §5).
    std::cerr << "starting a private dockerd...\n";
    dockerd = std::make_unique<PrivateDockerd>(dir + "/dockerd", &SignalWatch::interrupted);
    make_busybox_rootfs(dir + "/busybox");
    target.image = engine::Image::parse("dir:" + dir + "/busybox");
    engine_options.daemon_host = dockerd->host();
    docker_image = engine::DockerEngine::imported_tag(dir + "/busybox");
  }
  // oci-crun: the oci engine and the loop driving crun instead of runc.
  const bool crun = kind == "oci-crun";
  if (crun) engine_options.binary = "crun";
  target.engine = engine::make_engine(crun ? "oci" : kind, runner, engine_options);
  target.cli = make_cli_baseline(kind, runner,
                                 {.state_root = dir + "/cli",
                                  .daemon_host = engine_options.daemon_host,
                                  .facts = facts,
                                  .oci_runtime = crun ? "crun" : "runc"},
                                 docker_image);
  target.engine->prepare_node();
  if (kind == "docker") {
    // Import the image once, untimed, so both sides start from an image that exists.
    const auto setup = target.spec("setup");
    target.engine->acquire(setup, false);
    target.engine->destroy(setup.name);
  }

  if (!options.skip_ops) {
    std::cerr << fmt::format("{}: {} iterations of each operation...\n", kind, options.iterations);
    for (const auto& op : measure_op_latency(target, options.iterations)) {
      tables.ops.push_back({kind, op.operation, ms(op.cnfctl_ms), ms(op.cli_ms),
                            ratio_text(op.cnfctl_ms, op.cli_ms)});
    }
  }
  const bool bringup = !options.skip_bringup &&
                       std::find(options.bringup_engines.begin(), options.bringup_engines.end(),
                                 kind) != options.bringup_engines.end();
  for (std::size_t n : bringup ? options.sizes : std::vector<std::size_t>{}) {
    std::cerr << fmt::format("{}: bring-up of {} containers...\n", kind, n);
    BringUpSettings settings{.containers = n,
                             .jobs = options.jobs,
                             .ready_after = std::chrono::milliseconds(options.ready_after_ms),
                             .repeats = options.bringup_repeats};
    const auto [seed, cnfctl] = compare_bring_up(target, settings);
    tables.bringup.push_back({kind, std::to_string(n), ms(seed.up_ms), ms(cnfctl.up_ms),
                              ratio_text(cnfctl.up_ms, seed.up_ms), ms(seed.down_ms),
                              ms(cnfctl.down_ms), ratio_text(cnfctl.down_ms, seed.down_ms)});
  }
}

int run(const Options& options) {
  if (::geteuid() != 0) {
    std::cerr << "cnfctl_bench_engine_ops must run as root (it starts containers)\n";
    return 2;
  }
  SignalWatch signals;  // before any thread
  Tables tables;
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
    std::optional<CrunHugetlbFix> crun_fix;
    if (options.crun_hugetlb_fix) {
      crun_fix.emplace();
      if (!crun_fix->note().empty()) tables.notes.push_back(crun_fix->note());
    }
    for (const auto& kind : options.engines) {
      if (const std::string missing = missing_program(kind); !missing.empty()) {
        tables.notes.push_back(fmt::format("skipped {}: {}", kind, missing));
        continue;
      }
      try {
        bench_engine(kind, options, root, runner, facts, tables);
      } catch (const Interrupted&) {
        std::cerr << "interrupted: cleaning up\n";
        status = 130;
        break;
      } catch (const std::exception& e) {
        tables.notes.push_back(fmt::format("{} failed (its rows are missing): {}", kind, e.what()));
        status = 1;
      }
      remove_tree_with_mounts(root.path() + "/" + kind);
      // anything the CLI side left
      remove_cgroup_dirs("cnfctl/" + (kind == "oci-crun" ? std::string("oci") : kind),
                         root.name(""));
      if (SignalWatch::interrupted()) {
        status = 130;
        break;
      }
    }
    // podman's shared conmon cgroup dir outlives its last container (SPEC §5).
    remove_cgroup_dirs("cnfctl/podman", "conmon");
  }
  std::cout << fmt::format(
      "engine_ops: medians of {} iterations (after 1 warm-up); CNFCTL/CLI < 1 means cnfctl is "
      "faster\n\n{}",
      options.iterations, table_text(tables.ops));
  if (tables.bringup.size() > 1) {
    std::cout << fmt::format(
        "\nbring-up (medians of {}): NF ready {} ms after start; seed = serial steps + 1 s polls, "
        "cnfctl = {} in flight + probes 5-200 ms\n\n{}",
        options.bringup_repeats, options.ready_after_ms, options.jobs, table_text(tables.bringup));
  }
  for (const auto& note : tables.notes) std::cout << "note: " << note << "\n";
  return status;
}

}  // namespace
}  // namespace cnfctl::bench

int main(int argc, char** argv) {
  cnfctl::bench::Options options;
  CLI::App app{
      "cnfctl's Engine against each engine's CLI (per operation) and the seed's "
      "bring-up strategy against cnfctl's, as ratios measured in one run"};
  app.add_option("--iterations", options.iterations, "Timed lifecycles per engine and side")
      ->check(CLI::Range(1, 1000));
  app.add_option("--engines", options.engines, "Engines to measure")
      ->delimiter(',')
      ->check(CLI::IsMember({"oci", "oci-crun", "lxc", "docker", "podman"}));
  app.add_option("--bringup-engines", options.bringup_engines, "Engines whose bring-up to measure")
      ->delimiter(',')
      ->check(CLI::IsMember({"oci", "oci-crun", "lxc", "docker", "podman"}));
  app.add_option("--sizes", options.sizes, "Bring-up sizes N")
      ->delimiter(',')
      ->check(CLI::Range(1, 256));
  app.add_option("--jobs", options.jobs, "cnfctl's bring-up: containers in flight")
      ->check(CLI::Range(1, 256));
  app.add_option("--ready-after-ms", options.ready_after_ms,
                 "Bring-up: how long the stand-in NF takes to become ready")
      ->check(CLI::Range(0, 60000));
  app.add_option("--bringup-repeats", options.bringup_repeats,
                 "Bring-up runs per strategy and N (medians are printed)")
      ->check(CLI::Range(1, 100));
  app.add_flag("--skip-ops", options.skip_ops, "Do not measure per-operation latency");
  app.add_flag("--skip-bringup", options.skip_bringup, "Do not measure bring-up");
  app.add_flag("--crun-hugetlb-fix", options.crun_hugetlb_fix,
               "Let crun run on a hybrid-cgroup host for this run: move hugetlb to a cgroup v1 "
               "hierarchy (SPEC §5), undone at exit");
  CLI11_PARSE(app, argc, argv);
  try {
    return cnfctl::bench::run(options);
  } catch (const std::exception& e) {
    std::cerr << "cnfctl_bench_engine_ops: " << e.what() << "\n";
    return 1;
  }
}
