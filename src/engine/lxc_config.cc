#include "engine/lxc_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <stdexcept>

#include "engine/oci_config.h"

namespace cnfctl::engine {
namespace {

std::string lower_cap(const std::string& cap) {
  std::string name = cap.substr(4);  // without CAP_
  std::transform(name.begin(), name.end(), name.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return name;
}

}  // namespace

std::string lxc_base_config() {
  return "lxc.net.0.type = empty\n";
}

std::string lxc_container_config(const ContainerSpec& spec, const LxcSettings& settings) {
  std::string text = std::string(kLxcConfigMarker) + "\n";
  auto line = [&](const std::string& key, const std::string& value) {
    text += fmt::format("{} = {}\n", key, value);
  };
  if (!settings.rootfs.empty()) line("lxc.rootfs.path", settings.rootfs);
  line("lxc.uts.name", spec.name);
  line("lxc.net.0.type", spec.network == Network::kHost ? "none" : "empty");
  line("lxc.apparmor.profile", "unconfined");
  line("lxc.autodev", "1");
  line("lxc.mount.auto",
       spec.privileged ? "proc:rw sys:rw cgroup:rw" : "proc:mixed sys:ro cgroup:mixed");
  // The tmpfs-on-/run fix (lxc/lxc#434), and private /tmp and /dev/shm: an overlay of the host
  // holds no submounts, so the host's files would show through.
  line("lxc.mount.entry", "tmpfs tmp tmpfs defaults,mode=1777 0 0");
  line("lxc.mount.entry", "tmpfs run tmpfs defaults,mode=755 0 0");
  line("lxc.mount.entry", "tmpfs dev/shm tmpfs defaults,mode=1777,create=dir 0 0");
  for (std::size_t i = 0; i < spec.mounts.size(); ++i) {
    const auto& m = spec.mounts[i];
    std::string guest = i < settings.mount_guest.size() && !settings.mount_guest[i].empty()
                            ? settings.mount_guest[i].substr(1)
                            : m.guest.substr(1);
    while (guest.size() > 1 && guest.back() == '/') guest.pop_back();
    bool dir = i < settings.mount_is_dir.size() ? settings.mount_is_dir[i] : true;
    line("lxc.mount.entry",
         fmt::format("{} {} none bind,{}{} 0 0", m.host, guest, dir ? "create=dir" : "create=file",
                     m.read_only ? ",ro" : ""));
  }
  line("lxc.prlimit.nofile", std::to_string(settings.nofile_limit));
  const std::string prefix = settings.cgroup_v2 ? "lxc.cgroup2." : "lxc.cgroup.";
  if (!spec.cpuset_cpus.empty()) line(prefix + "cpuset.cpus", cpu_list_text(spec.cpuset_cpus));
  if (!spec.cpuset_mems.empty()) line(prefix + "cpuset.mems", cpu_list_text(spec.cpuset_mems));
  if (!settings.cgroup_dir.empty()) {
    line("lxc.cgroup.dir.container", settings.cgroup_dir);
    line("lxc.cgroup.dir.monitor", settings.cgroup_dir + ".monitor");
    line("lxc.cgroup.dir.monitor.pivot", settings.cgroup_dir + ".pivot");
  }
  // Privileged keeps every capability of the bounding set (LXC's default for root containers).
  if (!spec.privileged) {
    std::vector<std::string> keep;
    for (const auto& cap : default_capabilities()) keep.push_back(lower_cap(cap));
    for (const auto& cap : spec.normalized_capabilities()) {
      if (std::find(keep.begin(), keep.end(), lower_cap(cap)) == keep.end()) {
        keep.push_back(lower_cap(cap));
      }
    }
    line("lxc.cap.keep", fmt::format("{}", fmt::join(keep, " ")));
  }
  for (const auto& [key, value] : spec.full_env()) line("lxc.environment", key + "=" + value);
  // Our idle init exits on SIGTERM; LXC's default halt signal (SIGPWR) is for system inits.
  line("lxc.signal.halt", "SIGTERM");
  if (!settings.console_log.empty()) line("lxc.console.logfile", settings.console_log);
  return text;
}

std::string lxc_resolve_in_rootfs(const std::string& guest, const RootfsReadlink& readlink) {
  std::deque<std::string> rest;
  auto push_front_components = [&rest](const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
      auto slash = path.find('/', start);
      if (slash == std::string::npos) slash = path.size();
      if (slash > start) parts.push_back(path.substr(start, slash - start));
      start = slash + 1;
    }
    rest.insert(rest.begin(), parts.begin(), parts.end());
  };
  push_front_components(guest);
  std::vector<std::string> resolved;
  auto joined = [&resolved] {
    std::string path;
    for (const auto& part : resolved) path += "/" + part;
    return path.empty() ? std::string("/") : path;
  };
  int links = 0;
  while (!rest.empty()) {
    std::string part = rest.front();
    rest.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    resolved.push_back(part);
    auto target = readlink(joined());
    if (!target) continue;
    if (++links > 40) {
      throw std::runtime_error(
          fmt::format("too many symlinks in the rootfs on the way to {}", guest));
    }
    resolved.pop_back();
    if (!target->empty() && target->front() == '/') resolved.clear();
    push_front_components(*target);
  }
  return joined();
}

std::string lxc_merge_config(const std::string& existing, const std::string& block) {
  std::string base = existing;
  auto marker = base.find(kLxcConfigMarker);
  if (marker != std::string::npos) base.erase(marker);
  if (!base.empty() && base.back() != '\n') base += '\n';
  return base + block;
}

}  // namespace cnfctl::engine
