#include "leftovers.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host_fixtures.h"
#include "process/local_runner.h"

namespace cnfctl::host_fixtures {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> result;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    if (!line.empty()) result.push_back(line);
  }
  return result;
}

bool contains_any(const std::string& text, const std::vector<std::string>& needles) {
  return std::any_of(needles.begin(), needles.end(), [&](const std::string& needle) {
    return !needle.empty() && text.find(needle) != std::string::npos;
  });
}

// A NUL-separated /proc file as one line.
std::string proc_text(const std::string& path) {
  std::string text = read_host_file(path);
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

// "dir PATH", and what it holds (the first few names): which program left it.
std::string describe_dir(const std::string& path) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(path, ec)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  if (names.size() > 8) names.resize(8);
  std::string text = "dir " + path;
  if (fs::is_directory(path, ec)) {
    text += " (holds:";
    for (const auto& n : names) text += " " + n;
    text += ")";
  }
  return text;
}

void add_entries_starting_with(const std::string& dir, const std::string& prefix,
                               std::vector<std::string>& found) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) {
      found.push_back(describe_dir(e.path().string()));
    }
  }
}

}  // namespace

std::vector<std::string> cgroup_dirs_matching(const std::vector<std::string>& needles) {
  std::vector<std::string> result;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(
           "/sys/fs/cgroup", fs::directory_options::skip_permission_denied, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    if (!it->is_directory(error) || it->is_symlink(error)) continue;
    if (contains_any(it->path().filename().string(), needles)) {
      result.push_back(it->path().string());
    }
  }
  return result;
}

std::vector<std::string> run_leftovers(const RunScope& scope) {
  const std::string prefix = scope.run + "-";
  std::vector<std::string> names = scope.ids;
  names.push_back(prefix);
  std::vector<std::string> found;
  for (const auto& m : mounts_under("/")) {
    if (contains_any(m, names)) found.push_back("mount " + m);
  }
  for (const auto& d : cgroup_dirs_matching(names)) found.push_back("cgroup " + d);

  std::error_code ec;
  std::vector<std::string> dirs = scope.dirs;
  dirs.push_back(scope.state_dir + "/runs/" + scope.run);
  for (const auto& dir : dirs) {
    if (fs::exists(dir, ec)) found.push_back(describe_dir(dir));
  }
  const std::string engines = scope.run_dir + "/engines";
  for (const auto& base :
       {engines + "/oci", engines + "/oci/runtime", engines + "/lxc", engines + "/docker",
        engines + "/podman", std::string("/var/run/dpdk"), "/run/lxc/lock" + engines + "/lxc"}) {
    add_entries_starting_with(base, prefix, found);
  }

  std::vector<std::string> markers = names;
  markers.insert(markers.end(), scope.process_markers.begin(), scope.process_markers.end());
  const std::string label = "MICROSERVICE_LABEL=" + prefix;
  const std::string self = std::to_string(::getpid());
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
    const std::string cmdline = proc_text(e.path().string() + "/cmdline");
    if (cmdline.empty()) continue;  // kernel threads, zombies
    std::string why;
    if (contains_any(cmdline, markers)) {
      why = "command line";
    } else if (proc_text(e.path().string() + "/environ").find(label) != std::string::npos) {
      why = "environment";
    } else if (contains_any(read_host_file(e.path().string() + "/cgroup"), names)) {
      why = "cgroup";
    }
    if (!why.empty()) found.push_back("process " + pid + " (" + why + "): " + cmdline);
  }
  return found;
}

std::vector<std::string> podman_argv(const std::string& engine_state,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"podman",
                                   "--cgroup-manager=cgroupfs",
                                   "--events-backend=file",
                                   "--root",
                                   engine_state + "/storage",
                                   "--runroot",
                                   engine_state + "/run"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::vector<std::string> podman_ids(const std::string& engine_state) {
  process::LocalRunner runner;
  std::vector<std::string> ids;
  if (fs::exists(engine_state + "/storage")) {
    auto ps = runner.run({.argv = podman_argv(engine_state, {"ps", "--all", "--external",
                                                             "--no-trunc", "--format", "{{.ID}}"}),
                          .timeout = std::chrono::seconds(60)});
    ids = lines(ps.out);
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(engine_state + "/storage/overlay-containers", ec)) {
    if (e.is_directory(ec)) ids.push_back(e.path().filename().string());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::vector<std::string> podman_leftovers(const std::string& engine_state) {
  process::LocalRunner runner;
  std::vector<std::string> found;
  if (fs::exists(engine_state + "/storage")) {
    auto ps = runner.run(
        {.argv = podman_argv(engine_state, {"ps", "--all", "--external", "--no-trunc", "--format",
                                            "{{.ID}} {{.Names}} {{.Status}}"}),
         .timeout = std::chrono::seconds(60)});
    if (!ps.ok()) found.push_back("podman ps failed: " + ps.err);
    for (const auto& line : lines(ps.out)) found.push_back("podman container " + line);
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(engine_state + "/storage/overlay-containers", ec)) {
    if (e.is_directory(ec)) found.push_back("podman storage " + e.path().string());
  }
  // podman runs runc with its default state dir, shared by every podman root: ours are the
  // ones whose bundle lies in our storage.
  auto list = runner.run(
      {.argv = {"runc", "list", "--format", "json"}, .timeout = std::chrono::seconds(30)});
  auto parsed = nlohmann::json::parse(list.out, nullptr, false);
  if (parsed.is_array()) {
    for (const auto& c : parsed) {
      if (c.value("bundle", "").rfind(engine_state + "/", 0) == 0) {
        found.push_back("runc container " + c.value("id", "") + " " + c.value("status", ""));
      }
    }
  }
  return found;
}

std::string managed_containerd_socket(const std::string& exec_root) {
  return exec_root + "/containerd/containerd.sock";
}

namespace {

std::vector<std::string> ctr(const std::string& socket, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ctr", "--address", socket, "--namespace", "moby"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

std::vector<std::string> docker_ids(const std::string& docker_host,
                                    const std::string& containerd_socket) {
  process::LocalRunner runner;
  auto ps =
      runner.run({.argv = {"docker", "--host", docker_host, "ps", "--all", "--no-trunc", "--quiet"},
                  .timeout = std::chrono::seconds(60)});
  auto ids = lines(ps.out);
  if (fs::exists(containerd_socket)) {
    auto c = runner.run({.argv = ctr(containerd_socket, {"containers", "list", "--quiet"}),
                         .timeout = std::chrono::seconds(30)});
    for (const auto& id : lines(c.out)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::vector<std::string> docker_leftovers(const std::string& docker_host,
                                          const std::string& containerd_socket,
                                          const std::string& run) {
  process::LocalRunner runner;
  std::vector<std::string> found;
  auto ps = runner.run({.argv = {"docker", "--host", docker_host, "ps", "--all", "--format",
                                 "{{.Names}} {{.Status}}"},
                        .timeout = std::chrono::seconds(60)});
  if (!ps.ok()) found.push_back("docker ps failed: " + ps.err);
  for (const auto& line : lines(ps.out)) {
    if (line.rfind(run + "-", 0) == 0) found.push_back("docker container " + line);
  }
  if (fs::exists(containerd_socket)) {
    auto containers = runner.run({.argv = ctr(containerd_socket, {"containers", "list", "--quiet"}),
                                  .timeout = std::chrono::seconds(30)});
    for (const auto& id : lines(containers.out)) found.push_back("containerd container " + id);
    auto tasks = runner.run({.argv = ctr(containerd_socket, {"tasks", "list", "--quiet"}),
                             .timeout = std::chrono::seconds(30)});
    for (const auto& id : lines(tasks.out)) found.push_back("containerd task " + id);
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string cmdline = proc_text(e.path().string() + "/cmdline");
    if (cmdline.find("containerd-shim") != std::string::npos &&
        cmdline.find(containerd_socket) != std::string::npos) {
      found.push_back("shim " + e.path().filename().string() + ": " + cmdline);
    }
  }
  return found;
}

}  // namespace cnfctl::host_fixtures
