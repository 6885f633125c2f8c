#include "plan/guest_paths.h"

#include <fmt/format.h>

#include <map>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "nf/detached.h"
#include "nf/driver.h"
#include "topology/values.h"

namespace cnfctl::plan {
namespace {

// A guest path cnfctl uses in a container. `owned`: cnfctl's own directory or file, which no
// user mount may equal, lie inside or contain; otherwise a file system every container gets
// (/tmp, /run, ...), which a user mount may not replace but may mount inside.
struct Reserved {
  std::string path;
  std::string what;
  bool owned = true;
};

constexpr const char* kSocketDirWhat = "the run's memif socket directory";

// "/var/run/x" is "/run/x" inside a container (/var/run is a symlink to /run).
std::string canonical(std::string_view path) {
  if (path == "/var/run") return "/run";
  if (path.starts_with("/var/run/")) return "/run" + std::string(path.substr(8));
  return std::string(path);
}

bool inside(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

std::vector<Reserved> reserved_paths(const Plan& plan, const PlannedContainer& c) {
  std::vector<Reserved> out;
  for (const char* fs : {"/proc", "/sys", "/dev", "/dev/shm", "/dev/pts", "/tmp", "/run"}) {
    out.push_back({fs, "a file system every container gets", false});
  }
  if (c.engine == topology::EngineKind::kDocker && c.image.kind == topology::ImageKind::kHost) {
    for (const char* bind : {"/usr", "/etc", "/opt", "/srv"}) {
      out.push_back(
          {bind, "a read-only bind of the node's directory (docker `host` image)", false});
    }
  }
  out.push_back({nf::kNfLogGuestPath, "the NF log cnfctl writes"});
  out.push_back({nf::kNfPidGuestPath, "the NF pid file cnfctl writes"});
  if (!c.links.empty()) out.push_back({plan.guest_socket_dir, kSocketDirWhat});
  if (c.vpp_sockets) out.push_back({c.vpp_sockets->guest_dir, "VPP's socket directory"});
  if (c.dpdk_runtime_dir) out.push_back({*c.dpdk_runtime_dir, "DPDK's runtime directory"});
  for (const auto& f : c.nf.files) {
    out.push_back(
        {f.guest_path, fmt::format("a {} file cnfctl writes", topology::to_string(c.nf.kind))});
  }
  for (auto& r : out) r.path = canonical(r.path);
  return out;
}

// Why a mount at `guest` collides with `r`, or "".
std::string collision(const std::string& guest, const Reserved& r) {
  if (guest == r.path) return fmt::format("is {}", r.what);
  if (!r.owned) return "";
  if (inside(guest, r.path)) return fmt::format("lies inside {} {}", r.what, r.path);
  if (inside(r.path, guest)) return fmt::format("contains {} {}", r.what, r.path);
  return "";
}

void check_system_dir(const std::string& path, const topology::SourceLocation& where,
                      std::string_view what) {
  if (!topology::is_system_directory(path)) return;
  throw Error::bad_input(where.str(),
                         fmt::format("{} {} is a system directory: cnfctl makes it for the run and "
                                     "removes it at `down`; choose another directory",
                                     what, path));
}

}  // namespace

void check_reserved_paths(const topology::Topology& topology, const Plan& plan) {
  std::map<std::string, const topology::ContainerGroup*> group_of;
  for (const auto& g : topology.containers) {
    for (unsigned n = 1; n <= g.count; ++n) group_of[g.container_name(n)] = &g;
  }
  check_system_dir(plan.host_socket_dir, topology.paths.where.of("socket_dir"),
                   "the run's memif socket directory <socket_dir>/<run>");
  for (const auto& c : plan.containers) {
    const auto it = group_of.find(c.name);
    if (it == group_of.end()) continue;
    const auto& group = *it->second;
    if (c.vpp_sockets) {
      check_system_dir(c.vpp_sockets->host_dir, topology.paths.where.of("vpp_socket_base"),
                       "VPP's socket directory <vpp_socket_base>/<container id>");
    }
    const auto reserved = reserved_paths(plan, c);
    for (std::size_t i = 0; i < group.mounts.size(); ++i) {
      const auto& mount = group.mounts[i];
      const auto guest = canonical(mount.guest);
      for (const auto& r : reserved) {
        const auto why = collision(guest, r);
        if (why.empty()) continue;
        throw Error::bad_input(
            mount.where.str(),
            fmt::format("mounts[{}]: guest path {} {} in container {}; cnfctl mounts or writes "
                        "it itself: choose another guest path",
                        i, mount.guest, why, c.name));
      }
    }
    if (c.links.empty()) continue;
    const auto socket_dir = canonical(plan.guest_socket_dir);
    for (const auto& r : reserved) {
      if (r.what == kSocketDirWhat) continue;  // itself
      const auto why = collision(socket_dir, r);
      if (why.empty()) continue;
      throw Error::bad_input(
          topology.paths.where.of("guest_socket_dir").str(),
          fmt::format("guest_socket_dir: {} {} in container {}; choose another guest directory "
                      "(default /run/cnfctl/memif)",
                      plan.guest_socket_dir, why, c.name));
    }
  }
}

}  // namespace cnfctl::plan
