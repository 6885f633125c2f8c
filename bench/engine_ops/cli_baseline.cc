#include "cli_baseline.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "bench_env.h"
#include "common/error.h"
#include "engine/cli_engine.h"
#include "engine/copy_in.h"
#include "engine/lxc_config.h"
#include "engine/oci_config.h"

namespace cnfctl::bench {
namespace {

using engine::ContainerSpec;

process::Outcome run_ok(process::Runner& runner, process::Command command,
                        const std::string& what) {
  if (command.timeout.count() == 0) command.timeout = std::chrono::seconds(60);
  return process::run_checked(runner, command, what);
}

void write_text(const std::string& path, const std::string& text, bool append = false) {
  // A shell loop writes files with a builtin redirect (no process), so does this.
  std::ofstream out(path, append ? std::ios::app : std::ios::trunc);
  out << text;
  if (!out.flush()) throw Error(fmt::format("cannot write {}", path));
}

std::uint64_t nofile_limit(const engine::NodeFacts& facts) {
  return std::min<std::uint64_t>(facts.nofile_hard_limit, 1048576);
}

// runc: `mkdir; mount overlay; config.json; runc run -d`, `runc exec`, `runc kill` + polling
// `runc state`, `runc delete -f; umount; rm -rf`.
class OciCli : public CliBaseline {
 public:
  OciCli(process::Runner& runner, CliBaselineSettings settings)
      : runner_(runner), settings_(std::move(settings)) {}

  void create(const ContainerSpec& spec) override {
    const std::string dir = dir_of(spec.name);
    run_ok(runner_, {.argv = {"mkdir", "-p", dir + "/rootfs", dir + "/upper", dir + "/work"}},
           "mkdir");
    run_ok(runner_,
           {.argv = {"mount", "-t", "overlay", "overlay", "-o",
                     fmt::format("lowerdir=/,upperdir={0}/upper,workdir={0}/work", dir),
                     dir + "/rootfs"}},
           "mount overlay");
    engine::OciBundleSettings bundle{
        .rootfs = dir + "/rootfs",
        .cgroups_path = "/cnfctl/oci/" + spec.name,
        .nofile_limit = nofile_limit(settings_.facts),
        .capability_bounding_set = settings_.facts.capability_bounding_set};
    write_text(dir + "/config.json", engine::make_oci_config(spec, bundle).dump(2) + "\n");
    // `runc run -d NAME >LOG 2>&1` in a shell: detached runc keeps its stdio.
    std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$@\" </dev/null >>\"$0\" 2>&1",
                                     dir + "/container.log"};
    auto run = runc({"run", "-d", "--bundle", dir, "--pid-file", dir + "/pid", spec.name});
    argv.insert(argv.end(), run.begin(), run.end());
    run_ok(runner_, {.argv = argv}, "runc run");
  }

  process::Outcome exec(const std::string& name, const std::vector<std::string>& argv,
                        const std::optional<std::string>& stdin_bytes) override {
    auto args = runc({"exec", name});
    args.insert(args.end(), argv.begin(), argv.end());
    return runner_.run({.argv = args, .stdin_bytes = stdin_bytes});
  }

  void stop(const std::string& name) override {
    run_ok(runner_, {.argv = runc({"kill", name, "TERM"})}, "runc kill");
    // `while runc state NAME | grep -q running; do sleep 0.01; done`
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto state = runner_.run({.argv = runc({"state", name})});
      if (state.out.find("\"running\"") == std::string::npos) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw Error(fmt::format("container {} still runs 10 s after SIGTERM", name));
  }

  void destroy(const std::string& name) override {
    const std::string dir = dir_of(name);
    runner_.run({.argv = runc({"delete", "-f", name})});
    runner_.run({.argv = {"umount", dir + "/rootfs"}});
    runner_.run({.argv = {"rm", "-rf", "--one-file-system", dir}});
  }

  void tidy(const std::string& name) override { remove_tree_with_mounts(dir_of(name)); }

 private:
  std::vector<std::string> runc(std::vector<std::string> args) const {
    std::vector<std::string> argv = {settings_.oci_runtime, "--root",
                                     settings_.state_root + "/runtime"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  std::string dir_of(const std::string& name) const { return settings_.state_root + "/" + name; }

  process::Runner& runner_;
  CliBaselineSettings settings_;
};

// LXC: `lxc-create -t none`, the overlay rootfs and mount lines appended to its config,
// `lxc-start -d`, `lxc-wait`, `lxc-attach`, `lxc-stop`, `lxc-destroy -f`; a private lxcpath per
// container, like cnfctl's.
class LxcCli : public CliBaseline {
 public:
  LxcCli(process::Runner& runner, CliBaselineSettings settings)
      : runner_(runner), settings_(std::move(settings)) {}

  void create(const ContainerSpec& spec) override {
    const std::string path = lxcpath(spec.name);
    const std::string dir = path + "/" + spec.name;
    run_ok(runner_, {.argv = {"mkdir", "-p", path}}, "mkdir");
    write_text(path + "/base.conf", engine::lxc_base_config());
    run_ok(runner_,
           {.argv = lxc("lxc-create", spec.name, {"-t", "none", "-f", path + "/base.conf"})},
           "lxc-create");
    run_ok(runner_, {.argv = {"mkdir", "-p", dir + "/delta0"}}, "mkdir");
    engine::LxcSettings lxc_settings{.rootfs = fmt::format("overlay:/:{}/delta0", dir),
                                     .cgroup_dir = "cnfctl/lxc/" + spec.name,
                                     .console_log = dir + "/console.log",
                                     .nofile_limit = nofile_limit(settings_.facts),
                                     .cgroup_v2 = settings_.facts.cgroup_layout() == "v2",
                                     .mount_is_dir = std::vector<bool>(spec.mounts.size(), true)};
    write_text(dir + "/config", engine::lxc_container_config(spec, lxc_settings), true);
    std::vector<std::string> args = {
        "-d", "--", "/bin/sh", "-c", "exec \"$@\" </dev/null >/dev/console 2>&1", "init"};
    auto command = spec.effective_command();
    args.insert(args.end(), command.begin(), command.end());
    run_ok(runner_, {.argv = lxc("lxc-start", spec.name, args)}, "lxc-start");
    run_ok(runner_, {.argv = lxc("lxc-wait", spec.name, {"-s", "RUNNING", "-t", "10"})},
           "lxc-wait");
  }

  process::Outcome exec(const std::string& name, const std::vector<std::string>& argv,
                        const std::optional<std::string>& stdin_bytes) override {
    std::vector<std::string> args = {"--clear-env", "--"};
    args.insert(args.end(), argv.begin(), argv.end());
    return runner_.run({.argv = lxc("lxc-attach", name, args), .stdin_bytes = stdin_bytes});
  }

  void stop(const std::string& name) override {
    run_ok(runner_, {.argv = lxc("lxc-stop", name, {"-t", "3"})}, "lxc-stop");
  }

  void destroy(const std::string& name) override {
    runner_.run({.argv = lxc("lxc-destroy", name, {"-f"})});
    runner_.run({.argv = {"rm", "-rf", "--one-file-system", lxcpath(name)}});
  }

  void tidy(const std::string& name) override {
    remove_tree_with_mounts(lxcpath(name));
    remove_cgroup_dirs("cnfctl/lxc", name);
    const std::string lock_dir = "/run/lxc/lock" + lxcpath(name);
    runner_.run({.argv = {"rm", "-f", "--", lock_dir + "/." + name}});
    runner_.run({.argv = {"rmdir", "-p", "--ignore-fail-on-non-empty", "--", lock_dir}});
  }

 private:
  std::string lxcpath(const std::string& name) const { return settings_.state_root + "/" + name; }
  std::vector<std::string> lxc(const std::string& tool, const std::string& name,
                               std::vector<std::string> args) const {
    std::vector<std::string> argv = {tool, "-P", lxcpath(name), "-n", name};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  process::Runner& runner_;
  CliBaselineSettings settings_;
};

// docker and podman: `run -d` with cnfctl's run arguments, `exec`, `stop`, `rm -f`.
class DockerLikeCli : public CliBaseline {
 public:
  DockerLikeCli(std::string kind, process::Runner& runner, CliBaselineSettings settings,
                std::string image)
      : kind_(std::move(kind)),
        runner_(runner),
        settings_(std::move(settings)),
        image_(std::move(image)) {}

  void create(const ContainerSpec& spec) override {
    engine::CliRunSettings run{.cgroup_parent = "/cnfctl/" + kind_,
                               .capability_bounding_set = settings_.facts.capability_bounding_set,
                               .nofile_limit = nofile_limit(settings_.facts),
                               .podman = kind_ == "podman"};
    if (run.podman) {
      run.rootfs = "/:O";
    } else {
      run.image = image_;
    }
    auto outcome = run_ok(runner_, {.argv = cli(engine::cli_run_args(spec, run))}, kind_ + " run");
    std::string id = outcome.out;
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (id.size() > 64) id = id.substr(id.size() - 64);  // podman may print pull progress first
    ids_[spec.name] = id;
  }

  process::Outcome exec(const std::string& name, const std::vector<std::string>& argv,
                        const std::optional<std::string>& stdin_bytes) override {
    std::vector<std::string> args = {"exec"};
    if (stdin_bytes) args.push_back("-i");
    args.push_back(name);
    args.insert(args.end(), argv.begin(), argv.end());
    return runner_.run({.argv = cli(args), .stdin_bytes = stdin_bytes});
  }

  void stop(const std::string& name) override {
    run_ok(runner_, {.argv = cli({"stop", "--time", "3", name})}, kind_ + " stop");
  }

  void destroy(const std::string& name) override { runner_.run({.argv = cli({"rm", "-f", name})}); }

  void tidy(const std::string& name) override {
    // podman leaves its containers' (empty) cgroup dirs behind (SPEC §5).
    auto it = ids_.find(name);
    if (it != ids_.end() && !it->second.empty()) {
      remove_cgroup_dirs("cnfctl/" + kind_, "libpod-" + it->second);
      ids_.erase(it);
    }
  }

 private:
  std::vector<std::string> cli(std::vector<std::string> args) const {
    std::vector<std::string> argv = {kind_};
    if (kind_ == "docker") {
      argv.insert(argv.end(), {"--host", settings_.daemon_host});
    } else {
      argv.insert(argv.end(), {"--cgroup-manager=cgroupfs", "--events-backend=file", "--root",
                               settings_.state_root + "/storage", "--runroot",
                               settings_.state_root + "/run", "--runtime", "runc"});
    }
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  std::string kind_;
  process::Runner& runner_;
  CliBaselineSettings settings_;
  std::string image_;
  std::map<std::string, std::string> ids_;
};

}  // namespace

std::unique_ptr<CliBaseline> make_cli_baseline(const std::string& kind, process::Runner& runner,
                                               CliBaselineSettings settings,
                                               const std::string& image) {
  if (kind == "oci" || kind == "oci-crun") {
    return std::make_unique<OciCli>(runner, std::move(settings));
  }
  if (kind == "lxc") return std::make_unique<LxcCli>(runner, std::move(settings));
  return std::make_unique<DockerLikeCli>(kind, runner, std::move(settings), image);
}

void cli_copy_in(CliBaseline& cli, const std::string& name, const std::string& guest_path,
                 const std::string& bytes) {
  auto argv = engine::copy_in_argv(guest_path, 0644);
  auto outcome = cli.exec(name, argv, bytes);
  if (!outcome.ok()) {
    throw Error(fmt::format("copy-in to {} in {} {}: {}", guest_path, name,
                            outcome.describe_status(), outcome.tail()));
  }
}

}  // namespace cnfctl::bench
