#include "engine/container_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/error.h"
#include "common/names.h"
#include "cpu/cpu_list.h"

namespace cnfctl::engine {
namespace {

bool is_clean_absolute(const std::string& path) {
  if (path.empty() || path.front() != '/') return false;
  if (path.find('\0') != std::string::npos) return false;
  std::size_t start = 1;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (path.compare(start, end - start, "..") == 0) return false;
    start = end + 1;
  }
  return true;
}

// Paths that end up in LXC config lines, OCI JSON and docker `-v a:b:ro` arguments: refuse the
// separators of those formats rather than escaping them differently per engine.
bool is_plain_path(const std::string& path) {
  return std::none_of(path.begin(), path.end(), [](char c) {
    return c == ':' || c == ',' || c == '\n' || c == ' ' || c == '\t';
  });
}

bool is_env_name(const std::string& name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string strip_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

const std::vector<std::string> kIdleCommand = {"/bin/sh", "-c",
                                               "trap 'exit 0' TERM INT; sleep 2147483647 & wait"};

Image Image::parse(const std::string& text, const std::string& where) {
  require_input(!text.empty(), where, "the image is empty (use 'host', 'dir:/path' or a name)");
  if (text == "host") return Image{};
  if (text.rfind("dir:", 0) == 0) {
    std::string path = strip_trailing_slash(text.substr(4));
    require_input(is_clean_absolute(path) && is_plain_path(path), where,
                  fmt::format("'{}': a directory image needs an absolute path without '..', "
                              "spaces, ':' or ','",
                              text));
    return Image{Kind::kDirectory, path};
  }
  require_input(std::none_of(text.begin(), text.end(),
                             [](char c) { return c == ' ' || c == '\n' || c == '\t'; }) &&
                    text.front() != '-',
                where, fmt::format("'{}' is not an image name", text));
  return Image{Kind::kNative, text};
}

std::string Image::text() const {
  switch (kind) {
    case Kind::kHost:
      return "host";
    case Kind::kDirectory:
      return "dir:" + path_or_name;
    case Kind::kNative:
      return path_or_name;
  }
  return {};
}

void ContainerSpec::validate() const {
  require_safe_name(name, "container name", "container");
  const std::string where = "container " + name;
  if (image.kind == Image::Kind::kDirectory) {
    require_input(
        is_clean_absolute(image.path_or_name) && is_plain_path(image.path_or_name), where,
        fmt::format("image directory '{}' is not a clean absolute path", image.path_or_name));
  }
  if (image.kind == Image::Kind::kNative) {
    require_input(!image.path_or_name.empty(), where, "the image name is empty");
  }
  auto check_cpus = [&](const std::vector<unsigned>& list, const char* what) {
    std::set<unsigned> seen(list.begin(), list.end());
    require_input(seen.size() == list.size(), where, fmt::format("{} lists a CPU twice", what));
    require_input(std::all_of(list.begin(), list.end(), [](unsigned c) { return c < 8192; }), where,
                  fmt::format("{} has a number above 8191", what));
  };
  check_cpus(cpuset_cpus, "cpuset cpus");
  check_cpus(cpuset_mems, "cpuset mems");

  std::set<std::string> guests;
  for (const auto& mount : mounts) {
    require_input(is_clean_absolute(mount.host) && is_plain_path(mount.host), where,
                  fmt::format("mount host path '{}' must be absolute, without '..', spaces, ':' "
                              "or ','",
                              mount.host));
    require_input(is_clean_absolute(mount.guest) && is_plain_path(mount.guest) &&
                      strip_trailing_slash(mount.guest) != "/",
                  where,
                  fmt::format("mount guest path '{}' must be absolute (not '/'), without '..', "
                              "spaces, ':' or ','",
                              mount.guest));
    require_input(guests.insert(strip_trailing_slash(mount.guest)).second, where,
                  fmt::format("two mounts target '{}'", mount.guest));
  }
  for (const auto& [key, value] : env) {
    require_input(is_env_name(key), where,
                  fmt::format("environment name '{}' must match [A-Za-z_][A-Za-z0-9_]*", key));
    require_input(value.find('\0') == std::string::npos && value.find('\n') == std::string::npos,
                  where, fmt::format("environment value of '{}' contains a newline or NUL", key));
    require_input(key != kMicroserviceLabel, where,
                  fmt::format("{} is set by cnfctl to the container name", kMicroserviceLabel));
  }
  for (const auto& port : ports) {
    require_input(port.host_port != 0 && port.container_port != 0, where,
                  "published ports need a host and a container port (1-65535)");
    require_input(port.protocol == "tcp" || port.protocol == "udp" || port.protocol == "sctp",
                  where, fmt::format("port protocol '{}' is not tcp, udp or sctp", port.protocol));
  }
  require_input(ports.empty() || network != Network::kHost, where,
                "published ports make no sense with network 'host' (the ports are the host's)");
  for (const auto& arg : command) {
    require_input(arg.find('\0') == std::string::npos, where, "the command contains a NUL byte");
  }
  for (const auto& cap : normalized_capabilities()) {
    require_input(
        cap.size() > 4 && std::all_of(cap.begin() + 4, cap.end(),
                                      [](char c) { return (c >= 'A' && c <= 'Z') || c == '_'; }),
        where, fmt::format("capability '{}' is not a capability name", cap));
  }
  if (!cgroup_parent.empty()) {
    std::string parent = cgroup_parent.front() == '/' ? cgroup_parent : "/" + cgroup_parent;
    require_input(is_clean_absolute(parent) && is_plain_path(parent), where,
                  fmt::format("cgroup parent '{}' must be a clean path", cgroup_parent));
  }
  require_input(is_clean_absolute(socket_base) && is_plain_path(socket_base), where,
                fmt::format("socket base '{}' must be a clean absolute path", socket_base));
  // sun_path holds 108 bytes including the NUL.
  require_input(
      sockets().stats.size() < 108, where,
      fmt::format("socket path '{}' is longer than a unix socket path may be", sockets().stats));
}

std::map<std::string, std::string> ContainerSpec::full_env() const {
  auto result = env;
  result[kMicroserviceLabel] = name;
  return result;
}

std::vector<std::string> ContainerSpec::effective_command() const {
  return command.empty() ? kIdleCommand : command;
}

SocketPaths ContainerSpec::sockets() const {
  std::string dir = strip_trailing_slash(socket_base) + "/" + name;
  return SocketPaths{dir, dir + "/api.sock", dir + "/stats.sock", dir + "/cli.sock"};
}

std::vector<std::string> ContainerSpec::normalized_capabilities() const {
  std::vector<std::string> result;
  for (std::string cap : capabilities) {
    std::transform(cap.begin(), cap.end(), cap.begin(), [](char c) {
      return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    });
    if (cap.rfind("CAP_", 0) != 0) cap = "CAP_" + cap;
    if (std::find(result.begin(), result.end(), cap) == result.end()) result.push_back(cap);
  }
  return result;
}

std::string cpu_list_text(const std::vector<unsigned>& cpus) {
  return fmt::format("{}", fmt::join(cpus, ","));
}

std::vector<unsigned> parse_cpu_list(const std::string& text, const std::string& where) {
  // The grammar is cpu::parse_cpu_list's; this keeps the engine's message and its bound of five
  // digits per number (a range like 0-4294967295 would expand to billions of entries).
  const std::string message = fmt::format("'{}' is not a CPU list like 0-3,6", text);
  std::size_t digits = 0;
  for (char c : text) {
    digits = (c >= '0' && c <= '9') ? digits + 1 : 0;
    require_input(digits <= 5, where, message);
  }
  std::vector<int> cpus;
  try {
    cpus = cpu::parse_cpu_list(text, where);
  } catch (const Error&) {
    throw Error::bad_input(where, message);
  }
  return {cpus.begin(), cpus.end()};
}

}  // namespace cnfctl::engine
