#include "sections.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "report.h"
#include "workloads.h"

namespace cnfctl::bench {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSourceDir = CNFCTL_SOURCE_DIR;

Measured run_ok(std::vector<std::string> argv, const std::string& what) {
  return run_measured_ok({.argv = std::move(argv)}, what);
}

void run_cleanup(std::vector<std::string> argv) {
  run_measured({.argv = std::move(argv), .timeout = std::chrono::seconds(120), .cleanup = true});
}

// Which side goes first in repeat r: cnfctl on even repeats, the reference on odd ones.
std::vector<bool> sides_in_order(int r) {
  return r % 2 == 0 ? std::vector<bool>{true, false} : std::vector<bool>{false, true};
}

void progress(const std::string& text) {
  std::cerr << "up_down: " << text << "\n";
}

}  // namespace

double fitted_slope(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) mx += x[i], my += y[i];
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx == 0 ? 0 : sxy / sxx;
}

UpDownBench::UpDownBench(const BenchRoot& root, engine::NodeFacts facts, UpDownOptions options)
    : root_(root),
      facts_(std::move(facts)),
      options_(std::move(options)),
      // Short: podman refuses a runroot (CNFCTL_RUN_DIR/engines/podman/run) past 50 characters.
      cnfctl_dir_(root.path() + "/c") {
  for (const char* sub : {"/state", "/r", "/sockets", "/topologies"}) {
    fs::create_directories(cnfctl_dir_ + sub);
  }
}

UpDownBench::~UpDownBench() {
  down_live_runs();
}

Measured UpDownBench::cnfctl(std::vector<std::string> args, const std::string& what, bool sample) {
  args.insert(args.begin(), options_.program);
  return run_measured_ok({.argv = std::move(args),
                          .env = {{"CNFCTL_STATE_DIR", cnfctl_dir_ + "/state"},
                                  {"CNFCTL_RUN_DIR", cnfctl_dir_ + "/r"}},
                          .sample_every = std::chrono::milliseconds(sample ? 20 : 0),
                          .timeout = std::chrono::seconds(1800)},
                         what);
}

namespace {
void read_resources(const std::string& out, double& self, double& children, double& rss) {
  const auto summary = nlohmann::json::parse(out);
  const auto& r = summary.at("resources");
  self = r.at("cpu_self_ms").get<double>();
  children = r.at("cpu_children_ms").get<double>();
  rss = r.at("max_rss_kb").get<double>();
}
}  // namespace

UpDownBench::Up UpDownBench::cnfctl_up(const std::string& file, const std::string& run,
                                       bool sample) {
  std::vector<std::string> args = {"up", file, "--name", run, "--json", "-q"};
  if (options_.jobs > 0) args.insert(args.end(), {"--jobs", std::to_string(options_.jobs)});
  live_runs_.insert(run);
  Up up;
  up.process = cnfctl(args, "cnfctl up " + run, sample);
  read_resources(up.process.out, up.cpu_self_ms, up.cpu_children_ms, up.max_rss_kb);
  return up;
}

UpDownBench::Up UpDownBench::cnfctl_down(const std::string& run, bool sample) {
  Up down;
  down.process = cnfctl({"down", run, "--json", "-q"}, "cnfctl down " + run, sample);
  live_runs_.erase(run);
  read_resources(down.process.out, down.cpu_self_ms, down.cpu_children_ms, down.max_rss_kb);
  return down;
}

std::string UpDownBench::write_topology(const std::string& run, const std::string& engine,
                                        const std::string& runtime, std::size_t count,
                                        const std::string& image, const std::string& engine_host) {
  const std::string path = cnfctl_dir_ + "/topologies/" + run + ".yaml";
  write_file(path, topology_yaml({.run = run,
                                  .engine = engine,
                                  .runtime = runtime,
                                  .engine_host = engine_host,
                                  .image = image,
                                  .socket_dir = cnfctl_dir_ + "/sockets",
                                  .count = count}));
  return path;
}

std::vector<engine::ContainerSpec> UpDownBench::planned_specs(const std::string& file,
                                                              const std::string& prefix,
                                                              std::vector<std::string> command) {
  const auto plan = nlohmann::json::parse(cnfctl({"plan", file, "--json"}, "cnfctl plan").out);
  std::vector<engine::ContainerSpec> specs;
  for (const auto& c : plan.at("containers")) {
    engine::ContainerSpec spec;
    spec.name = prefix + std::to_string(specs.size() + 1);
    for (int cpu : c.at("cpus").get<std::vector<int>>()) {
      spec.cpuset_cpus.push_back(static_cast<unsigned>(cpu));
    }
    for (int mem : c.at("mems").get<std::vector<int>>()) {
      spec.cpuset_mems.push_back(static_cast<unsigned>(mem));
    }
    for (auto* list : {&spec.cpuset_cpus, &spec.cpuset_mems}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    spec.command = command;
    specs.push_back(std::move(spec));
  }
  return specs;
}

void UpDownBench::clean_loop(const std::string& dir, const std::string& runtime,
                             const std::vector<engine::ContainerSpec>& specs) {
  for (const auto& spec : specs) {
    run_cleanup({runtime, "--root", dir + "/runtime", "delete", "-f", spec.name});
  }
  remove_tree_with_mounts(dir);
  remove_cgroup_dirs("cnfctl/oci", root_.name(""));
}

void UpDownBench::p1(const std::string& runtime) {
  const std::size_t n = options_.containers;
  const std::string tag = runtime.substr(0, 1);
  const std::string file = write_topology(root_.name("p1" + tag), "oci", runtime, n);
  const auto specs = planned_specs(file, root_.name(tag + "l"), {"sleep", "infinity"});
  const std::string dir = root_.path() + "/loop-" + runtime;
  fs::create_directories(dir);
  const auto loop = write_loop_scripts(dir, runtime, specs, facts_);
  std::vector<double> cnfctl_up_ms, cnfctl_down_ms, loop_up_ms, loop_down_ms, cnfctl_cpu, loop_cpu,
      bare_cpu;
  try {
    progress(fmt::format("oci-{}: warm-up", runtime));
    const std::string warm = root_.name(tag + "w");
    cnfctl_up(file, warm);
    cnfctl_down(warm);
    run_ok({"bash", loop.up}, "loop up.sh");
    run_ok({"bash", loop.down}, "loop down.sh");
    for (int r = 0; r < options_.repeats; ++r) {
      progress(
          fmt::format("oci-{}: up/down of {}, repeat {}/{}", runtime, n, r + 1, options_.repeats));
      for (bool cnfctl_side : sides_in_order(r)) {
        if (cnfctl_side) {
          const std::string run = root_.name(fmt::format("{}r{}", tag, r));
          auto up = cnfctl_up(file, run);
          auto down = cnfctl_down(run);
          cnfctl_up_ms.push_back(up.process.wall_ms);
          cnfctl_cpu.push_back(up.cpu_self_ms + up.cpu_children_ms);
          cnfctl_down_ms.push_back(down.process.wall_ms);
        } else {
          auto up = run_ok({"bash", loop.up}, "loop up.sh");
          auto down = run_ok({"bash", loop.down}, "loop down.sh");
          loop_up_ms.push_back(up.wall_ms);
          loop_cpu.push_back(up.cpu_ms);
          loop_down_ms.push_back(down.wall_ms);
        }
      }
      if (runtime == "runc") {
        // P4's reference: `runc run -d` alone of the same bundles (mounts made before).
        run_ok({"bash", loop.prepare}, "loop prepare.sh");
        bare_cpu.push_back(run_ok({"bash", loop.run}, "loop run.sh").cpu_ms /
                           static_cast<double>(n));
        run_ok({"bash", loop.down}, "loop down.sh");
      }
    }
  } catch (...) {
    clean_loop(dir, runtime, specs);
    throw;
  }
  clean_loop(dir, runtime, specs);
  const std::string engine = "oci-" + runtime;
  goals.push_back({"P1", engine, "up", n, median(cnfctl_up_ms), median(loop_up_ms), "<= 0.25",
                   "serial loop: mount, bundle, run -d, exec true"});
  goals.push_back({"P1", engine, "down", n, median(cnfctl_down_ms), median(loop_down_ms), "<= 0.5",
                   "loop: kill, delete -f, umount"});
  goals.push_back({"-", engine, "up CPU (all)", n, median(cnfctl_cpu), median(loop_cpu), "",
                   "CPU-ms incl. children, not wall time"});
  if (!bare_cpu.empty()) bare_run_cpu_per_container_ms = median(bare_cpu);
}

void UpDownBench::testpmd_chain() {
  if (::access("/usr/bin/dpdk-testpmd", X_OK) != 0) {
    notes.push_back(
        "skipped the testpmd chain: /usr/bin/dpdk-testpmd not found (Debian package dpdk)");
    return;
  }
  const std::string file = std::string(kSourceDir) + "/examples/testpmd-chain.yaml";
  const auto specs = planned_specs(file, root_.name("tl"), {"sleep", "infinity"});
  const std::string dir = root_.path() + "/loop-chain";
  fs::create_directories(dir);
  const auto loop = write_loop_scripts(dir, "runc", specs, facts_);
  std::vector<double> cnfctl_up_ms, cnfctl_down_ms, loop_up_ms, loop_down_ms;
  try {
    progress("testpmd chain: warm-up");
    const std::string warm = root_.name("tw");
    cnfctl_up(file, warm);
    cnfctl_down(warm);
    run_ok({"bash", loop.up}, "loop up.sh");
    run_ok({"bash", loop.down}, "loop down.sh");
    for (int r = 0; r < options_.repeats; ++r) {
      progress(fmt::format("testpmd chain: repeat {}/{}", r + 1, options_.repeats));
      for (bool cnfctl_side : sides_in_order(r)) {
        if (cnfctl_side) {
          const std::string run = root_.name(fmt::format("t{}", r));
          cnfctl_up_ms.push_back(cnfctl_up(file, run).process.wall_ms);
          cnfctl_down_ms.push_back(cnfctl_down(run).process.wall_ms);
        } else {
          loop_up_ms.push_back(run_ok({"bash", loop.up}, "loop up.sh").wall_ms);
          loop_down_ms.push_back(run_ok({"bash", loop.down}, "loop down.sh").wall_ms);
        }
      }
    }
  } catch (...) {
    clean_loop(dir, "runc", specs);
    throw;
  }
  clean_loop(dir, "runc", specs);
  goals.push_back({"P1", "oci-runc", "testpmd chain up", specs.size(), median(cnfctl_up_ms),
                   median(loop_up_ms), "<= 0.5", "the same serial loop of sleep containers"});
  goals.push_back({"P1", "oci-runc", "testpmd chain down", specs.size(), median(cnfctl_down_ms),
                   median(loop_down_ms), "<= 0.5", "loop: kill, delete -f, umount"});
}

namespace {

// The containers' ids whose names start with `prefix` (podman: to remove their cgroup dirs);
// only the running ones with `running_only`.
std::vector<std::string> ids_named(const std::vector<std::string>& cli, const std::string& prefix,
                                   bool running_only = false) {
  auto argv = cli;
  argv.push_back("ps");
  if (!running_only) argv.push_back("--all");
  argv.insert(argv.end(), {"--quiet", "--no-trunc", "--filter", "name=" + prefix});
  auto listed = run_measured({.argv = argv, .cleanup = true});
  std::vector<std::string> ids;
  std::size_t start = 0;
  while (start < listed.out.size()) {
    auto end = listed.out.find('\n', start);
    if (end == std::string::npos) end = listed.out.size();
    if (end > start) ids.push_back(listed.out.substr(start, end - start));
    start = end + 1;
  }
  return ids;
}

}  // namespace

void UpDownBench::compare_with_compose(const std::string& engine, const std::string& file,
                                       const std::vector<std::string>& compose,
                                       const std::string& compose_name,
                                       const std::vector<std::string>& engine_cli,
                                       const std::string& peer_prefix,
                                       const std::function<void()>& before_peer_down) {
  const std::size_t n = options_.containers;
  auto compose_cmd = [&](std::vector<std::string> args) {
    auto argv = compose;
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  // The reference must do the same work: compose reports success even when its containers
  // failed to start (podman-compose 1.0.3 with podman's default crun here: setrlimit EPERM),
  // and a down of containers that never ran costs nothing.
  auto peer_up = [&] {
    const auto up = run_ok(compose_cmd({"up", "-d"}), compose_name + " up");
    const auto running = ids_named(engine_cli, peer_prefix, true).size();
    if (running != n) {
      throw std::runtime_error(fmt::format("{} up left {} of {} containers running: {}",
                                           compose_name, running, n, up.err.substr(0, 600)));
    }
    return up;
  };
  std::vector<double> cnfctl_up_ms, cnfctl_down_ms, peer_up_ms, peer_down_ms;
  const std::string tag = engine.substr(0, 1);
  try {
    progress(engine + ": warm-up");
    const std::string warm = root_.name(tag + "w");
    cnfctl_up(file, warm);
    cnfctl_down(warm);
    peer_up();
    if (before_peer_down) before_peer_down();
    run_ok(compose_cmd({"down", "-t", "1"}), compose_name + " down");
    for (int r = 0; r < options_.repeats; ++r) {
      progress(fmt::format("{}: up/down of {}, repeat {}/{}", engine, n, r + 1, options_.repeats));
      for (bool cnfctl_side : sides_in_order(r)) {
        if (cnfctl_side) {
          const std::string run = root_.name(fmt::format("{}r{}", tag, r));
          cnfctl_up_ms.push_back(cnfctl_up(file, run).process.wall_ms);
          cnfctl_down_ms.push_back(cnfctl_down(run).process.wall_ms);
        } else {
          peer_up_ms.push_back(peer_up().wall_ms);
          if (before_peer_down) before_peer_down();
          peer_down_ms.push_back(
              run_ok(compose_cmd({"down", "-t", "1"}), compose_name + " down").wall_ms);
        }
      }
    }
  } catch (...) {
    down_live_runs();
    if (before_peer_down) before_peer_down();
    run_cleanup(compose_cmd({"down", "-t", "0"}));
    throw;
  }
  goals.push_back({"peers", engine, "up", n, median(cnfctl_up_ms), median(peer_up_ms), "<= 0.5",
                   compose_name + " up -d"});
  goals.push_back({"peers", engine, "down", n, median(cnfctl_down_ms), median(peer_down_ms),
                   "<= 0.5", compose_name + " down -t 1"});
}

void UpDownBench::down_live_runs() {
  for (const auto& run : live_runs_) {
    run_measured({.argv = {options_.program, "down", "-q", run},
                  .env = {{"CNFCTL_STATE_DIR", cnfctl_dir_ + "/state"},
                          {"CNFCTL_RUN_DIR", cnfctl_dir_ + "/r"}},
                  .timeout = std::chrono::seconds(600),
                  .cleanup = true});
  }
  live_runs_.clear();
}

void UpDownBench::docker_peer() {
  for (const char* program : {"docker", "dockerd", "docker-compose"}) {
    if (!have_program(program)) {
      notes.push_back(
          fmt::format("skipped docker: {} not found (Debian package {})", program,
                      program == std::string("docker-compose") ? "docker-compose" : "docker.io"));
      return;
    }
  }
  const std::string dir = root_.path() + "/docker";
  fs::create_directories(dir);
  progress("docker: starting a private dockerd");
  PrivateDockerd dockerd(dir + "/dockerd", &SignalWatch::interrupted);
  // A busybox image imported once, untimed, used by both sides.
  make_busybox_rootfs(dir + "/busybox");
  run_ok({"tar", "-C", dir + "/busybox", "-cf", dir + "/busybox.tar", "."}, "tar busybox");
  const std::string image = "cnfctl-bench-busybox:up-down";
  run_ok({"docker", "--host", dockerd.host(), "import", dir + "/busybox.tar", image},
         "docker import");
  const std::string file =
      write_topology(root_.name("dk"), "docker", "", options_.containers, image, dockerd.host());
  const auto specs = planned_specs(file, root_.name("dc"), {"sleep", "infinity"});
  const std::string compose_file = dir + "/docker-compose.yml";
  write_file(compose_file, compose_yaml("docker", image, specs, nofile_limit()));
  compare_with_compose("docker", file,
                       {"docker-compose", "--host", dockerd.host(), "--file", compose_file,
                        "--project-name", root_.name("dc")},
                       "docker-compose", {"docker", "--host", dockerd.host()}, root_.name("dc"));
}

void UpDownBench::podman_peer() {
  if (!have_program("podman")) {
    notes.push_back("skipped podman: podman not found (Debian package podman)");
    return;
  }
  const std::string dir = root_.path() + "/podman";
  fs::create_directories(dir);
  // cnfctl's podman keeps its storage under its run dir (CNFCTL_RUN_DIR/engines/podman); the
  // image is imported there once, untimed, and podman-compose uses the same storage.
  const std::string state = cnfctl_dir_ + "/r/engines/podman";
  // The runtime as cnfctl's topology names it: podman's default here is crun, which cannot
  // start a container on this machine (SPEC §5).
  const std::vector<std::string> globals = {"--cgroup-manager=cgroupfs",
                                            "--events-backend=file",
                                            "--root",
                                            state + "/storage",
                                            "--runroot",
                                            state + "/run",
                                            "--runtime",
                                            "runc"};
  std::vector<std::string> podman = {"podman"};
  podman.insert(podman.end(), globals.begin(), globals.end());
  make_busybox_rootfs(dir + "/busybox");
  run_ok({"tar", "-C", dir + "/busybox", "-cf", dir + "/busybox.tar", "."}, "tar busybox");
  const std::string image = "localhost/cnfctl-bench-busybox:up-down";
  auto import = podman;
  import.insert(import.end(), {"import", dir + "/busybox.tar", image});
  run_ok(import, "podman import");
  const std::string file =
      write_topology(root_.name("pd"), "podman", "runc", options_.containers, image);
  const auto specs = planned_specs(file, root_.name("pc"), {"sleep", "infinity"});
  const std::string script = dir + "/compose-commands.sh";
  write_file(script, compose_commands_script(podman, image, specs, nofile_limit()));
  // podman leaves its containers' empty cgroup dirs (SPEC §5): their ids are noted before each
  // compose down and the dirs removed at the end, as cnfctl's own down does for its containers.
  std::set<std::string> ids;
  auto note_ids = [&] {
    for (const auto& id : ids_named(podman, root_.name("pc"))) ids.insert(id);
  };
  auto tidy = [&] {
    for (const auto& id : ids_named(podman, root_.name("pc"))) {
      auto rm = podman;
      rm.insert(rm.end(), {"rm", "-f", id});
      run_cleanup(rm);
      ids.insert(id);
    }
    for (const auto& id : ids) remove_cgroup_dirs("cnfctl/podman", "libpod-" + id);
    remove_cgroup_dirs("cnfctl/podman", "conmon");
  };
  try {
    compare_with_compose("podman", file, {"bash", script}, "podman-compose's commands", podman,
                         root_.name("pc"), note_ids);
  } catch (...) {
    tidy();
    throw;
  }
  tidy();
  notes.push_back(
      "podman's reference runs podman-compose 1.0.3's own podman commands from a script: "
      "podman-compose itself adds a network that podman refuses beside network_mode none, and "
      "sleeps 1 s after each container it starts (podman_compose.py, Podman.run(sleep=1))");
}

void UpDownBench::scale(const std::vector<std::size_t>& sizes) {
  for (std::size_t n : sizes) {
    const std::string file = write_topology(root_.name(fmt::format("s{}", n)), "oci", "runc", n);
    std::vector<ScaleRow> repeats;
    for (int r = 0; r < options_.scale_repeats; ++r) {
      progress(fmt::format("scale: {} containers, repeat {}/{}", n, r + 1, options_.scale_repeats));
      const std::string run = root_.name(fmt::format("s{}r{}", n, r));
      ScaleRow row{.n = n};
      auto up = cnfctl_up(file, run, true);
      row.up_ms = up.process.wall_ms;
      row.up_cpu_self_ms = up.cpu_self_ms;
      row.up_cpu_children_ms = up.cpu_children_ms;
      row.up_rss_kb = up.max_rss_kb;
      auto ps = cnfctl({"ps", run, "--json"}, "cnfctl ps", true);
      std::size_t running = 0;
      const auto listed = nlohmann::json::parse(ps.out);
      for (const auto& c : listed.at(0).at("containers")) {
        if (c.value("running", false) && c.value("nf_ready", false)) ++running;
      }
      if (running != n) {
        throw std::runtime_error(
            fmt::format("cnfctl ps {}: {} of {} containers running and ready: {}", run, running, n,
                        ps.out.substr(0, 600)));
      }
      row.ps_ms = ps.wall_ms;
      auto exec = cnfctl({"exec", run, "--all", "--", "true"}, "cnfctl exec --all", true);
      row.exec_all_ms = exec.wall_ms;
      auto down = cnfctl_down(run, true);
      row.down_ms = down.process.wall_ms;
      row.down_cpu_self_ms = down.cpu_self_ms;
      for (const Measured* m : {&up.process, &ps, &exec, &down.process}) {
        row.max_threads = std::max(row.max_threads, m->max_threads);
        row.max_fds = std::max(row.max_fds, m->max_fds);
      }
      repeats.push_back(row);
    }
    // Medians of each column over the repeats.
    ScaleRow row{.n = n};
    auto med = [&](double ScaleRow::*field) {
      std::vector<double> values;
      for (const auto& r : repeats) values.push_back(r.*field);
      return median(values);
    };
    for (auto field : {&ScaleRow::up_ms, &ScaleRow::up_cpu_self_ms, &ScaleRow::up_cpu_children_ms,
                       &ScaleRow::up_rss_kb, &ScaleRow::ps_ms, &ScaleRow::exec_all_ms,
                       &ScaleRow::down_ms, &ScaleRow::down_cpu_self_ms}) {
      row.*field = med(field);
    }
    for (const auto& r : repeats) {
      row.max_threads = std::max(row.max_threads, r.max_threads);
      row.max_fds = std::max(row.max_fds, r.max_fds);
    }
    scale_rows.push_back(row);
  }
}

}  // namespace cnfctl::bench
