#include "engine/docker_engine.h"

#include <fmt/format.h>

namespace cnfctl::engine {
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

void DockerEngine::check_daemon(const process::Command& command, const process::Outcome& outcome,
                                const std::string& container) const {
  if (outcome.ok()) return;
  const std::string& text = outcome.err;
  if (text.find("Cannot connect to the Docker daemon") != std::string::npos ||
      text.find("Is the docker daemon running") != std::string::npos ||
      text.find("error during connect") != std::string::npos) {
    Error e = error(
        fmt::format(
            "the docker daemon is not reachable at {} on node {}; start dockerd (Debian "
            "package 'docker.io': apt-get install docker.io), e.g. dockerd "
            "--iptables=false --bridge=none --exec-opt native.cgroupdriver=cgroupfs "
            "-H <socket>, and give cnfctl that socket",
            options_.daemon_host.empty() ? std::string("the default socket") : options_.daemon_host,
            runner_.name()),
        container);
    e.with_command(command.display(), outcome.describe_status(), outcome.tail());
    throw e;
  }
}

void DockerEngine::acquire(const ContainerSpec& spec, bool force) {
  spec.validate();
  require_input(spec.image.kind != Image::Kind::kHost, "container " + spec.name,
                "the docker engine cannot run the 'host' image (docker has no rootfs mode); use "
                "dir:/path (imported offline), an image name, or the oci, lxc or podman engine");
  if (keep_existing(spec.name, force)) return;
  prepare_node();
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

CliRunSettings DockerEngine::run_settings(const ContainerSpec& spec) {
  CliRunSettings settings;
  settings.image = spec.image.kind == Image::Kind::kNative ? spec.image.path_or_name
                                                           : imported_tag(spec.image.path_or_name);
  settings.cgroup_parent = default_cgroup_parent();
  settings.capability_bounding_set = facts().capability_bounding_set;
  return settings;
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
