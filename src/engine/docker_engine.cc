#include "engine/docker_engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <sstream>
#include <utility>

#include "engine/docker_api.h"
#include "engine/local_node.h"
#include "engine/node_facts.h"
#include "engine/unix_http.h"

namespace cnfctl::engine {
namespace {

// Prints, for every process whose command line holds $0 (a container id), its pid, then its
// arguments one per line, then an empty line. One grep over all command lines; a constant script.
const char* const kProcessesNamingScript =
    "for c in $(grep -l -a -F -- \"$0\" /proc/[0-9]*/cmdline 2>/dev/null); do "
    "p=${c#/proc/}; echo \"${p%/cmdline}\"; tr '\\0' '\\n' <\"$c\" 2>/dev/null; echo; done";

}  // namespace

namespace {

bool is_tarball(const std::string& path) {
  for (const char* suffix : {".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2"}) {
    std::string s = suffix;
    if (path.size() > s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

DockerEngine::DockerEngine(process::Runner& runner, EngineOptions options)
    : CliEngine("docker", runner, std::move(options)) {}

std::string DockerEngine::imported_tag(const std::string& path) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : path) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return fmt::format("cnfctl/rootfs-{:016x}:latest", hash);
}

std::vector<std::string> DockerEngine::cli(std::vector<std::string> args) const {
  std::vector<std::string> argv = {binary_};
  if (!options_.daemon_host.empty()) {
    argv.push_back("--host");
    argv.push_back(options_.daemon_host);
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string DockerEngine::daemon_address() const {
  if (!options_.daemon_host.empty()) return options_.daemon_host;
  // The docker CLI falls back to DOCKER_HOST; on this machine cnfctl knows its value.
  const char* env = std::getenv("DOCKER_HOST");
  if (env != nullptr && *env != '\0' && runner_.name() == "local") {
    return fmt::format("{} (DOCKER_HOST)", env);
  }
  return "the default socket (DOCKER_HOST or /var/run/docker.sock)";
}

void DockerEngine::check_daemon(const process::Command& command, const process::Outcome& outcome,
                                const std::string& container) const {
  if (outcome.ok()) return;
  const std::string& text = outcome.err;
  if (text.find("Cannot connect to the Docker daemon") != std::string::npos ||
      text.find("Is the docker daemon running") != std::string::npos ||
      text.find("error during connect") != std::string::npos) {
    Error e = error(
        fmt::format("the docker daemon is not reachable at {} on node {}; start dockerd (Debian "
                    "package 'docker.io': apt-get install docker.io), e.g. dockerd "
                    "--iptables=false --bridge=none --exec-opt native.cgroupdriver=cgroupfs "
                    "-H <socket>, and give cnfctl that socket",
                    daemon_address(), runner_.name()),
        container);
    e.with_command(command.display(), outcome.describe_status(), outcome.tail());
    throw e;
  }
}

void DockerEngine::acquire(const ContainerSpec& spec, bool force) {
  spec.validate();
  replace_in_create(spec.name, force);
  prepare_node();
  if (spec.image.kind == Image::Kind::kHost) {
    ensure_host_skeleton(spec.name, force);
    return;
  }
  if (spec.image.kind == Image::Kind::kNative) {
    ensure_image(spec.image.path_or_name, spec.name);
    return;
  }
  const std::string& path = spec.image.path_or_name;
  const std::string tag = imported_tag(path);
  if (!force && run_cli({"image", "inspect", tag}, spec.name).ok()) return;
  if (is_tarball(path)) {
    run_cli_checked({"import", path, tag}, fmt::format("importing {}", path), spec.name,
                    options_.pull_timeout);
    return;
  }
  // `docker import` reads a tarball; pack the directory first (on the node).
  make_dirs({state_root_}, spec.name);
  const std::string tarball = fmt::format("{}/{}.tar", state_root_, spec.name);
  run_checked({.argv = {"tar", "-C", path, "-cf", tarball, "."}, .timeout = options_.pull_timeout},
              fmt::format("packing {}", path), spec.name);
  try {
    run_cli_checked({"import", tarball, tag}, fmt::format("importing {}", path), spec.name,
                    options_.pull_timeout);
  } catch (...) {
    run({.argv = {"rm", "-f", "--", tarball}});
    throw;
  }
  run({.argv = {"rm", "-f", "--", tarball}});
}

const HostSkeleton& DockerEngine::host_skeleton(const std::string& container) {
  std::lock_guard lock(skeleton_mutex_);
  if (skeleton_) return *skeleton_;
  // The node's top level, without following symlinks; missing names make stat exit 1.
  process::Command probe{.argv = host_root_probe_argv(), .timeout = options_.command_timeout};
  auto outcome = run(probe, container);
  auto entries = parse_host_root_probe(outcome.out);
  if (entries.empty())
    throw command_error("reading the node's root directory", container, probe, outcome);
  for (auto& entry : entries) {
    if (entry.type != HostRootEntry::Type::kSymlink) continue;
    auto link = run_checked(
        {.argv = {"readlink", "--", "/" + entry.name}, .timeout = options_.command_timeout},
        fmt::format("reading the symlink /{}", entry.name), container);
    entry.link_target = link.out;
    while (!entry.link_target.empty() && entry.link_target.back() == '\n') {
      entry.link_target.pop_back();
    }
  }
  HostSkeleton skeleton;
  try {
    skeleton = make_host_skeleton(entries);
  } catch (Error& e) {
    e.at(fmt::format("engine {} on node {}", kind_, runner_.name()));
    throw;
  }
  // docker's --init would mount its init on /sbin/docker-init, inside the read-only /usr of a
  // merged-/usr node: run the node's own init (the same tini) from the bound /usr instead.
  auto init = run({.argv = host_init_probe_argv(), .timeout = options_.command_timeout}, container);
  init_ = pick_host_init(init.out);
  if (init_.empty()) {
    throw error(fmt::format("containers of the host image need an init program from the node's "
                            "/usr, and none of {} is an executable file on node {}; install "
                            "docker's (Debian package 'docker.io': apt-get install docker.io) or "
                            "tini (apt-get install tini)",
                            fmt::join(host_init_candidates(), ", "), runner_.name()),
                container);
  }
  skeleton_ = std::move(skeleton);
  return *skeleton_;
}

void DockerEngine::ensure_host_skeleton(const std::string& container, bool force) {
  const HostSkeleton& skeleton = host_skeleton(container);
  std::lock_guard lock(skeleton_mutex_);
  // One rebuild per engine object: the containers of one run acquire in parallel.
  const bool rebuild = force && !skeleton_rebuilt_;
  if (skeleton_present_ && !rebuild) return;
  auto present = run_cli({"image", "inspect", "--format", "{{.Id}}", skeleton.tag}, container);
  skeleton_present_ = present.ok();
  if (present.ok() && !rebuild) return;
  std::vector<std::string> args = {"import",
                                   "--change",
                                   fmt::format("LABEL {}=1", kHostSkeletonLabel),
                                   "--message",
                                   "cnfctl host image skeleton",
                                   "-",
                                   skeleton.tag};
  auto imported = run_cli(args, container, skeleton.tar, options_.pull_timeout);
  if (!imported.ok()) {
    throw command_error("importing the host image skeleton", container, {.argv = cli(args)},
                        imported);
  }
  skeleton_rebuilt_ = skeleton_rebuilt_ || force;
  skeleton_present_ = true;
  // The replaced image lost its tag: remove it unless a container still uses it (then the next
  // destroy of such a container removes it, see after_remove).
  std::string old_id = present.ok() ? present.out : std::string();
  while (!old_id.empty() && (old_id.back() == '\n' || old_id.back() == ' ')) old_id.pop_back();
  if (!old_id.empty()) {
    run_cli({"image", "rm", old_id}, container);
    std::lock_guard stale_lock(stale_skeletons_mutex_);
    no_stale_skeletons_ = false;
  }
}

std::vector<std::string> DockerEngine::host_image_run_args(const ContainerSpec& spec,
                                                           const CliRunSettings& settings,
                                                           const HostSkeleton& skeleton,
                                                           const std::string& init) {
  auto taken = [&](const std::string& guest) {
    return std::any_of(spec.mounts.begin(), spec.mounts.end(),
                       [&](const Mount& m) { return m.guest == guest; });
  };
  ContainerSpec with_os = spec;
  with_os.mounts.clear();
  for (const auto& m : skeleton.os_mounts) {
    if (!taken(m.guest)) with_os.mounts.push_back(m);
  }
  with_os.mounts.insert(with_os.mounts.end(), spec.mounts.begin(), spec.mounts.end());
  with_os.command = {init, "--"};
  auto command = spec.effective_command();
  with_os.command.insert(with_os.command.end(), command.begin(), command.end());

  auto args = cli_run_args(with_os, settings);
  const auto image_at = static_cast<std::ptrdiff_t>(args.size() - with_os.command.size() - 1);
  std::vector<std::string> out(args.begin(), args.begin() + image_at);
  if (auto init_flag = std::find(out.begin(), out.end(), "--init"); init_flag != out.end()) {
    out.erase(init_flag);
  }
  // Private scratch where the node has its own: docker mounts these before the binds below them
  // (the run's memif dir under /run, DPDK's runtime dir under /var/run -> /run).
  if (!taken("/tmp")) {
    out.push_back("--tmpfs");
    out.push_back("/tmp:rw,exec,nosuid,nodev,mode=1777");
  }
  if (!taken("/run")) {
    out.push_back("--tmpfs");
    out.push_back("/run:rw,nosuid,nodev,mode=755");
  }
  out.insert(out.end(), args.begin() + image_at, args.end());
  return out;
}

std::vector<std::string> DockerEngine::run_args(const ContainerSpec& spec,
                                                const CliRunSettings& settings) {
  return spec.image.kind == Image::Kind::kHost
             ? host_image_run_args(spec, settings, host_skeleton(spec.name), init_)
             : cli_run_args(spec, settings);
}

void DockerEngine::after_remove(const std::string& /*name*/, const std::string& id) {
  if (id.empty()) return;
  // A replaced skeleton is dangling until its last container goes. Once a look found none, the
  // other containers this engine object removes (a `down`) skip the look: a skeleton replaced
  // meanwhile by another run is left for a later destroy.
  std::lock_guard lock(stale_skeletons_mutex_);
  if (no_stale_skeletons_) return;
  try {
    auto stale = run_cli({"image", "ls", "--quiet", "--no-trunc", "--filter", "dangling=true",
                          "--filter", fmt::format("label={}", kHostSkeletonLabel)});
    if (!stale.ok()) return;
    no_stale_skeletons_ = stale.out.find_first_not_of(" \n") == std::string::npos;
    std::size_t start = 0;
    while (start < stale.out.size()) {
      auto end = stale.out.find('\n', start);
      if (end == std::string::npos) end = stale.out.size();
      const std::string image = stale.out.substr(start, end - start);
      start = end + 1;
      if (!image.empty()) run_cli({"image", "rm", image});  // in use: it stays, no error
    }
  } catch (const Error&) {
    // Only a cache clean-up: the container itself is gone.
  }
}

CliRunSettings DockerEngine::run_settings(const ContainerSpec& spec) {
  CliRunSettings settings;
  switch (spec.image.kind) {
    case Image::Kind::kHost:
      settings.image = host_skeleton(spec.name).tag;
      break;
    case Image::Kind::kDirectory:
      settings.image = imported_tag(spec.image.path_or_name);
      break;
    case Image::Kind::kNative:
      settings.image = spec.image.path_or_name;
      break;
  }
  settings.cgroup_parent = default_cgroup_parent();
  settings.capability_bounding_set = facts().capability_bounding_set;
  return settings;
}

namespace {

// The Engine API at `socket`, with outcomes worded as the CLI's would be (check_daemon() and
// the name-in-use and removal-in-progress handling read them as theirs).
class ApiCalls {
 public:
  ApiCalls(std::string socket, std::chrono::milliseconds timeout)
      : socket_(std::move(socket)), timeout_(timeout) {
    outcome_.status = process::Outcome::Status::kExited;
    outcome_.exit_code = 0;
  }
  // The answer, or nullopt with outcome() saying why there was none.
  std::optional<HttpResponse> call(const std::string& method, const std::string& target,
                                   const std::string& body) {
    try {
      return http_over_unix(socket_, method, target, body, timeout_);
    } catch (const Error& e) {
      const std::string text = e.what();
      failed(1, text.find("cannot connect") != std::string::npos
                    ? fmt::format("Cannot connect to the Docker daemon at unix://{}: {}", socket_,
                                  text)
                    : fmt::format("error during connect: {}", text));
      return std::nullopt;
    }
  }
  // The answer when its status is one of `ok`, else nullopt with outcome() saying why.
  std::optional<HttpResponse> expect(const std::string& method, const std::string& target,
                                     const std::string& body, std::initializer_list<int> ok) {
    auto answer = call(method, target, body);
    if (answer && std::find(ok.begin(), ok.end(), answer->status) == ok.end()) {
      refused(*answer);
      return std::nullopt;
    }
    return answer;
  }
  process::Outcome refused(const HttpResponse& r) {
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    const std::string message =
        body.is_object() && body.contains("message") && body["message"].is_string()
            ? body["message"].get<std::string>()
            : r.body;
    return failed(r.status == 404 ? 1 : 125,
                  fmt::format("Error response from daemon: {} (HTTP {})", message, r.status));
  }
  process::Outcome printed(std::string out) {
    outcome_.out = std::move(out);
    return outcome_;
  }
  process::Outcome failed(int code, const std::string& text) {
    outcome_.exit_code = code;
    outcome_.err = text;
    return outcome_;
  }
  const process::Outcome& outcome() const { return outcome_; }

 private:
  std::string socket_;
  std::chrono::milliseconds timeout_;
  process::Outcome outcome_;
};

}  // namespace

const std::string& DockerEngine::api_socket() {
  std::call_once(api_socket_once_, [this] {
    if (local_) api_socket_ = docker_socket_path(options_.daemon_host);
  });
  return api_socket_;
}

std::optional<process::Outcome> DockerEngine::through_api(const std::vector<std::string>& args,
                                                          const std::string& container) {
  if (args.empty()) return std::nullopt;
  const std::string& socket = api_socket();
  if (socket.empty()) return std::nullopt;
  ApiCalls api(socket, options_.command_timeout);
  if (args.size() == 3 && args[0] == "rm" && args[1] == "--force") {
    api.expect("DELETE", "/containers/" + args[2] + "?force=1", "", {204});
    return api.outcome();
  }
  if (args.size() == 3 && args[0] == "container" && args[1] == "inspect") {
    auto inspected = api.expect("GET", "/containers/" + args[2] + "/json", "", {200});
    if (!inspected) return api.outcome();
    return api.printed("[" + inspected->body + "]");  // the CLI's list of one
  }
  if (args[0] != "run") return std::nullopt;
  auto request = docker_create_request(args);
  if (!request) return std::nullopt;
  auto created =
      api.expect("POST", "/containers/create?name=" + request->name, request->body.dump(), {201});
  if (!created) return api.outcome();
  const auto answer = nlohmann::json::parse(created->body, nullptr, false);
  if (!answer.is_object() || !answer.contains("Id") || !answer["Id"].is_string()) {
    return api.failed(125, "the daemon's create answer has no Id: " + created->body);
  }
  const std::string id = answer["Id"].get<std::string>();
  if (!request->cid_file.empty()) write_file(request->cid_file, id, container);
  api.expect("POST", "/containers/" + id + "/start", "", {204, 304});
  return api.outcome();
}

std::vector<std::string> DockerEngine::ids_named(const std::string& name) {
  // The daemon refuses a name another container holds, so the container the CLI made and wrote
  // down is the one of that name: no inspect.
  if (auto id = id_written(name)) return {*id};
  return CliEngine::ids_named(name);
}

std::string DockerEngine::processes_naming(const std::string& name, const std::string& needle) {
  if (local_) return local_process_listing(needle);
  return run({.argv = {"/bin/sh", "-c", kProcessesNamingScript, needle}}, name).out;
}

DockerdPaths DockerEngine::daemon_paths(const std::string& name) {
  std::lock_guard guard(paths_mutex_);
  if (!paths_) {
    std::string host = options_.daemon_host;
    const char* env = std::getenv("DOCKER_HOST");
    if (host.empty() && env != nullptr && runner_.name() == "local") host = env;
    paths_ = dockerd_paths(processes_naming(name, "dockerd"), host);
  }
  return *paths_;
}

void DockerEngine::remove_remains(const std::string& name, const std::vector<std::string>& ids,
                                  bool /*removed*/) {
  for (const auto& id : ids) {
    // containerd's clean-up of a shim that died with it (after its restart) removes the task
    // and the cgroup when it ends: wait for it rather than race it.
    std::string listing;
    wait_until(
        [&] {
          listing = processes_naming(name, id);
          return !cleanup_running(listing, id);
        },
        options_.command_timeout);
    std::vector<std::string> addresses;
    for (const auto& shim : shims_serving(listing, id)) {
      if (std::find(addresses.begin(), addresses.end(), shim.address) == addresses.end()) {
        addresses.push_back(shim.address);
      }
    }
    if (addresses.empty()) {
      // No shim: containerd may still hold the container (its daemon died before the task
      // began), which the bundle dir docker made for it shows; the usual case has none.
      const auto paths = daemon_paths(name);
      if (paths.exec_root.empty() || !exists(paths.exec_root + "/containerd/" + id)) {
        continue;
      }
      addresses.push_back(paths.containerd_address);
    }
    for (const auto& address : addresses) {
      auto ctr = [&](std::vector<std::string> args) {
        process::Command command{.argv = {"ctr", "--address", address, "--namespace", "moby"}};
        command.argv.insert(command.argv.end(), args.begin(), args.end());
        command.timeout = options_.command_timeout;
        return std::pair{command, run(command, name)};
      };
      // Each may find nothing to do (no task: its create was cut short).
      ctr({"tasks", "kill", "--all", "--signal", "SIGKILL", id});
      ctr({"tasks", "delete", "--force", id});
      auto [command, removed] = ctr({"containers", "delete", id});
      if (!removed.ok() && removed.err.find("not found") == std::string::npos) {
        throw command_error("removing the container from containerd", name, command, removed);
      }
    }
    // containerd shuts a shim down when it deletes the shim's task, a moment after the call
    // returned; a shim whose task it never learnt of (the daemon died during the create) serves
    // nothing and would live for ever: every shim still serving the id gets SIGKILL, at each
    // look until none is left. Deleting the task of a dead shim (above) also makes containerd
    // start its own clean-up (`containerd-shim-runc-v2 ... delete`, `runc delete --force`)
    // after the call returned: that ends by itself, and is waited for.
    wait_until(
        [&] {
          const auto now = processes_naming(name, id);
          const auto shims = shims_serving(now, id);
          for (const auto& shim : shims) run({.argv = {"kill", "-KILL", "--", shim.pid}}, name);
          return shims.empty() && !cleanup_running(now, id);
        },
        options_.command_timeout);
    remove_cgroup_dirs({default_cgroup_parent().substr(1) + "/" + id});
  }
}

SystemInfo DockerEngine::system_info() {
  auto outcome =
      run_cli_checked({"system", "info", "--format", "{{json .}}"}, "reading docker's system info");
  SystemInfo info{.engine = kind_, .text = outcome.out};
  info.raw = nlohmann::json::parse(outcome.out, nullptr, false);
  if (info.raw.is_object()) info.version = info.raw.value("ServerVersion", "");
  return info;
}

}  // namespace cnfctl::engine
