#include "engine/lxc_engine.h"

#include <fmt/format.h>

#include <sstream>

#include "engine/local_node.h"
#include "engine/lxc_config.h"

namespace cnfctl::engine {
namespace {

constexpr const char* kCgroupParent = "cnfctl/lxc";

std::string cgroup_dir(const std::string& parent, const std::string& name) {
  std::string dir = parent.empty() ? kCgroupParent : parent;
  while (!dir.empty() && dir.front() == '/') dir.erase(0, 1);
  return dir + "/" + name;
}

}  // namespace

LxcEngine::LxcEngine(process::Runner& runner, EngineOptions options)
    : EngineBase("lxc", runner, std::move(options)) {}

std::vector<std::string> LxcEngine::cpuset_parents() const {
  return {kCgroupParent};
}

std::string LxcEngine::tool(const std::string& name) const {
  return options_.lxc_tools_dir.empty() ? name : options_.lxc_tools_dir + "/" + name;
}

std::vector<std::string> LxcEngine::lxc(const std::string& tool_name, const std::string& name,
                                        std::vector<std::string> args) const {
  std::vector<std::string> argv = {tool(tool_name), "-P", lxcpath(name), "-n", name};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string LxcEngine::state_of(const std::string& name) {
  if (!exists(container_dir(name) + "/config")) return {};
  auto outcome = run({.argv = lxc("lxc-info", name, {"-s", "-H"})}, name);
  if (!outcome.ok()) return {};
  std::string state = outcome.out;
  while (!state.empty() && (state.back() == '\n' || state.back() == ' ')) state.pop_back();
  return state;
}

void LxcEngine::acquire(const ContainerSpec& spec, bool force) {
  spec.validate();
  require_input(spec.ports.empty(), "container " + spec.name,
                "the lxc engine cannot publish ports; use network 'host' or docker/podman");
  if (keep_existing(spec.name, force, lxcpath(spec.name))) return;
  prepare_node();
  const std::string dir = container_dir(spec.name);
  make_dirs({lxcpath(spec.name)}, spec.name);
  write_file(lxcpath(spec.name) + "/base.conf", lxc_base_config(), spec.name);
  if (spec.image.kind == Image::Kind::kNative) {
    // "distribution:release[:arch]" → the download template's arguments (needs the internet).
    std::vector<std::string> parts;
    std::istringstream stream(spec.image.path_or_name);
    std::string part;
    while (std::getline(stream, part, ':')) parts.push_back(part);
    require_input(
        parts.size() == 2 || parts.size() == 3, "container " + spec.name,
        fmt::format("lxc image '{}' must be distribution:release[:arch]", spec.image.path_or_name));
    std::vector<std::string> args = {"-t",
                                     "download",
                                     "-f",
                                     lxcpath(spec.name) + "/base.conf",
                                     "--",
                                     "-d",
                                     parts[0],
                                     "-r",
                                     parts[1],
                                     "-a",
                                     parts.size() == 3 ? parts[2] : "amd64",
                                     "--no-validate"};
    process::Command command{.argv = lxc("lxc-create", spec.name, args),
                             .timeout = options_.pull_timeout};
    run_checked(command, "creating the container from a downloaded image", spec.name);
    return;
  }
  run_checked({.argv = lxc("lxc-create", spec.name,
                           {"-t", "none", "-f", lxcpath(spec.name) + "/base.conf"})},
              "creating the container", spec.name);
  make_dirs({dir + "/delta0"}, spec.name);
}

void LxcEngine::create(const ContainerSpec& spec) {
  spec.validate();
  const std::string dir = container_dir(spec.name);
  auto existing = read_file(dir + "/config");
  if (!existing) throw error("create needs acquire first (no container config)", spec.name);
  const NodeFacts& node = facts();

  LxcSettings settings;
  // The directory the container's / comes from, as far as symlinks go (the overlay's upper
  // delta0 starts empty).
  std::string root = dir + "/rootfs";
  if (spec.image.kind != Image::Kind::kNative) {
    root = spec.image.kind == Image::Kind::kHost ? "/" : spec.image.path_or_name;
    settings.rootfs = fmt::format("overlay:{}:{}/delta0", root, dir);
  }
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root == "/") root.clear();
  settings.cgroup_dir = cgroup_dir(spec.cgroup_parent, spec.name);
  settings.console_log = dir + "/console.log";
  settings.nofile_limit = std::min<std::uint64_t>(node.nofile_hard_limit, 1048576);
  settings.cgroup_v2 = node.cgroup_layout() == "v2";
  std::vector<std::string> host_dirs;
  for (const auto& m : spec.mounts) {
    bool is_dir = m.create_host_dir || (local_ ? is_directory_local(m.host)
                                               : run({.argv = {"test", "-d", m.host}}).ok());
    settings.mount_is_dir.push_back(is_dir);
    // LXC refuses a mount target reached through a symlink (e.g. /var/run -> /run): resolve
    // the guest path in the rootfs first.
    try {
      settings.mount_guest.push_back(lxc_resolve_in_rootfs(
          m.guest, [&](const std::string& path) -> std::optional<std::string> {
            if (local_) return read_link_local(root + path);
            auto link = run({.argv = {"readlink", "--", root + path}}, spec.name);
            if (!link.ok()) return std::nullopt;
            std::string target = link.out;
            while (!target.empty() && target.back() == '\n') target.pop_back();
            return target;
          }));
    } catch (const std::runtime_error& e) {
      throw error(fmt::format("mount {}: {}", m.guest, e.what()), spec.name);
    }
    if (m.create_host_dir) host_dirs.push_back(m.host);
  }
  make_dirs(host_dirs, spec.name);
  write_file(dir + "/config", lxc_merge_config(*existing, lxc_container_config(spec, settings)),
             spec.name);

  // In daemon mode LXC gives init /dev/null as stdio and logs only the console: send the
  // command's output there (a constant script; the command is "$@").
  auto args = std::vector<std::string>{
      "-d", "--", "/bin/sh", "-c", "exec \"$@\" </dev/null >/dev/console 2>&1", "cnfctl-init"};
  auto command = spec.effective_command();
  args.insert(args.end(), command.begin(), command.end());
  run_checked({.argv = lxc("lxc-start", spec.name, args)}, "starting the container", spec.name);
  run_checked({.argv = lxc("lxc-wait", spec.name, {"-s", "RUNNING", "-t", "10"})},
              "waiting for the container to run", spec.name);
}

process::Outcome LxcEngine::exec(const std::string& name, const ExecRequest& request) {
  // --clear-env: the container's lxc.environment only, not cnfctl's own environment.
  std::vector<std::string> args = {"--clear-env"};
  auto env = env_arguments("--set-var", request.env);
  args.insert(args.end(), env.begin(), env.end());
  args.push_back("--");
  args.insert(args.end(), request.argv.begin(), request.argv.end());
  return run({.argv = lxc("lxc-attach", name, args),
              .stdin_bytes = request.stdin_bytes,
              .timeout = exec_deadline(request)},
             name);
}

void LxcEngine::stop(const std::string& name, std::chrono::milliseconds grace) {
  // No state query first: lxc-stop of a container that does not run fails ("not running"), and
  // only then is its state asked. lxc-stop returns once the container is STOPPED: its shutdown
  // waits for that state, and its hard stop for the monitor to close the command socket, which
  // the monitor does as it exits after the container's init.
  process::Command command{
      .argv = lxc("lxc-stop", name, {"-t", std::to_string(grace_seconds(grace))}),
      .timeout = grace + options_.command_timeout};
  auto outcome = run(command, name);
  if (!outcome.ok() && is_running(name)) {
    throw command_error("stopping the container", name, command, outcome);
  }
}

void LxcEngine::destroy(const std::string& name) {
  // No state query first: lxc-destroy of a container that is not there fails, and only then
  // does its absence have to be checked.
  if (exists(lxcpath(name))) {
    process::Command command{.argv = lxc("lxc-destroy", name, {"-f"})};
    auto outcome = run(command, name);
    if (!outcome.ok() && is_present(name)) {
      throw command_error("destroying the container", name, command, outcome);
    }
  }
  unmount_all_under(lxcpath(name), name);
  remove_tree(lxcpath(name), name);
  // Leftovers LXC keeps (SPEC §5): the per-container cgroup dirs (we set them per container, so
  // removing them races with nobody) and the lock under /run/lxc/lock/<lxcpath>/.<name>.
  std::string cgroup = cgroup_dir({}, name);
  remove_cgroup_dirs({cgroup, cgroup + ".monitor", cgroup + ".pivot"});
  const std::string lock_dir = "/run/lxc/lock" + lxcpath(name);
  remove_files({lock_dir + "/." + name}, name);
  remove_empty_parents(lock_dir);
}

ContainerInfo LxcEngine::inspect(const std::string& name) {
  ContainerInfo info{.name = name, .id = name};
  if (!exists(container_dir(name) + "/config")) return info;
  auto outcome = run({.argv = lxc("lxc-info", name, {"-H"})}, name);
  if (!outcome.ok()) return info;
  info.present = true;
  info.raw = nlohmann::json::object();
  std::istringstream stream(outcome.out);
  std::string line;
  while (std::getline(stream, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    info.raw[key] = value;
  }
  info.state = info.raw.value("State", "");
  info.running = info.state == "RUNNING";
  if (info.running && info.raw.contains("PID")) {
    try {
      info.pid = std::stoi(info.raw["PID"].get<std::string>());
    } catch (const std::exception&) {
    }
  }
  return info;
}

SystemInfo LxcEngine::system_info() {
  auto version = run_checked({.argv = {tool("lxc-create"), "--version"}}, "asking LXC's version");
  auto check = run({.argv = {tool("lxc-checkconfig")}});
  SystemInfo info{.engine = kind_, .text = check.out + check.err};
  info.version = version.out.substr(0, version.out.find('\n'));
  info.raw = {{"version", info.version},
              {"checkconfig_ok", check.ok()},
              {"cgroup_layout", facts().cgroup_layout()},
              {"state_root", state_root_}};
  return info;
}

bool LxcEngine::is_present(const std::string& name) {
  return !state_of(name).empty();
}

bool LxcEngine::is_running(const std::string& name) {
  return state_of(name) == "RUNNING";
}

std::string LxcEngine::logs(const std::string& name) {
  auto log = read_file(container_dir(name) + "/console.log");
  if (!log) {
    if (!is_present(name)) throw error("no log: the container does not exist", name);
    return {};
  }
  return *log;
}

}  // namespace cnfctl::engine
