#include "engine/docker_remains.h"

#include <algorithm>
#include <sstream>

namespace cnfctl::engine {
namespace {

bool is_pid(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_shim(const ListedProcess& p) {
  return !p.argv.empty() && p.argv[0].find("containerd-shim") != std::string::npos;
}

// The value of option `name` in `argv`: "name VALUE" or "name=VALUE" ("" when absent).
std::vector<std::string> option_values(const std::vector<std::string>& argv,
                                       const std::string& name) {
  std::vector<std::string> values;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i] == name && i + 1 < argv.size()) values.push_back(argv[++i]);
    if (argv[i].rfind(name + "=", 0) == 0) values.push_back(argv[i].substr(name.size() + 1));
  }
  return values;
}

std::string option_value(const std::vector<std::string>& argv, const std::string& name) {
  auto values = option_values(argv, name);
  return values.empty() ? std::string() : values.back();
}

bool is_default_host(const std::string& host) {
  return host == "unix:///var/run/docker.sock" || host == "unix:///run/docker.sock" ||
         host.rfind("fd://", 0) == 0;
}

}  // namespace

std::vector<ListedProcess> parse_process_listing(const std::string& listing) {
  std::vector<ListedProcess> processes;
  std::istringstream stream(listing);
  std::vector<std::string> lines;
  auto flush = [&] {
    if (lines.size() > 1 && is_pid(lines[0])) {
      processes.push_back({.pid = lines[0], .argv = {lines.begin() + 1, lines.end()}});
    }
    lines.clear();
  };
  for (std::string line; std::getline(stream, line);) {
    if (line.empty()) {
      flush();
    } else {
      lines.push_back(line);
    }
  }
  flush();
  return processes;
}

std::vector<ShimProcess> shims_serving(const std::string& listing, const std::string& id) {
  std::vector<ShimProcess> shims;
  for (const auto& p : parse_process_listing(listing)) {
    if (!is_shim(p) || p.argv.back() == "delete") continue;
    const std::string address = option_value(p.argv, "-address");
    if (option_value(p.argv, "-id") == id && option_value(p.argv, "-namespace") == "moby" &&
        !address.empty()) {
      shims.push_back({.pid = p.pid, .address = address});
    }
  }
  return shims;
}

bool cleanup_running(const std::string& listing, const std::string& id) {
  for (const auto& p : parse_process_listing(listing)) {
    if (is_shim(p)) {
      if (p.argv.back() == "delete" && option_value(p.argv, "-id") == id) return true;
    } else if (base_name(p.argv[0]) == "runc" && p.argv.back() == id &&
               std::find(p.argv.begin(), p.argv.end(), "delete") != p.argv.end()) {
      return true;
    }
  }
  return false;
}

DockerdPaths dockerd_paths(const std::string& listing, const std::string& daemon_host) {
  for (const auto& p : parse_process_listing(listing)) {
    if (base_name(p.argv[0]) != "dockerd") continue;
    auto hosts = option_values(p.argv, "-H");
    for (const auto& h : option_values(p.argv, "--host")) hosts.push_back(h);
    const bool serves =
        daemon_host.empty() || is_default_host(daemon_host)
            ? hosts.empty() || std::any_of(hosts.begin(), hosts.end(), is_default_host)
            : std::find(hosts.begin(), hosts.end(), daemon_host) != hosts.end();
    if (!serves) continue;
    DockerdPaths paths;
    paths.exec_root = option_value(p.argv, "--exec-root");
    if (paths.exec_root.empty()) paths.exec_root = "/var/run/docker";
    paths.containerd_address = option_value(p.argv, "--containerd");
    if (paths.containerd_address.empty()) {
      paths.containerd_address = paths.exec_root + "/containerd/containerd.sock";
    }
    return paths;
  }
  return {};
}

}  // namespace cnfctl::engine
