#include "engine/podman_engine.h"

#include <fmt/format.h>

#include <sstream>

#include "engine/local_node.h"

namespace cnfctl::engine {
PodmanEngine::PodmanEngine(process::Runner& runner, EngineOptions options)
    : CliEngine("podman", runner, std::move(options)) {
  // podman is a Go program, and so is the runc it starts (which passes the setting on to its
  // runc init): a scheduler with one thread per CPU for each `run`. With one, up of 16 took 0.52
  // of the reference instead of 0.56 (bench/up_down, 5 alternating repeats each). Only for
  // `run` (oci_engine.cc says why not for exec).
  run_env_["GOMAXPROCS"] = "1";
}

std::vector<std::string> PodmanEngine::cli(std::vector<std::string> args) const {
  std::vector<std::string> argv = {binary_,
                                   "--cgroup-manager=cgroupfs",
                                   "--events-backend=file",
                                   "--root",
                                   state_root_ + "/storage",
                                   "--runroot",
                                   state_root_ + "/run"};
  if (!options_.podman_runtime.empty()) {
    argv.push_back("--runtime");
    argv.push_back(options_.podman_runtime);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void PodmanEngine::acquire(const ContainerSpec& spec, bool force) {
  spec.validate();
  replace_in_create(spec.name, force);
  prepare_node();
  if (spec.image.kind == Image::Kind::kNative) {
    ensure_image(spec.image.path_or_name, spec.name);
  } else if (spec.image.kind == Image::Kind::kDirectory && !exists(spec.image.path_or_name)) {
    throw Error::bad_input("container " + spec.name,
                           fmt::format("image directory {} does not exist on node {}",
                                       spec.image.path_or_name, runner_.name()));
  }
}

CliRunSettings PodmanEngine::run_settings(const ContainerSpec& spec) {
  const NodeFacts& node = facts();
  CliRunSettings settings;
  settings.podman = true;
  settings.cgroup_parent = default_cgroup_parent();
  settings.capability_bounding_set = node.capability_bounding_set;
  settings.nofile_limit = std::min<std::uint64_t>(node.nofile_hard_limit, 1048576);
  switch (spec.image.kind) {
    case Image::Kind::kHost:
      settings.rootfs = "/:O";
      break;
    case Image::Kind::kDirectory:
      settings.rootfs = spec.image.path_or_name + ":O";
      break;
    case Image::Kind::kNative:
      settings.image = spec.image.path_or_name;
      break;
  }
  return settings;
}

void PodmanEngine::after_remove(const std::string& /*name*/, const std::string& id) {
  // podman leaves empty cgroup dirs under its parent (SPEC §5): the container's own, and the
  // shared conmon one, which only goes once no container of this engine is left.
  const std::string parent = default_cgroup_parent().substr(1);
  if (!id.empty()) remove_cgroup_dirs({parent + "/libpod-" + id});
  if (local_) {
    // rmdir of the conmon dir fails while a conmon is in it. One podman starting in between
    // (after its mkdir, before it moves its conmon in) only warns and leaves its conmon where it
    // was; asking `ps` first costs a podman process per destroy.
    remove_cgroup_dirs({parent + "/conmon"}, false);
    return;
  }
  auto remaining = run_cli({"ps", "--all", "--quiet"});
  if (remaining.ok() && remaining.out.find_first_not_of(" \n") == std::string::npos) {
    // Shared: a conmon in it may be another run's, starting; it is never killed from here.
    remove_cgroup_dirs({parent + "/conmon"}, false);
  }
}

std::string PodmanEngine::runtime() const {
  return options_.podman_runtime.empty() ? std::string("runc") : options_.podman_runtime;
}

std::vector<std::string> PodmanEngine::ids_named(const std::string& name) {
  if (auto id = id_written(name)) return {*id};
  std::vector<std::string> ids;
  auto listed =
      run_cli({"ps", "--all", "--external", "--no-trunc", "--format", "{{.ID}} {{.Names}}"}, name);
  if (!listed.ok()) return CliEngine::ids_named(name);
  std::istringstream lines(listed.out);
  std::string id, names;
  while (lines >> id && std::getline(lines, names)) {
    // Names are comma-separated; ours has no comma (safe names).
    std::istringstream each(names);
    std::string one;
    while (std::getline(each, one, ',')) {
      one.erase(0, one.find_first_not_of(' '));
      if (one == name) ids.push_back(id);
    }
  }
  return ids;
}

void PodmanEngine::remove_remains(const std::string& name, const std::vector<std::string>& ids,
                                  bool removed) {
  // The runtime's default state root (podman runs it without --root), for runc and crun.
  const std::string runtime_base = runtime().substr(runtime().rfind('/') + 1);
  const bool known_root = runtime_base == "runc" || runtime_base == "crun";
  for (const auto& id : ids) {
    // Idempotent: "does not exist" is fine.
    if (!local_ || !known_root || exists("/run/" + runtime_base + "/" + id)) {
      run({.argv = {runtime(), "delete", "--force", id}}, name);
    }
    // `rm --force name` removed the one container of that name, storage included.
    if (!removed || ids.size() > 1) {
      auto external = run_cli({"rm", "--force", id}, name);
      (void)external;  // gone already: "no such container"
    }
    // Its init killed, the conmon that watched it exits by itself, later on a loaded node:
    // down returns once it has ("[c]onmon" matches conmon, not this pgrep's own argv; no
    // pgrep on the node: no wait).
    wait_until(
        [&] {
          if (local_) return local_processes_matching("conmon ", "-c " + id).empty();
          return run({.argv = {"pgrep", "-f", "--", "[c]onmon .*-c " + id}}, name).exit_code != 0;
        },
        options_.command_timeout);
  }
}

SystemInfo PodmanEngine::system_info() {
  auto outcome = run_cli_checked({"info", "--format", "json"}, "reading podman's system info");
  SystemInfo info{.engine = kind_, .text = outcome.out};
  info.raw = nlohmann::json::parse(outcome.out, nullptr, false);
  if (info.raw.is_object() && info.raw.contains("version")) {
    info.version = info.raw["version"].value("Version", "");
  }
  return info;
}

}  // namespace cnfctl::engine
