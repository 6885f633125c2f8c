#include "engine/oci_engine.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/local_node.h"
#include "engine/oci_config.h"
#include "process/spawn.h"

namespace cnfctl::engine {
namespace {

constexpr const char* kCgroupParent = "cnfctl/oci";

}  // namespace

OciEngine::OciEngine(process::Runner& runner, EngineOptions options)
    : EngineBase("oci", runner, std::move(options)) {
  binary_ = options_.binary.empty() ? "runc" : options_.binary;
  const auto slash = binary_.rfind('/');
  const auto base = slash == std::string::npos ? binary_ : binary_.substr(slash + 1);
  go_runtime_ = base == "runc";
  if (base == "runc")
    state_layout_ = StateLayout{"state.json", "init_process_pid", "init_process_start"};
  if (base == "crun") state_layout_ = StateLayout{"status", "pid", "process-start-time"};
}

OciEngine::~OciEngine() {
  if (sealing_.valid()) sealing_.wait();
}

NodePreparation OciEngine::prepare_node() {
  if (local_) {
    std::call_once(sealing_once_, [this] {
      sealing_ = std::async(std::launch::async, [this] { sealed_runtime(); });
    });
  }
  return EngineBase::prepare_node();
}

OciEngine::LocalInit OciEngine::local_state(const std::string& name) {
  if (!local_ || !state_layout_) return {};
  // The runtime's rule (runc's libcontainer runType, crun's libcrun_is_container_running):
  // stopped unless the init pid of its state file is alive with the recorded start time and is
  // no zombie; created while its exec.fifo is still there.
  const auto& layout = *state_layout_;
  const std::string dir = runtime_state_dir(name);
  auto text = process::read_file_local(dir + "/" + layout.file);
  if (!text)
    return {.state = process::exists_local(dir) ? LocalState::kUnknown : LocalState::kAbsent};
  auto state = nlohmann::json::parse(*text, nullptr, false);
  if (!state.is_object() || !state.contains(layout.pid_key) ||
      !state[layout.pid_key].is_number_integer() || !state.contains(layout.start_key) ||
      !state[layout.start_key].is_number_unsigned()) {
    return {};
  }
  const int pid = state[layout.pid_key].get<int>();
  if (!local_process_started_at(pid, state[layout.start_key].get<unsigned long long>())) {
    return {.state = LocalState::kStopped};
  }
  return {.state = process::exists_local(dir + "/exec.fifo") ? LocalState::kCreated
                                                             : LocalState::kRunning,
          .pid = pid};
}

bool OciEngine::is_present(const std::string& name) {
  const LocalInit init = local_state(name);
  if (init.state == LocalState::kUnknown) return EngineBase::is_present(name);
  return init.state != LocalState::kAbsent;
}

bool OciEngine::is_running(const std::string& name) {
  const LocalInit init = local_state(name);
  if (init.state == LocalState::kUnknown) return EngineBase::is_running(name);
  return init.state == LocalState::kRunning;
}

std::vector<std::string> OciEngine::cpuset_parents() const {
  return {kCgroupParent};
}

const std::string& OciEngine::sealed_runtime() {
  std::call_once(sealed_once_, [this] {
    if (!local_) return;
    // What the runner would run; none: the command fails as it would have.
    const auto binary = process::find_program(binary_);
    if (!binary.empty()) sealed_ = process::SealedProgram::copy_of(binary);
  });
  static const std::string kNone;
  return sealed_ ? sealed_->path() : kNone;
}

process::Command OciEngine::runtime(std::vector<std::string> args) {
  process::Command command{.argv = {binary_, "--root", state_root_ + "/runtime"}};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  // runc copies itself only for a runc init (run, exec, create); crun at every command.
  const bool copies_itself = !go_runtime_ || args.empty() || args.front() == "run" ||
                             args.front() == "exec" || args.front() == "create";
  if (copies_itself) command.program = sealed_runtime();
  // runc is a Go program: each `runc run` and its `runc init` (which inherits the setting)
  // started a scheduler with one thread per CPU for a few milliseconds of mostly sequential
  // work. With one, an up of 16 under runc takes 5 % less (177.6 -> 168.1 ms, 16 alternating
  // ups). Not for `runc exec`: a goroutine blocked in a system call keeps the only P until
  // Go's sysmon takes it back, and `exec --all` of 16 took 381 instead of 246 ms.
  if (go_runtime_ && !args.empty() && args.front() == "run") command.env["GOMAXPROCS"] = "1";
  return command;
}

std::string OciEngine::cgroups_path(const ContainerSpec& spec) const {
  std::string parent = spec.cgroup_parent.empty() ? kCgroupParent : spec.cgroup_parent;
  if (parent.front() != '/') parent = "/" + parent;
  return parent + "/" + spec.name;
}

void OciEngine::acquire(const ContainerSpec& spec, bool force) {
  spec.validate();
  require_input(spec.image.kind != Image::Kind::kNative, "container " + spec.name,
                fmt::format("the oci engine runs images 'host' or 'dir:/path', not '{}' (use the "
                            "docker or podman engine for registry images)",
                            spec.image.text()));
  require_input(spec.ports.empty(), "container " + spec.name,
                "the oci engine cannot publish ports; use network 'host' or docker/podman");
  const std::string dir = state_dir(spec.name);
  // Every container this engine makes has its state dir from acquire until destroy has deleted
  // it from the runtime, so with neither the dir nor the runtime's own state dir there is
  // nothing: a look at the node's files instead of a runtime call.
  const bool existing = exists(dir) || exists(state_root_ + "/runtime/" + spec.name);
  if (existing) {
    if (!force) return;
    destroy(spec.name);
  }
  prepare_node();
  // On this machine the container's files (bundle, overlay upper and work dirs, pid file, log)
  // live on a tmpfs of their own, unmounted by destroy: where /run is a disk, as here (ext4),
  // the inodes an up of 16 made there cost 17 % of its CPU, most of it ext4 looking past the
  // inodes the previous down had freed (recently_deleted; issue 12). On a tmpfs /run nothing
  // changes. Not on an SSH node: its sshd may run in a mount namespace of its own (`ip netns
  // exec`), and one started again later would no longer see the tmpfs, so `runc exec` would
  // miss the bundle's config.json.
  make_dirs({dir}, spec.name);
  if (local_) {
    mount("tmpfs", "tmpfs", dir, "mode=755", "mounting the container's tmpfs", spec.name);
  }
  make_dirs({dir + "/rootfs", dir + "/upper", dir + "/work"}, spec.name);
  const std::string lower = spec.image.kind == Image::Kind::kHost ? "/" : spec.image.path_or_name;
  mount("overlay", "overlay", dir + "/rootfs",
        fmt::format("lowerdir={},upperdir={}/upper,workdir={}/work", lower, dir, dir),
        "mounting the overlay root filesystem", spec.name);
}

void OciEngine::create(const ContainerSpec& spec) {
  spec.validate();
  const std::string dir = state_dir(spec.name);
  const NodeFacts& node = facts();
  if (!exists(dir + "/rootfs")) {
    throw error("create needs acquire first (no root filesystem)", spec.name);
  }
  make_mount_dirs(spec);

  OciBundleSettings settings;
  settings.rootfs = dir + "/rootfs";
  settings.cgroups_path = cgroups_path(spec);
  settings.nofile_limit = std::min<std::uint64_t>(node.nofile_hard_limit, 1048576);
  settings.capability_bounding_set = node.capability_bounding_set;
  const std::string late_pin = late_pin_dir(spec);
  settings.pin = late_pin.empty();
  if (spec.privileged && !capabilities_missing(node.capability_bounding_set).empty()) {
    notice_once("privileged-caps",
                fmt::format("privileged containers get every capability of the node's bounding "
                            "set; the kernel lacks {}",
                            fmt::join(capabilities_missing(node.capability_bounding_set), ", ")));
  }
  write_file(dir + "/config.json", make_oci_config(spec, settings).dump(2) + "\n", spec.name);

  // Detached, the runtime hands its stdio to the container: a log file, not the runner's pipes.
  process::Command command =
      runtime({"run", "--detach", "--bundle", dir, "--pid-file", dir + "/pid", spec.name});
  command.output_file = dir + "/container.log";
  auto outcome = run(command, spec.name);  // a runtime that is not installed throws here
  if (!outcome.ok()) {
    // The runtime's complaint went to the log with the container's output.
    std::string log = read_file(dir + "/container.log").value_or("");
    outcome.err = log.size() > 4096 ? log.substr(log.size() - 4096) : log;
    throw command_error("starting the container", spec.name, command, outcome);
  }
  if (!late_pin.empty()) pin_late(spec, late_pin);
}

std::string OciEngine::late_pin_dir(const ContainerSpec& spec) {
  // The runtime's own start (`runc init`: the re-exec of its cloned binary, a Go runtime, the
  // namespaces and mounts) runs inside the container's cgroup. Pinned there, the runtime work of
  // every container of an `up` queues on the NFs' few CPUs while the others idle: 16 NFs sharing
  // cpu 1 of 2 kept cpu 1 busy all the time and cpu 0 idle 40 % of it (issue 12). So when the
  // command starts nothing before it is released (ContainerSpec::command_waits_for_release) and
  // this machine's cgroup is in reach, the cpus are written into the cgroup once the runtime
  // returns, and the NF, started later, inherits them.
  if (!local_ || spec.cpuset_cpus.empty()) return {};
  if (!spec.command.empty() && !spec.command_waits_for_release) return {};
  const NodeFacts& node = facts();
  std::string root = node.cpuset_v1_mount();
  if (root.empty()) root = node.unified_root();
  if (root.empty()) return {};
  return root + cgroups_path(spec);
}

void OciEngine::pin_late(const ContainerSpec& spec, const std::string& dir) {
  const auto write = [&](const std::string& file, const std::vector<unsigned>& list) {
    if (auto failed = process::write_file_local(dir + "/" + file, cpu_list_text(list))) {
      throw error(fmt::format("pinning the container to cpus {} failed: {}",
                              cpu_list_text(spec.cpuset_cpus), *failed),
                  spec.name);
    }
  };
  if (!spec.cpuset_mems.empty()) write("cpuset.mems", spec.cpuset_mems);
  write("cpuset.cpus", spec.cpuset_cpus);
}

process::Outcome OciEngine::exec(const std::string& name, const ExecRequest& request) {
  std::vector<std::string> args = {"exec"};
  auto env = env_arguments("--env", request.env);
  args.insert(args.end(), env.begin(), env.end());
  args.push_back(name);
  args.insert(args.end(), request.argv.begin(), request.argv.end());
  process::Command command = runtime(args);
  command.stdin_bytes = request.stdin_bytes;
  command.timeout = exec_deadline(request);
  return run(command, name);
}

void OciEngine::stop(const std::string& name, std::chrono::milliseconds grace) {
  // On this machine the init's exit is seen through a pidfd opened before the signal (no
  // polling); its start time checked after opening it proves the pidfd is the init's.
  process::UniqueFd pidfd;
  const LocalInit init = local_state(name);
  if (init.state == LocalState::kUnknown) {
    if (!is_running(name)) return;
  } else {
    if (init.state != LocalState::kRunning) return;
    pidfd = open_pidfd(init.pid);
    if (pidfd && local_state(name).pid != init.pid) return;  // it ended meanwhile
  }
  auto ended = [&](std::chrono::milliseconds deadline) {
    if (pidfd) return wait_pidfd(pidfd, deadline);
    return wait_until([&] { return !is_running(name); }, deadline);
  };
  run(runtime({"kill", name, "TERM"}), name);
  if (ended(grace)) return;
  run(runtime({"kill", "--all", name, "KILL"}), name);
  if (!ended(std::chrono::seconds(10))) {
    throw error("the container still runs 10 s after SIGKILL", name);
  }
}

void OciEngine::destroy(const std::string& name) {
  const std::string dir = state_dir(name);
  // runc makes its state dir before anything else of a container: without it, `delete` has
  // nothing to find (what a killed `run` left is removed below).
  if (local_state(name).state != LocalState::kAbsent) {
    process::Command remove = runtime({"delete", "--force", name});
    auto outcome = run(remove, name);
    if (!outcome.ok() && outcome.err.find("does not exist") == std::string::npos &&
        outcome.err.find("not exist") == std::string::npos) {
      throw command_error("deleting the container", name, remove, outcome);
    }
  }
  unmount_all_under(dir, name);
  remove_tree(dir, name);
  // A runc killed half-way through `run` (cnfctl itself killed during up) leaves the container's
  // cgroup dirs without any runc state, so `runc delete` cannot find them; empty ones go here.
  remove_cgroup_dirs({std::string(kCgroupParent) + "/" + name});
}

ContainerInfo OciEngine::inspect(const std::string& name) {
  ContainerInfo info{.name = name, .id = name};
  auto outcome = run(runtime({"state", name}), name);
  if (!outcome.ok()) return info;
  info.present = true;
  info.raw = nlohmann::json::parse(outcome.out, nullptr, false);
  if (info.raw.is_object()) {
    info.state = info.raw.value("status", "");
    info.running = info.state == "running";
    int pid = info.raw.value("pid", 0);
    if (info.running && pid > 0) info.pid = pid;
  }
  return info;
}

std::optional<int> OciEngine::init_pid(const std::string& name) {
  auto text = read_file(state_dir(name) + "/pid");
  if (!text) return std::nullopt;
  try {
    std::size_t used = 0;
    const int pid = std::stoi(*text, &used);
    if (pid > 1 && used == text->find_last_not_of(" \n") + 1) return pid;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

SystemInfo OciEngine::system_info() {
  auto outcome = run_checked({.argv = {binary_, "--version"}}, "asking the runtime its version");
  const NodeFacts& node = facts();
  SystemInfo info{.engine = kind_, .text = outcome.out};
  auto newline = outcome.out.find('\n');
  info.version = outcome.out.substr(0, newline);
  info.raw = {{"runtime", binary_},
              {"version", info.version},
              {"state_root", state_root_},
              {"cgroup_layout", node.cgroup_layout()},
              {"nofile_hard_limit", node.nofile_hard_limit},
              {"missing_capabilities", capabilities_missing(node.capability_bounding_set)}};
  return info;
}

std::string OciEngine::logs(const std::string& name) {
  auto log = read_file(state_dir(name) + "/container.log");
  if (!log) throw error("no log: the container does not exist", name);
  return *log;
}

}  // namespace cnfctl::engine
