#include "engine/engine_base.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "common/poll.h"
#include "engine/copy_in.h"
#include "engine/local_node.h"
#include "process/local_files.h"
#include "process/local_runner.h"

namespace cnfctl::engine {
namespace {

// $1 "kill" or "keep", then the cgroup dirs, removed deepest first. One still busy holds
// processes that are still exiting (a loaded node reaps slowly) or that a runc killed half-way
// left (its `runc init`): with "kill" they are the container's own and are killed, and the
// removal is tried again, every 0.1 s for up to 10 s ("keep": once). Exit 0 once all are gone.
const char* const kRemoveCgroupDirsScript =
    "mode=$1; shift; i=0\n"
    "while :; do\n"
    "  find \"$@\" -depth -type d -delete 2>/dev/null\n"
    "  left=\n"
    "  for d in \"$@\"; do\n"
    "    [ -d \"$d\" ] || continue\n"
    "    left=1\n"
    "    [ \"$mode\" = kill ] || continue\n"
    "    find \"$d\" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r p; do\n"
    "      kill -KILL \"$p\" 2>/dev/null\n"
    "    done\n"
    "  done\n"
    "  [ -z \"$left\" ] && exit 0\n"
    "  [ \"$mode\" = kill ] || exit 1\n"
    "  i=$((i + 1)); [ \"$i\" -ge 100 ] && exit 1\n"
    "  sleep 0.1\n"
    "done\n";

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// `grep -H '' FILE...` output → file → content (one line files).
std::map<std::string, std::string> parse_grep_files(const std::string& text) {
  std::map<std::string, std::string> result;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    result[line.substr(0, colon)] += line.substr(colon + 1);
  }
  return result;
}

}  // namespace

std::string debian_package_for(const std::string& program) {
  const std::string name = base_name(program);
  if (name.rfind("lxc-", 0) == 0) return "lxc";
  static const std::map<std::string, std::string> packages = {{"runc", "runc"},
                                                              {"crun", "crun"},
                                                              {"docker", "docker.io"},
                                                              {"dockerd", "docker.io"},
                                                              {"podman", "podman"},
                                                              {"conmon", "conmon"},
                                                              {"catatonit", "catatonit"},
                                                              {"tar", "tar"},
                                                              {"mount", "mount"},
                                                              {"umount", "mount"},
                                                              {"busybox", "busybox-static"},
                                                              {"flock", "util-linux"},
                                                              {"ctr", "containerd"}};
  auto it = packages.find(name);
  return it == packages.end() ? std::string{} : it->second;
}

std::vector<std::string> env_arguments(const std::string& flag,
                                       const std::map<std::string, std::string>& env) {
  std::vector<std::string> args;
  for (const auto& [key, value] : env) {
    args.push_back(flag);
    args.push_back(key + "=" + value);
  }
  return args;
}

std::string NodePreparation::describe() const {
  std::string text = fmt::format("cgroup layout {}", cgroup_layout);
  for (const auto& action : actions) text += "\n  " + action;
  return text;
}

EngineBase::EngineBase(std::string kind, process::Runner& runner, EngineOptions options)
    : kind_(std::move(kind)),
      runner_(runner),
      local_(dynamic_cast<process::LocalRunner*>(&runner) != nullptr),
      options_(std::move(options)) {
  state_root_ = options_.state_root.empty() ? "/run/cnfctl/engines/" + kind_ : options_.state_root;
  while (state_root_.size() > 1 && state_root_.back() == '/') state_root_.pop_back();
  if (!options_.notice) {
    options_.notice = [](const std::string& text) { std::cerr << "cnfctl: " << text << "\n"; };
  }
}

void EngineBase::build(const ContainerSpec& spec) {
  spec.validate();
}

void EngineBase::copy_in(const std::string& name, const std::string& guest_path,
                         const std::string& bytes, unsigned mode) {
  ExecRequest request{.argv = copy_in_argv(guest_path, mode), .stdin_bytes = bytes};
  auto outcome = exec(name, request);
  if (!outcome.ok()) {
    throw command_error(fmt::format("copying {} bytes to {}", bytes.size(), guest_path), name,
                        {.argv = request.argv}, outcome);
  }
}

bool EngineBase::is_present(const std::string& name) {
  return inspect(name).present;
}

bool EngineBase::is_running(const std::string& name) {
  return inspect(name).running;
}

bool EngineBase::keep_existing(const std::string& name, bool force, const std::string& state_path) {
  if (!is_present(name) && (state_path.empty() || !exists(state_path))) return false;
  if (!force) return true;
  destroy(name);
  return false;
}

void EngineBase::make_mount_dirs(const ContainerSpec& spec) {
  std::vector<std::string> host_dirs;
  for (const auto& m : spec.mounts) {
    if (m.create_host_dir) host_dirs.push_back(m.host);
  }
  make_dirs(host_dirs, spec.name);
}

std::chrono::milliseconds EngineBase::exec_deadline(const ExecRequest& request) {
  return request.timeout.count() == 0 ? std::chrono::hours(24 * 365) : request.timeout;
}

long long EngineBase::grace_seconds(std::chrono::milliseconds grace) {
  return std::max<long long>(1, (grace.count() + 999) / 1000);
}

Error EngineBase::error(const std::string& what, const std::string& container) const {
  Error e(what);
  if (!container.empty()) e.at("container " + container);
  e.at("node " + runner_.name());
  e.at("engine " + kind_);
  return e;
}

Error EngineBase::command_error(const std::string& what, const std::string& container,
                                const process::Command& command,
                                const process::Outcome& outcome) const {
  Error e = error(fmt::format("{} failed", what), container);
  e.with_command(command.display(), outcome.describe_status(), outcome.tail());
  return e;
}

void EngineBase::check_program_exists(const process::Command& command,
                                      const process::Outcome& outcome,
                                      const std::string& container) const {
  const std::string program = command.argv.empty() ? std::string{} : command.argv.front();
  bool missing = (outcome.status == process::Outcome::Status::kFailedToStart &&
                  (outcome.start_errno == ENOENT || outcome.start_errno == ENOTDIR)) ||
                 (outcome.status == process::Outcome::Status::kExited && outcome.exit_code == 127 &&
                  (outcome.err.find("not found") != std::string::npos ||
                   outcome.err.find("No such file") != std::string::npos));
  if (missing) {
    std::string package = debian_package_for(program);
    std::string hint = package.empty() ? std::string("install it or configure its path")
                                       : fmt::format(
                                             "install the Debian package '{}' (apt-get install {}) "
                                             "or configure the program's path",
                                             package, package);
    Error e = error(fmt::format("the program '{}' that the {} engine needs was not found on "
                                "node {}; {}",
                                program, kind_, runner_.name(), hint),
                    container);
    e.with_command(command.display(), outcome.describe_status(), outcome.tail());
    throw e;
  }
  if (outcome.status == process::Outcome::Status::kFailedToStart) {
    throw command_error(fmt::format("starting '{}'", program), container, command, outcome);
  }
}

process::Outcome EngineBase::run(process::Command command, const std::string& container) {
  if (command.timeout.count() == 0) command.timeout = options_.command_timeout;
  process::Outcome outcome = runner_.run(command);
  check_program_exists(command, outcome, container);
  return outcome;
}

process::Outcome EngineBase::run_checked(process::Command command, const std::string& what,
                                         const std::string& container) {
  if (command.timeout.count() == 0) command.timeout = options_.command_timeout;
  process::Outcome outcome = run(command, container);
  if (!outcome.ok()) throw command_error(what, container, command, outcome);
  return outcome;
}

const NodeFacts& EngineBase::facts() {
  {
    std::lock_guard lock(mutex_);
    if (facts_) return *facts_;
  }
  const std::vector<std::string> files = {"/proc/self/status", "/proc/self/limits",
                                          "/proc/self/mountinfo"};
  std::string text;
  if (local_) {
    for (const auto& file : files) {
      auto content = process::read_file_local(file);
      if (!content) throw error(fmt::format("reading {} failed", file));
      text += *content;
    }
  } else {
    process::Command command{.argv = {"cat"}};
    command.argv.insert(command.argv.end(), files.begin(), files.end());
    text = run_checked(command, "reading the node's capabilities, limits and cgroup mounts").out;
  }
  std::lock_guard lock(mutex_);
  if (!facts_) facts_ = parse_node_facts(text);
  return *facts_;
}

void EngineBase::make_dirs(const std::vector<std::string>& paths, const std::string& container) {
  if (paths.empty()) return;
  if (local_) {
    if (auto failed = process::make_dirs_local(paths)) {
      throw error(fmt::format("creating directories failed: {}", *failed), container);
    }
    return;
  }
  process::Command command{.argv = {"mkdir", "-p", "--"}};
  command.argv.insert(command.argv.end(), paths.begin(), paths.end());
  run_checked(command, "creating directories", container);
}

void EngineBase::write_file(const std::string& path, const std::string& bytes,
                            const std::string& container) {
  if (local_) {
    if (auto failed = process::write_file_local(path, bytes)) {
      throw error(fmt::format("writing {} failed: {}", path, *failed), container);
    }
    return;
  }
  // `tee` copies stdin to the file (and to stdout, which is discarded): files go as bytes.
  process::Command command{.argv = {"tee", "--", path}, .stdin_bytes = bytes};
  run_checked(command, fmt::format("writing {}", path), container);
}

std::optional<std::string> EngineBase::read_file(const std::string& path) {
  if (local_) return process::read_file_local(path);
  auto outcome = run({.argv = {"cat", "--", path}});
  if (!outcome.ok()) return std::nullopt;
  return outcome.out;
}

std::map<std::string, std::string> EngineBase::read_small_files(
    const std::vector<std::string>& paths) {
  if (local_) {
    std::map<std::string, std::string> result;
    for (const auto& path : paths) {
      if (auto text = process::read_file_local(path)) result[path] = trim(*text);
    }
    return result;
  }
  process::Command command{.argv = {"grep", "-H", ""}};
  command.argv.insert(command.argv.end(), paths.begin(), paths.end());
  return parse_grep_files(run(command).out);
}

bool EngineBase::exists(const std::string& path) {
  if (local_) return process::exists_local(path);
  return run({.argv = {"test", "-e", path}}).ok();
}

void EngineBase::remove_tree(const std::string& path, const std::string& container) {
  if (local_) {
    if (auto failed = remove_tree_local(path)) {
      throw error(fmt::format("removing {} failed: {}", path, *failed), container);
    }
    return;
  }
  run_checked({.argv = {"rm", "-rf", "--one-file-system", "--", path}},
              fmt::format("removing {}", path), container);
}

void EngineBase::mount(const std::string& type, const std::string& source,
                       const std::string& target, const std::string& options,
                       const std::string& what, const std::string& container) {
  if (local_) {
    if (auto failed = process::mount_local(type, source, target, options)) {
      throw error(fmt::format("{} failed: {}", what, *failed), container);
    }
    return;
  }
  run_checked({.argv = {"mount", "-t", type, source, "-o", options, target}}, what, container);
}

std::vector<std::string> EngineBase::mounts_under(const std::string& path) {
  std::string mountinfo;
  if (local_) {
    auto text = process::read_file_local("/proc/self/mountinfo");
    if (!text) throw error("reading mounts failed: cannot read /proc/self/mountinfo");
    mountinfo = std::move(*text);
  } else {
    mountinfo = run_checked({.argv = {"cat", "/proc/self/mountinfo"}}, "reading mounts").out;
  }
  std::vector<std::string> result;
  for (const auto& point : parse_mount_points(mountinfo)) {
    if (point == path || point.rfind(path + "/", 0) == 0) result.push_back(point);
  }
  // Deepest (and most recently listed) first.
  std::reverse(result.begin(), result.end());
  std::stable_sort(result.begin(), result.end(), [](const std::string& a, const std::string& b) {
    return std::count(a.begin(), a.end(), '/') > std::count(b.begin(), b.end(), '/');
  });
  return result;
}

void EngineBase::unmount_all_under(const std::string& path, const std::string& container) {
  for (const auto& point : mounts_under(path)) {
    if (local_) {
      // Busy (a process still holds it): detach it, as below.
      if (!process::unmount_local(point, false)) continue;
      if (auto failed = process::unmount_local(point, true)) {
        throw error(fmt::format("unmounting {} failed: {}", point, *failed), container);
      }
      continue;
    }
    auto outcome = run({.argv = {"umount", "--", point}}, container);
    if (!outcome.ok()) {
      // Busy (a process still holds it): detach it so destroy completes; the kernel frees it
      // when the last user goes.
      run_checked({.argv = {"umount", "-l", "--", point}}, fmt::format("unmounting {}", point),
                  container);
    }
  }
}

void EngineBase::remove_files(const std::vector<std::string>& paths, const std::string& container) {
  if (local_) {
    for (const auto& path : paths) {
      if (auto failed = remove_file_local(path)) {
        throw error(fmt::format("removing {} failed: {}", path, *failed), container);
      }
    }
    return;
  }
  process::Command command{.argv = {"rm", "-f", "--"}};
  command.argv.insert(command.argv.end(), paths.begin(), paths.end());
  run(command, container);
}

void EngineBase::remove_empty_parents(const std::string& dir) {
  if (local_) {
    remove_empty_parents_local(dir);
    return;
  }
  run({.argv = {"rmdir", "-p", "--ignore-fail-on-non-empty", "--", dir}});
}

bool EngineBase::remove_cgroup_dirs(const std::vector<std::string>& relative_dirs, bool kill_busy) {
  if (relative_dirs.empty()) return true;
  std::vector<std::string> dirs;
  for (const auto& root : facts().all_mount_points()) {
    for (const auto& dir : relative_dirs) dirs.push_back(root + "/" + dir);
  }
  // Usually they are gone or empty: rmdir here, and the script only for a busy one.
  if (local_) {
    if (remove_cgroup_dirs_local(dirs)) return true;
    if (!kill_busy) return false;  // the script would try rmdir once more, no more
  }
  process::Command command{.argv = {"/bin/sh", "-c", kRemoveCgroupDirsScript, "cnfctl-cgroups",
                                    kill_busy ? "kill" : "keep"}};
  command.argv.insert(command.argv.end(), dirs.begin(), dirs.end());
  command.timeout = options_.command_timeout;
  return run(command).ok();
}

bool EngineBase::wait_until(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
  return poll_until(done, std::chrono::steady_clock::now() + deadline,
                    Backoff(std::chrono::milliseconds(5), std::chrono::milliseconds(100)));
}

void EngineBase::notice_once(const std::string& key, const std::string& text) {
  {
    std::lock_guard lock(mutex_);
    if (!notices_.insert(key).second) return;
  }
  options_.notice(fmt::format("engine {} on node {}: {}", kind_, runner_.name(), text));
}

NodePreparation EngineBase::prepare_node() {
  {
    std::lock_guard lock(mutex_);
    if (preparation_) return *preparation_;
  }
  const NodeFacts& node = facts();
  NodePreparation report;
  report.cgroup_layout = node.cgroup_layout();
  make_dirs({state_root_});
  report.actions.push_back(fmt::format("state directory {}", state_root_));

  if (const std::string mount = node.cpuset_v1_mount(); !mount.empty()) {
    // v1: a new cpuset cgroup starts with empty cpus/mems, and an exclusive parent forbids
    // overlapping siblings; give every parent the root's CPUs and memory nodes, non-exclusive.
    // Whoever made a parent first (cnfctl of an older version, another engine, a user), its
    // clone_children flag decides whether directories the engine makes below it start usable:
    // LXC makes <name>.monitor and <name>.pivot with mkdir and no copy, so they get empty mems
    // ("No space left on device - Failed to enter cgroup") unless the flag is 1. Checked on
    // every `up`: one grep per level when nothing needs fixing.
    auto root = read_small_files({mount + "/cpuset.cpus", mount + "/cpuset.mems"});
    const std::string all_cpus = trim(root[mount + "/cpuset.cpus"]);
    const std::string all_mems = trim(root[mount + "/cpuset.mems"]);
    if (all_cpus.empty() || all_mems.empty()) {
      throw error(fmt::format("reading the root cpuset failed: no cpus or mems in {}", mount));
    }
    for (const auto& parent : cpuset_parents()) {
      std::string path = mount;
      std::istringstream components(parent);
      std::string component;
      while (std::getline(components, component, '/')) {
        if (component.empty()) continue;
        path += "/" + component;
        if (!exists(path)) {
          make_dirs({path});
          report.actions.push_back(fmt::format("created {}", path));
        }
        auto files = read_small_files(
            {path + "/cpuset.cpus", path + "/cpuset.mems", path + "/cpuset.cpu_exclusive",
             path + "/cpuset.mem_exclusive", path + "/cgroup.clone_children"});
        auto set = [&](const std::string& file, const std::string& want) {
          if (trim(files[path + "/" + file]) == want) return;
          write_file(path + "/" + file, want);
          report.actions.push_back(fmt::format("{}/{} = {}", path, file, want));
        };
        set("cpuset.cpu_exclusive", "0");
        set("cpuset.mem_exclusive", "0");
        set("cpuset.cpus", all_cpus);
        set("cpuset.mems", all_mems);
        set("cgroup.clone_children", "1");
      }
    }
    if (report.actions.size() == 1) report.actions.push_back("cpuset parents already usable");
  } else if (const std::string root = node.unified_root(); !root.empty()) {
    // v2: cpuset must be enabled in subtree_control down to the container's parent.
    for (const auto& parent : cpuset_parents()) {
      std::string path = root;
      std::istringstream components(parent);
      std::string component;
      std::vector<std::string> levels = {path};
      while (std::getline(components, component, '/')) {
        if (component.empty()) continue;
        path += "/" + component;
        levels.push_back(path);
      }
      for (const auto& level : levels) {
        if (!exists(level)) {
          make_dirs({level});
          report.actions.push_back(fmt::format("created {}", level));
        }
        auto control = read_file(level + "/cgroup.subtree_control").value_or("");
        if (control.find("cpuset") == std::string::npos) {
          write_file(level + "/cgroup.subtree_control", "+cpuset");
          report.actions.push_back(fmt::format("{}/cgroup.subtree_control += cpuset", level));
        }
      }
    }
    if (report.actions.size() == 1) report.actions.push_back("cpuset already enabled");
  } else {
    report.actions.push_back("no cpuset controller found: pinning is left to the engine");
  }
  std::lock_guard lock(mutex_);
  if (!preparation_) preparation_ = report;
  return *preparation_;
}

}  // namespace cnfctl::engine
