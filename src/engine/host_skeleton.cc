#include "engine/host_skeleton.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/error.h"

namespace cnfctl::engine {
namespace {

constexpr std::size_t kBlock = 512;

// Writes `value` as zero-padded octal into the `size`-byte field at `field`, NUL-terminated.
void put_octal(char* field, std::size_t size, std::uint64_t value) {
  std::string text = fmt::format("{:0{}o}", value, size - 1);
  if (text.size() > size - 1)
    throw Error(fmt::format("tar: {} does not fit a header field", value));
  std::memcpy(field, text.data(), text.size());
  field[size - 1] = '\0';
}

void put_text(char* field, std::size_t size, const std::string& text, const std::string& what) {
  if (text.size() > size) {
    throw Error(fmt::format("tar: {} '{}' is longer than {} bytes", what, text, size));
  }
  std::memcpy(field, text.data(), text.size());
}

bool bad_path(const std::string& path) {
  if (path.empty() || path.front() == '/') return true;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string part = path.substr(start, end - start);
    if (part == ".." || part == "." || (part.empty() && end != path.size())) return true;
    start = end + 1;
  }
  return false;
}

std::string header(const TarEntry& entry) {
  if (bad_path(entry.path)) throw Error(fmt::format("tar: bad entry path '{}'", entry.path));
  std::string block(kBlock, '\0');
  char* h = block.data();
  std::string name = entry.path;
  if (entry.type == TarEntry::Type::kDirectory && name.back() != '/') name += '/';
  put_text(h + 0, 99, name, "path");
  put_octal(h + 100, 8, entry.mode & 07777);
  put_octal(h + 108, 8, 0);  // uid
  put_octal(h + 116, 8, 0);  // gid
  put_octal(h + 124, 12, entry.type == TarEntry::Type::kFile ? entry.bytes.size() : 0);
  put_octal(h + 136, 12, 0);  // mtime: fixed, so the same entries give the same bytes
  std::memset(h + 148, ' ', 8);
  switch (entry.type) {
    case TarEntry::Type::kFile:
      h[156] = '0';
      break;
    case TarEntry::Type::kSymlink:
      h[156] = '2';
      if (entry.link_target.empty()) {
        throw Error(fmt::format("tar: symlink '{}' has no target", entry.path));
      }
      put_text(h + 157, 100, entry.link_target, "link target");
      break;
    case TarEntry::Type::kDirectory:
      h[156] = '5';
      break;
  }
  std::memcpy(h + 257, "ustar", 6);  // magic, NUL-terminated
  std::memcpy(h + 263, "00", 2);     // version
  put_text(h + 265, 32, "root", "user name");
  put_text(h + 297, 32, "root", "group name");
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  put_octal(h + 148, 7, sum);  // six digits and NUL, then the space left from the memset
  return block;
}

// FNV-1a, 64 bits: a content hash for the tag (not a security property).
std::uint64_t fnv1a(const std::string& bytes) {
  std::uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::string write_tar(const std::vector<TarEntry>& entries) {
  std::string out;
  for (const auto& entry : entries) {
    out += header(entry);
    if (entry.type == TarEntry::Type::kFile) {
      out += entry.bytes;
      out.append((kBlock - entry.bytes.size() % kBlock) % kBlock, '\0');
    }
  }
  out.append(2 * kBlock, '\0');
  return out;
}

const std::vector<std::string>& host_os_dirs() {
  static const std::vector<std::string> dirs = {"usr", "etc", "opt", "srv"};
  return dirs;
}

const std::vector<std::string>& host_compat_names() {
  static const std::vector<std::string> names = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
  return names;
}

std::vector<std::string> host_root_probe_argv() {
  std::vector<std::string> argv = {"stat", "-c", "%n|%F", "--"};
  for (const auto* list : {&host_os_dirs(), &host_compat_names()}) {
    for (const auto& name : *list) argv.push_back("/" + name);
  }
  return argv;
}

std::vector<HostRootEntry> parse_host_root_probe(const std::string& out) {
  std::vector<HostRootEntry> entries;
  std::size_t start = 0;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    const std::string line = out.substr(start, end - start);
    start = end + 1;
    auto bar = line.find('|');
    if (bar == std::string::npos || line.empty() || line.front() != '/') continue;
    HostRootEntry entry{.name = line.substr(1, bar - 1)};
    if (!contains(host_os_dirs(), entry.name) && !contains(host_compat_names(), entry.name)) {
      continue;
    }
    const std::string type = line.substr(bar + 1);
    if (type == "directory") {
      entry.type = HostRootEntry::Type::kDirectory;
    } else if (type == "symbolic link") {
      entry.type = HostRootEntry::Type::kSymlink;
    }
    entries.push_back(entry);
  }
  return entries;
}

const std::vector<std::string>& host_init_candidates() {
  static const std::vector<std::string> paths = {"/usr/bin/docker-init",
                                                 "/usr/libexec/docker/docker-init",
                                                 "/usr/sbin/docker-init",
                                                 "/usr/local/bin/docker-init",
                                                 "/usr/lib/docker/docker-init",
                                                 "/usr/bin/tini-static",
                                                 "/usr/bin/tini",
                                                 "/usr/sbin/tini"};
  return paths;
}

std::vector<std::string> host_init_probe_argv() {
  std::vector<std::string> argv = {"stat", "-L", "-c", "%n|%F|%A", "--"};
  argv.insert(argv.end(), host_init_candidates().begin(), host_init_candidates().end());
  return argv;
}

std::string pick_host_init(const std::string& probe_out) {
  std::vector<std::string> executable;
  std::size_t start = 0;
  while (start < probe_out.size()) {
    auto end = probe_out.find('\n', start);
    if (end == std::string::npos) end = probe_out.size();
    const std::string line = probe_out.substr(start, end - start);
    start = end + 1;
    auto first = line.find('|');
    auto second = first == std::string::npos ? first : line.find('|', first + 1);
    if (second == std::string::npos) continue;
    const std::string type = line.substr(first + 1, second - first - 1);
    const std::string rights = line.substr(second + 1);
    // "-rwxr-xr-x": the owner's execute bit (root runs it).
    if (type.rfind("regular", 0) == 0 && rights.size() > 3 && rights[3] == 'x') {
      executable.push_back(line.substr(0, first));
    }
  }
  for (const auto& candidate : host_init_candidates()) {
    if (contains(executable, candidate)) return candidate;
  }
  return {};
}

HostSkeleton make_host_skeleton(const std::vector<HostRootEntry>& entries) {
  auto find = [&](const std::string& name) -> const HostRootEntry* {
    for (const auto& e : entries) {
      if (e.name == name) return &e;
    }
    return nullptr;
  };
  for (const char* required : {"usr", "etc"}) {
    const auto* entry = find(required);
    if (entry == nullptr || entry->type != HostRootEntry::Type::kDirectory) {
      throw Error(fmt::format("the host image needs /{} to be a directory on the node", required));
    }
  }
  HostSkeleton skeleton;
  std::vector<TarEntry> tar;
  // The node's OS: mount points for real directories (bound read-only on top), its own
  // symlinks for the others (bin -> usr/bin on a merged-/usr system).
  for (const auto* list : {&host_os_dirs(), &host_compat_names()}) {
    for (const auto& name : *list) {
      const auto* entry = find(name);
      if (entry == nullptr) continue;
      if (entry->type == HostRootEntry::Type::kDirectory) {
        tar.push_back({.type = TarEntry::Type::kDirectory, .path = name, .mode = 0755});
        skeleton.os_mounts.push_back(
            {.host = "/" + name, .guest = "/" + name, .read_only = true, .create_host_dir = false});
      } else if (entry->type == HostRootEntry::Type::kSymlink) {
        if (entry->link_target.empty() ||
            entry->link_target.find_first_of(std::string("\n\0", 2)) != std::string::npos) {
          throw Error(fmt::format("the host image cannot copy the symlink /{} (target '{}')", name,
                                  entry->link_target));
        }
        tar.push_back({.type = TarEntry::Type::kSymlink,
                       .path = name,
                       .mode = 0777,
                       .link_target = entry->link_target});
      }
    }
  }
  // Private scratch: the engine puts tmpfs on /tmp and /run; /var is the container's own
  // writable layer, with /var/run leading to /run as on the node.
  for (const auto& [path, mode] : std::vector<std::pair<std::string, unsigned>>{{"proc", 0555},
                                                                                {"sys", 0555},
                                                                                {"dev", 0755},
                                                                                {"run", 0755},
                                                                                {"tmp", 01777},
                                                                                {"var", 0755},
                                                                                {"var/tmp", 01777},
                                                                                {"var/lib", 0755},
                                                                                {"var/cache", 0755},
                                                                                {"var/log", 0755},
                                                                                {"var/spool", 0755},
                                                                                {"home", 0755},
                                                                                {"root", 0700},
                                                                                {"mnt", 0755},
                                                                                {"media", 0755}}) {
    tar.push_back({.type = TarEntry::Type::kDirectory, .path = path, .mode = mode});
  }
  tar.push_back(
      {.type = TarEntry::Type::kSymlink, .path = "var/run", .mode = 0777, .link_target = "../run"});
  skeleton.tar = write_tar(tar);
  skeleton.tag = fmt::format("cnfctl/host-skeleton:{:016x}", fnv1a(skeleton.tar));
  return skeleton;
}

}  // namespace cnfctl::engine
