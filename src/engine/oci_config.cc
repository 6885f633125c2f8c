#include "engine/oci_config.h"

#include <algorithm>

#include "engine/node_facts.h"

namespace cnfctl::engine {
namespace {

using nlohmann::json;

json mount(const std::string& destination, const std::string& type, const std::string& source,
           std::vector<std::string> options) {
  return json{{"destination", destination},
              {"type", type},
              {"source", source},
              {"options", std::move(options)}};
}

}  // namespace

const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return caps;
}

json make_oci_config(const ContainerSpec& spec, const OciBundleSettings& settings) {
  const auto available = capabilities_in(settings.capability_bounding_set);
  std::vector<std::string> caps;
  if (spec.privileged) {
    caps = available;
  } else {
    caps = default_capabilities();
    for (const auto& cap : spec.normalized_capabilities()) {
      if (std::find(caps.begin(), caps.end(), cap) == caps.end()) caps.push_back(cap);
    }
    std::erase_if(caps, [&](const std::string& cap) {
      return std::find(available.begin(), available.end(), cap) == available.end();
    });
  }

  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  for (const auto& [key, value] : spec.full_env()) env.push_back(key + "=" + value);

  json process = {
      {"terminal", false},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", spec.effective_command()},
      {"env", env},
      {"cwd", "/"},
      {"capabilities",
       {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
      {"rlimits", json::array({{{"type", "RLIMIT_NOFILE"},
                                {"hard", settings.nofile_limit},
                                {"soft", settings.nofile_limit}}})},
      {"noNewPrivileges", false},
  };

  const bool privileged = spec.privileged;
  json mounts = json::array();
  mounts.push_back(mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}));
  if (privileged) {
    mounts.push_back(mount("/dev", "bind", "/dev", {"rbind", "nosuid"}));
  } else {
    mounts.push_back(
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
    mounts.push_back(mount("/dev/pts", "devpts", "devpts",
                           {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}));
    mounts.push_back(mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
  }
  mounts.push_back(
      mount("/dev/shm", "tmpfs", "shm", {"nosuid", "nodev", "mode=1777", "size=67108864"}));
  mounts.push_back(mount("/sys", "sysfs", "sysfs",
                         privileged ? std::vector<std::string>{"nosuid", "noexec", "nodev"}
                                    : std::vector<std::string>{"nosuid", "noexec", "nodev", "ro"}));
  mounts.push_back(
      mount("/sys/fs/cgroup", "cgroup", "cgroup",
            privileged ? std::vector<std::string>{"nosuid", "noexec", "nodev", "relatime"}
                       : std::vector<std::string>{"nosuid", "noexec", "nodev", "relatime", "ro"}));
  // The overlay holds no submounts: the host's /tmp and /run contents would show through.
  mounts.push_back(mount("/tmp", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=1777"}));
  mounts.push_back(mount("/run", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=755"}));
  for (const auto& m : spec.mounts) {
    std::vector<std::string> options = {"rbind", "rprivate"};
    if (m.read_only) options.push_back("ro");
    mounts.push_back(mount(m.guest, "bind", m.host, options));
  }

  json namespaces =
      json::array({{{"type", "pid"}}, {{"type", "ipc"}}, {{"type", "uts"}}, {{"type", "mount"}}});
  if (spec.network == Network::kNone) namespaces.push_back({{"type", "network"}});

  json resources = json::object();
  resources["devices"] = json::array({{{"allow", privileged}, {"access", "rwm"}}});
  json cpu = json::object();
  if (settings.pin && !spec.cpuset_cpus.empty()) cpu["cpus"] = cpu_list_text(spec.cpuset_cpus);
  if (settings.pin && !spec.cpuset_mems.empty()) cpu["mems"] = cpu_list_text(spec.cpuset_mems);
  if (!cpu.empty()) resources["cpu"] = cpu;

  json linux_section = {
      {"resources", resources},
      {"cgroupsPath", settings.cgroups_path},
      {"namespaces", namespaces},
  };
  if (!privileged) {
    linux_section["maskedPaths"] = {"/proc/acpi",          "/proc/kcore",      "/proc/keys",
                                    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                    "/proc/sched_debug",   "/proc/scsi",       "/sys/firmware"};
    linux_section["readonlyPaths"] = {"/proc/asound", "/proc/bus", "/proc/fs",
                                      "/proc/irq",    "/proc/sys", "/proc/sysrq-trigger"};
  }

  return json{
      {"ociVersion", "1.0.2"},
      {"process", process},
      {"root", {{"path", settings.rootfs}, {"readonly", false}}},
      {"hostname", spec.name},
      {"mounts", mounts},
      {"linux", linux_section},
  };
}

}  // namespace cnfctl::engine
