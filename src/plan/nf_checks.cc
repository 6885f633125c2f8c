#include "plan/nf_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>

#include "common/error.h"
#include "engine/host_skeleton.h"

namespace cnfctl::plan {
namespace {

// True when `path` is `dir` or below it ("/tmp" holds "/tmp/x", not "/tmpfoo").
bool is_under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir ||
         (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

std::string parent_dir(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

}  // namespace

std::optional<bool> default_file_facts(const topology::Node& node, const std::string& path) {
  if (node.type != topology::NodeKind::kLocal) return std::nullopt;
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

std::string vpp_default_plugin_dir(const std::string& binary) {
  return parent_dir(parent_dir(binary)) + "/lib/x86_64-linux-gnu/vpp_plugins";
}

namespace {

// The dirs of the node that docker's `host` image binds into a container.
std::vector<std::string> docker_host_image_dirs() {
  std::vector<std::string> seen;
  for (const auto* list : {&engine::host_os_dirs(), &engine::host_compat_names()}) {
    for (const auto& dir : *list) seen.push_back("/" + dir);
  }
  return seen;
}

// The dir of a `host`-image container that hides the node's `path`, or nullptr.
const char* private_dir_over(const std::string& path) {
  for (const char* private_dir : {"/tmp", "/run", "/var/run", "/dev/shm"}) {
    if (is_under(path, private_dir)) return private_dir;
  }
  return nullptr;
}

}  // namespace

bool visible_in_container(const nf::PlannedContainer& c, const std::string& path) {
  if (c.image.kind != topology::ImageKind::kHost) return true;
  for (const auto& m : c.mounts) {
    if (is_under(path, m.guest)) return true;  // the container sees the mount's source there
  }
  if (c.engine == topology::EngineKind::kDocker) {
    const auto seen = docker_host_image_dirs();
    return std::any_of(seen.begin(), seen.end(), [&](const auto& d) { return is_under(path, d); });
  }
  return private_dir_over(path) == nullptr;
}

void require_visible_in_container(const nf::PlannedContainer& c, const std::string& path,
                                  const std::string& what, const topology::SourceLocation& where) {
  if (visible_in_container(c, path)) return;
  if (c.engine == topology::EngineKind::kDocker) {
    throw Error::bad_input(
        where.str(),
        fmt::format("{} {} is outside what container {} sees of the node: docker's `host` image "
                    "binds only {} (install it there, or mount its folder into the container)",
                    what, path, c.name, fmt::join(docker_host_image_dirs(), ", ")));
  }
  throw Error::bad_input(
      where.str(),
      fmt::format("{} {} is under {}, which container {} has a private one of (the `host` image "
                  "shares the node's files except /tmp, /run and /dev/shm): inside, it would not "
                  "be found. Put it elsewhere (e.g. /opt or a build folder), or mount its folder "
                  "into the container",
                  what, path, private_dir_over(path), c.name));
}

void require_vpp_cpu_rules(const nf::PlannedContainer& c, const topology::ContainerGroup& group) {
  if (!c.main_cpu) return;
  std::set<int> seen;
  for (int worker : c.workers) {
    if (worker == *c.main_cpu) {
      throw Error::bad_input(
          group.where.self.str(),
          fmt::format("container {}: cpu {} would be both VPP's main-core and one of its "
                      "corelist-workers ({}), which VPP refuses (\"cpu {} is not available to be "
                      "used for the 'workers' thread\"); give the group distinct cpus, or one cpu "
                      "for a main thread only",
                      c.name, worker, fmt::join(c.workers, ","), worker));
    }
    if (!seen.insert(worker).second) {
      throw Error::bad_input(group.where.self.str(),
                             fmt::format("container {}: cpu {} appears twice among VPP's "
                                         "corelist-workers ({}), which VPP refuses",
                                         c.name, worker, fmt::join(c.workers, ",")));
    }
  }
}

void check_nginx_container(const nf::PlannedContainer& c, const topology::ContainerGroup& group,
                           const std::string& ldpreload_library) {
  const auto& o = group.nf.nginx();
  const auto& where = group.nf.where;
  require_visible_in_container(c, o.binary, "the nginx binary", where.of("binary"));
  if (!o.ldpreload) return;
  const auto& preload_where = o.ldp ? o.ldp->where : where.of("ldpreload");
  if (!ldpreload_library.empty()) {
    require_visible_in_container(c, ldpreload_library, "the VCL LD_PRELOAD library",
                                 o.ldp && !o.ldp->library.empty() ? o.ldp->where : preload_where);
  }
  // With `ldp` cnfctl writes the VCL config into the container; without, VCL reads the file the
  // node has at that path, which the container must see.
  if (!o.ldp) {
    require_visible_in_container(c, o.vcl_config, "the VCL config file",
                                 where.has("vcl_config") ? where.of("vcl_config") : preload_where);
  }
}

void check_vpp_container(const nf::PlannedContainer& c, const topology::ContainerGroup& group,
                         const topology::Node& node, const FileFacts& facts) {
  const auto& o = group.nf.vpp();
  const auto& where = group.nf.where;
  const std::string binary = c.nf.argv.empty() ? o.binary : c.nf.argv.front();
  require_visible_in_container(c, binary, "the VPP binary", where.of("binary"));
  require_vpp_cpu_rules(c, group);

  std::string plugin_dir = o.plugin_path;
  std::string plugin_dir_what = "the VPP plugin dir (plugin_path)";
  if (plugin_dir.empty()) {
    // VPP finds its plugins relative to its binary; that folder is known only when the binary is.
    if (!facts || facts(node, binary) != std::optional<bool>(true)) return;
    plugin_dir = vpp_default_plugin_dir(binary);
    plugin_dir_what = "the plugin dir of VPP " + binary;
  } else {
    require_visible_in_container(c, plugin_dir, plugin_dir_what, where.of("plugin_path"));
  }
  if (!facts) return;
  const auto dir_exists = facts(node, plugin_dir);
  if (!dir_exists) return;  // cannot tell without reaching the node
  const auto& plugins_where = where.of(o.plugin_path.empty() ? "plugins" : "plugin_path");
  if (!*dir_exists) {
    throw Error::bad_input(
        plugins_where.str(),
        fmt::format("{} {} does not exist on node {}: VPP would load no plugin at all (and fail "
                    "at its first `create memif`)",
                    plugin_dir_what, plugin_dir, node.name));
  }
  for (const auto& plugin : o.plugins) {
    if (facts(node, plugin_dir + "/" + plugin) == std::optional<bool>(false)) {
      throw Error::bad_input(where.of("plugins").str(),
                             fmt::format("VPP plugin {} is not in {} {} on node {}", plugin,
                                         plugin_dir_what, plugin_dir, node.name));
    }
  }
}

}  // namespace cnfctl::plan
