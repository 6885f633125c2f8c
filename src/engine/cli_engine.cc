#include "engine/cli_engine.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/local_node.h"
#include "engine/node_facts.h"

namespace cnfctl::engine {
namespace {

std::string lowered_text(const process::Outcome& outcome) {
  std::string text = outcome.err + outcome.out;
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return text;
}

// `run` of a name another container holds: docker "Conflict. The container name ... is already in
// use", podman "the container name ... is already in use" (external ones included).
bool is_name_in_use(const process::Outcome& outcome) {
  return lowered_text(outcome).find("already in use") != std::string::npos;
}

bool is_no_such_container(const process::Outcome& outcome) {
  const std::string text = lowered_text(outcome);
  return text.find("no such container") != std::string::npos ||
         text.find("no such object") != std::string::npos ||
         text.find("no container with name or id") != std::string::npos;
}

// docker's answer to `rm` while an earlier `rm` of the same container still runs in the daemon:
// a killed cnfctl's `docker rm` dies, but dockerd finishes the removal it began.
bool is_removal_in_progress(const process::Outcome& outcome) {
  return lowered_text(outcome).find("already in progress") != std::string::npos;
}

// `run` must finish even when cnfctl dies half-way (kill -9): a CLI killed between "container
// made" and "container recorded" leaves what its `rm` cannot see (podman: a runc container in
// state `created` with a live conmon, a storage-only container). So the CLI runs as a child of
// this script's background job: our runner's parent-death signal stops at the script, the
// CLI's output goes to a file (no pipe to a dead reader), and it holds the container's lock
// file ($0, flock) until it ends, which destroy() waits for. $1 is the log, "$@" the CLI argv.
// The runner's deadline still kills the whole process group.
const char* const kDetachedCreateScript =
    "log=$1; shift; flock \"$0\" \"$@\" </dev/null >\"$log\" 2>&1 & wait $!";

}  // namespace

std::vector<std::string> cli_run_args(const ContainerSpec& spec, const CliRunSettings& settings) {
  std::vector<std::string> args = {"run",
                                   "--detach",
                                   "--name",
                                   spec.name,
                                   "--init",
                                   "--network",
                                   spec.network == Network::kHost ? "host" : "none"};
  auto add = [&](const std::string& option, const std::string& value) {
    args.push_back(option);
    args.push_back(value);
  };
  add("--hostname", spec.name);
  std::string parent = spec.cgroup_parent.empty() ? settings.cgroup_parent : spec.cgroup_parent;
  if (!parent.empty() && parent.front() != '/') parent = "/" + parent;
  if (!parent.empty()) add("--cgroup-parent", parent);
  if (!spec.cpuset_cpus.empty()) add("--cpuset-cpus", cpu_list_text(spec.cpuset_cpus));
  if (!spec.cpuset_mems.empty()) add("--cpuset-mems", cpu_list_text(spec.cpuset_mems));
  for (const auto& port : spec.ports) {
    std::string text = port.host_ip.empty() ? "" : port.host_ip + ":";
    text += fmt::format("{}:{}/{}", port.host_port, port.container_port, port.protocol);
    add("--publish", text);
  }
  for (const auto& [key, value] : spec.full_env()) add("--env", key + "=" + value);
  for (const auto& m : spec.mounts) {
    add("--volume", fmt::format("{}:{}{}", m.host, m.guest, m.read_only ? ":ro" : ""));
  }
  if (spec.privileged) {
    auto missing = capabilities_missing(settings.capability_bounding_set);
    if (missing.empty()) {
      args.push_back("--privileged");
    } else {
      add("--cap-add", "ALL");
      for (const auto& cap : missing) add("--cap-drop", cap.substr(4));
      add("--security-opt", "seccomp=unconfined");
      add("--security-opt", settings.podman ? "unmask=ALL" : "systempaths=unconfined");
      add("--device-cgroup-rule", "a *:* rwm");
    }
  } else {
    for (const auto& cap : spec.normalized_capabilities()) add("--cap-add", cap.substr(4));
  }
  if (settings.podman) {
    add("--ulimit", fmt::format("nofile={}:{}", settings.nofile_limit, settings.nofile_limit));
    add("--ulimit", "nproc=4096:4096");
  }
  if (!settings.rootfs.empty()) {
    // An overlay of the host holds no submounts: private /tmp and /run. Every option must come
    // before --rootfs: its value is followed by the command (SPEC §5).
    add("--tmpfs", "/tmp:rw,notmpcopyup");
    add("--tmpfs", "/run:rw,notmpcopyup");
    add("--rootfs", settings.rootfs);
  } else {
    args.push_back(settings.image);
  }
  auto command = spec.effective_command();
  args.insert(args.end(), command.begin(), command.end());
  return args;
}

std::vector<std::string> cli_exec_args(const std::string& name,
                                       const std::vector<std::string>& argv,
                                       const std::map<std::string, std::string>& env,
                                       bool with_stdin) {
  std::vector<std::string> args = {"exec"};
  if (with_stdin) args.push_back("--interactive");
  auto env_args = env_arguments("--env", env);
  args.insert(args.end(), env_args.begin(), env_args.end());
  args.push_back(name);
  args.insert(args.end(), argv.begin(), argv.end());
  return args;
}

CliEngine::CliEngine(std::string kind, process::Runner& runner, EngineOptions options)
    : EngineBase(kind, runner, std::move(options)) {
  binary_ = options_.binary.empty() ? kind_ : options_.binary;
}

std::vector<std::string> CliEngine::cpuset_parents() const {
  return {default_cgroup_parent().substr(1)};
}

void CliEngine::after_remove(const std::string& /*name*/, const std::string& /*id*/) {}

void CliEngine::check_daemon(const process::Command& /*command*/,
                             const process::Outcome& /*outcome*/,
                             const std::string& /*container*/) const {}

process::Outcome CliEngine::run_cli(std::vector<std::string> args, const std::string& container,
                                    std::optional<std::string> stdin_bytes,
                                    std::chrono::milliseconds timeout) {
  std::optional<process::Outcome> through =
      stdin_bytes ? std::nullopt : through_api(args, container);
  process::Command command{
      .argv = cli(std::move(args)), .stdin_bytes = std::move(stdin_bytes), .timeout = timeout};
  auto outcome = through ? *through : run(command, container);
  check_daemon(command, outcome, container);
  return outcome;
}

process::Outcome CliEngine::run_cli_checked(std::vector<std::string> args, const std::string& what,
                                            const std::string& container,
                                            std::chrono::milliseconds timeout) {
  process::Command command{.argv = cli(std::move(args)), .timeout = timeout};
  auto outcome = run(command, container);
  check_daemon(command, outcome, container);
  if (!outcome.ok()) throw command_error(what, container, command, outcome);
  return outcome;
}

void CliEngine::ensure_image(const std::string& image, const std::string& container) {
  // The containers of a run acquire in parallel: one checks (or pulls), the others wait for it.
  std::lock_guard lock(images_mutex_);
  if (images_present_.count(image) != 0) return;
  if (!run_cli({"image", "inspect", image}, container).ok()) {
    run_cli_checked({"pull", image}, fmt::format("pulling image {}", image), container,
                    options_.pull_timeout);
  }
  images_present_.insert(image);
}

void CliEngine::create(const ContainerSpec& spec) {
  spec.validate();
  make_mount_dirs(spec);
  const std::string pids = pid_file(spec.name);
  std::vector<std::string> stale = {cid_file(spec.name)};
  if (!pids.empty()) stale.push_back(pids);
  remove_files(stale, spec.name);
  CliRunSettings settings = run_settings(spec);
  if (spec.privileged && !capabilities_missing(settings.capability_bounding_set).empty()) {
    notice_once(
        "privileged-caps",
        fmt::format("--privileged fails on this kernel (its bounding set lacks {}); "
                    "using --cap-add ALL --cap-drop of those, unconfined seccomp and "
                    "system paths, and all devices instead",
                    fmt::join(capabilities_missing(settings.capability_bounding_set), ", ")));
  }
  process::Command command{.argv = {"/bin/sh", "-c", kDetachedCreateScript, create_lock(spec.name),
                                    create_log(spec.name)},
                           .env = run_env_};
  auto args = run_args(spec, settings);
  args.insert(args.begin() + 1, {"--cidfile", cid_file(spec.name)});
  if (!pids.empty()) args.insert(args.begin() + 1, {"--pidfile", pids});
  auto argv = cli(args);
  command.argv.insert(command.argv.end(), argv.begin(), argv.end());
  make_dirs({state_root_}, spec.name);
  auto attempt = [&] {
    if (auto through = through_api(args, spec.name)) {
      check_daemon({.argv = argv}, *through, spec.name);
      return *through;
    }
    auto outcome = run(command, spec.name);
    // The CLI's complaint (and its daemon diagnosis) is in the log.
    outcome.err = read_file(create_log(spec.name)).value_or("");
    // The CLI has ended (the script waits for it): its lock has nothing left to guard.
    remove_files({create_lock(spec.name), create_log(spec.name)}, spec.name);
    if (!outcome.ok() && outcome.err.find("failed to execute") != std::string::npos) {
      // flock could not start the CLI (it exits 69, not 127): a missing program names its
      // package.
      process::Outcome missing = outcome;
      missing.status = process::Outcome::Status::kExited;
      missing.exit_code = 127;
      check_program_exists({.argv = argv}, missing, spec.name);
    }
    check_daemon({.argv = argv}, outcome, spec.name);
    return outcome;
  };
  auto outcome = attempt();
  bool replace = false;
  {
    std::lock_guard lock(replace_mutex_);
    replace = replace_in_create_.erase(spec.name) > 0;
  }
  if (!outcome.ok() && replace && is_name_in_use(outcome)) {
    // acquire(force) left the replacement of an existing container to here.
    destroy(spec.name);
    outcome = attempt();
  }
  if (!outcome.ok()) {
    throw command_error("starting the container", spec.name, {.argv = argv}, outcome);
  }
  if (local_ && !pids.empty()) {
    const auto text = read_file(pids).value_or("");
    try {
      const int pid = std::stoi(text);
      if (pid > 1) remember_init(spec.name, pid);
    } catch (const std::exception&) {
      // No pid written: init_pid() asks inspect, as before.
    }
  }
}

process::Outcome CliEngine::exec(const std::string& name, const ExecRequest& request) {
  return run_cli(cli_exec_args(name, request.argv, request.env, request.stdin_bytes.has_value()),
                 name, request.stdin_bytes, exec_deadline(request));
}

void CliEngine::stop(const std::string& name, std::chrono::milliseconds grace) {
  // No inspect first: `stop` of a stopped container succeeds, and of a missing one says so.
  std::vector<std::string> args = {"stop", "--time", std::to_string(grace_seconds(grace)), name};
  auto outcome = run_cli(args, name, std::nullopt, grace + options_.command_timeout);
  if (outcome.ok() || is_no_such_container(outcome) || !is_running(name)) return;
  throw command_error("stopping the container", name, {.argv = cli(args)}, outcome);
}

void CliEngine::destroy(const std::string& name) {
  // A `run` of this name that outlived a killed cnfctl finishes first (see create()). Only a
  // killed cnfctl leaves the lock file (create() removes it); on this machine its absence is one
  // stat, elsewhere flock makes it if it is missing.
  if (!local_ || exists(create_lock(name))) {
    run({.argv = {"flock", "--wait", std::to_string(grace_seconds(options_.command_timeout)),
                  create_lock(name), "true"}},
        name);
    // It has nothing left to guard either way.
    remove_files({create_lock(name)}, name);
  }
  const std::vector<std::string> ids = ids_named(name);
  // Always by name, even when inspect knows no such container: `rm --force` also removes what
  // only the engine's storage knows (podman's external containers).
  auto outcome = run_cli({"rm", "--force", name}, name);
  if (!outcome.ok() && is_removal_in_progress(outcome) &&
      wait_until([&] { return !inspect(name).present; }, options_.command_timeout)) {
    outcome.status = process::Outcome::Status::kExited;
    outcome.exit_code = 0;
  }
  if (!outcome.ok() && !is_no_such_container(outcome)) {
    throw command_error("removing the container", name, {.argv = cli({"rm", "--force", name})},
                        outcome);
  }
  remove_remains(name, ids, outcome.ok());
  after_remove(name, ids.empty() ? std::string{} : ids.front());
  for (std::size_t i = 1; i < ids.size(); ++i) after_remove(name, ids[i]);
  std::vector<std::string> files = {create_log(name), cid_file(name)};
  if (const auto pids = pid_file(name); !pids.empty()) files.push_back(pids);
  remove_files(files, name);
  std::lock_guard lock(init_mutex_);
  init_pids_.erase(name);
}

std::optional<std::string> CliEngine::id_written(const std::string& name) {
  std::string written = read_file(cid_file(name)).value_or("");
  while (!written.empty() && (written.back() == '\n' || written.back() == ' ')) written.pop_back();
  if (written.size() != 64 || written.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  return written;
}

void CliEngine::replace_in_create(const std::string& name, bool force) {
  if (!force) return;
  std::lock_guard lock(replace_mutex_);
  replace_in_create_.insert(name);
}

std::vector<std::string> CliEngine::ids_named(const std::string& name) {
  ContainerInfo info = inspect(name);
  return info.id.empty() ? std::vector<std::string>{} : std::vector<std::string>{info.id};
}

void CliEngine::remove_remains(const std::string& /*name*/, const std::vector<std::string>& /*ids*/,
                               bool /*removed*/) {}

ContainerInfo CliEngine::inspect(const std::string& name) {
  ContainerInfo info{.name = name};
  auto outcome = run_cli({"container", "inspect", name}, name);
  if (!outcome.ok()) {
    if (is_no_such_container(outcome)) return info;
    throw command_error("inspecting the container", name,
                        {.argv = cli({"container", "inspect", name})}, outcome);
  }
  auto parsed = nlohmann::json::parse(outcome.out, nullptr, false);
  if (parsed.is_array() && !parsed.empty()) parsed = parsed[0];
  if (!parsed.is_object()) {
    throw error(fmt::format("'{} container inspect' printed no JSON object", kind_), name);
  }
  info.present = true;
  info.raw = parsed;
  info.id = parsed.value("Id", "");
  if (parsed.contains("State") && parsed["State"].is_object()) {
    const auto& state = parsed["State"];
    info.state = state.value("Status", "");
    info.running = state.value("Running", false);
    int pid = state.value("Pid", 0);
    if (info.running && pid > 0) info.pid = pid;
  }
  return info;
}

std::optional<int> CliEngine::init_pid(const std::string& name) {
  if (local_) {
    std::lock_guard lock(init_mutex_);
    if (auto it = init_pids_.find(name); it != init_pids_.end()) {
      if (local_process_started_at(it->second.pid, it->second.start_time)) return it->second.pid;
      init_pids_.erase(it);
    }
  }
  const auto pid = inspect(name).pid;
  if (pid && local_) remember_init(name, *pid);
  return pid;
}

void CliEngine::remember_init(const std::string& name, int pid) {
  if (const auto stat = local_process_stat(pid)) {
    std::lock_guard lock(init_mutex_);
    init_pids_[name] = {pid, stat->start_time};
  }
}

std::string CliEngine::logs(const std::string& name) {
  auto outcome = run_cli({"logs", name}, name);
  if (!outcome.ok()) {
    throw command_error("reading the container's log", name, {.argv = cli({"logs", name})},
                        outcome);
  }
  return outcome.out + outcome.err;
}

}  // namespace cnfctl::engine
