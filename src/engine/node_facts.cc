#include "engine/node_facts.h"

#include <algorithm>
#include <sstream>

namespace cnfctl::engine {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream stream(text);
  while (std::getline(stream, part, separator)) parts.push_back(part);
  return parts;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(const std::string& text) {
  std::string result;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size()) {
      bool octal = true;
      for (std::size_t k = 1; k <= 3; ++k) {
        if (text[i + k] < '0' || text[i + k] > '7') octal = false;
      }
      if (octal) {
        result.push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                           (text[i + 3] - '0')));
        i += 3;
        continue;
      }
    }
    result.push_back(text[i]);
  }
  return result;
}

struct MountLine {
  std::string mount_point;
  std::string fs_type;
  std::string super_options;
};

// "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"
bool parse_mount_line(const std::string& line, MountLine& out) {
  std::istringstream stream(line);
  std::vector<std::string> fields;
  std::string field;
  while (stream >> field) fields.push_back(field);
  auto dash = std::find(fields.begin(), fields.end(), "-");
  if (fields.size() < 7 || dash == fields.end() || fields.end() - dash < 3) return false;
  out.mount_point = unescape_octal(fields[4]);
  out.fs_type = *(dash + 1);
  out.super_options = *(dash + 3);
  return true;
}

}  // namespace

const std::vector<std::string>& capability_names() {
  static const std::vector<std::string> names = {"CAP_CHOWN",
                                                 "CAP_DAC_OVERRIDE",
                                                 "CAP_DAC_READ_SEARCH",
                                                 "CAP_FOWNER",
                                                 "CAP_FSETID",
                                                 "CAP_KILL",
                                                 "CAP_SETGID",
                                                 "CAP_SETUID",
                                                 "CAP_SETPCAP",
                                                 "CAP_LINUX_IMMUTABLE",
                                                 "CAP_NET_BIND_SERVICE",
                                                 "CAP_NET_BROADCAST",
                                                 "CAP_NET_ADMIN",
                                                 "CAP_NET_RAW",
                                                 "CAP_IPC_LOCK",
                                                 "CAP_IPC_OWNER",
                                                 "CAP_SYS_MODULE",
                                                 "CAP_SYS_RAWIO",
                                                 "CAP_SYS_CHROOT",
                                                 "CAP_SYS_PTRACE",
                                                 "CAP_SYS_PACCT",
                                                 "CAP_SYS_ADMIN",
                                                 "CAP_SYS_BOOT",
                                                 "CAP_SYS_NICE",
                                                 "CAP_SYS_RESOURCE",
                                                 "CAP_SYS_TIME",
                                                 "CAP_SYS_TTY_CONFIG",
                                                 "CAP_MKNOD",
                                                 "CAP_LEASE",
                                                 "CAP_AUDIT_WRITE",
                                                 "CAP_AUDIT_CONTROL",
                                                 "CAP_SETFCAP",
                                                 "CAP_MAC_OVERRIDE",
                                                 "CAP_MAC_ADMIN",
                                                 "CAP_SYSLOG",
                                                 "CAP_WAKE_ALARM",
                                                 "CAP_BLOCK_SUSPEND",
                                                 "CAP_AUDIT_READ",
                                                 "CAP_PERFMON",
                                                 "CAP_BPF",
                                                 "CAP_CHECKPOINT_RESTORE"};
  return names;
}

std::vector<std::string> capabilities_in(std::uint64_t mask) {
  std::vector<std::string> result;
  const auto& names = capability_names();
  for (std::size_t bit = 0; bit < names.size(); ++bit) {
    if ((mask >> bit) & 1U) result.push_back(names[bit]);
  }
  return result;
}

std::vector<std::string> capabilities_missing(std::uint64_t mask) {
  std::vector<std::string> result;
  const auto& names = capability_names();
  for (std::size_t bit = 0; bit < names.size(); ++bit) {
    if (((mask >> bit) & 1U) == 0) result.push_back(names[bit]);
  }
  return result;
}

std::string NodeFacts::cgroup_layout() const {
  bool v1 = false;
  bool unified = false;
  for (const auto& mount : cgroup_mounts) {
    if (mount.v2 && mount.path == "/sys/fs/cgroup") return "v2";
    (mount.v2 ? unified : v1) = true;
  }
  if (v1 && unified) return "hybrid";
  return v1 ? "v1" : (unified ? "v2" : "v1");
}

std::string NodeFacts::cpuset_v1_mount() const {
  for (const auto& mount : cgroup_mounts) {
    if (!mount.v2 && std::find(mount.controllers.begin(), mount.controllers.end(), "cpuset") !=
                         mount.controllers.end()) {
      return mount.path;
    }
  }
  return {};
}

std::string NodeFacts::unified_root() const {
  if (cgroup_layout() != "v2") return {};
  for (const auto& mount : cgroup_mounts) {
    if (mount.v2) return mount.path;
  }
  return {};
}

std::vector<std::string> NodeFacts::all_mount_points() const {
  std::vector<std::string> result;
  for (const auto& mount : cgroup_mounts) result.push_back(mount.path);
  return result;
}

NodeFacts parse_node_facts(const std::string& text) {
  NodeFacts facts;
  for (const auto& line : split(text, '\n')) {
    if (line.rfind("CapBnd:", 0) == 0) {
      try {
        facts.capability_bounding_set = std::stoull(line.substr(7), nullptr, 16);
      } catch (const std::exception&) {
      }
    } else if (line.rfind("Max open files", 0) == 0) {
      std::istringstream stream(line.substr(14));
      std::string soft;
      std::string hard;
      stream >> soft >> hard;
      if (!hard.empty() && hard != "unlimited") {
        try {
          facts.nofile_hard_limit = std::stoull(hard);
        } catch (const std::exception&) {
        }
      }
    } else {
      MountLine mount;
      if (!parse_mount_line(line, mount)) continue;
      if (mount.fs_type == "cgroup2") {
        facts.cgroup_mounts.push_back({mount.mount_point, true, {}});
      } else if (mount.fs_type == "cgroup") {
        CgroupMount cgroup{mount.mount_point, false, {}};
        for (const auto& option : split(mount.super_options, ',')) {
          if (option != "rw" && option != "ro") cgroup.controllers.push_back(option);
        }
        facts.cgroup_mounts.push_back(std::move(cgroup));
      }
    }
  }
  return facts;
}

std::vector<std::string> parse_mount_points(const std::string& mountinfo) {
  std::vector<std::string> result;
  for (const auto& line : split(mountinfo, '\n')) {
    MountLine mount;
    if (parse_mount_line(line, mount)) result.push_back(mount.mount_point);
  }
  return result;
}

}  // namespace cnfctl::engine
