#include <fmt/format.h>

#include <algorithm>

#include "common/names.h"
#include "topology/enum_names.h"
#include "topology/readers.h"
#include "topology/values.h"

namespace cnfctl::topology {

namespace {

constexpr std::array<std::string_view, 11> kGroupKeys{"prefix", "count",      "role",   "node",
                                                      "image",  "nf",         "mounts", "env",
                                                      "ports",  "privileged", "cpus"};
constexpr std::array<KeyHint, 1> kGroupHints{{
    {"name", "containers are named <prefix><n>: write 'prefix'"},
}};
constexpr std::array<std::string_view, 4> kMountKeys{"host", "guest", "read_only", "create"};

Mount read_mount(const YamlSource& source, const Field& field) {
  Mount mount;
  mount.where = field.where;
  auto path = [&](const Field& f, std::string_view text, std::string_view what) {
    if (const auto problem = absolute_path_problem(text)) {
      fail(f.where,
           fmt::format("{}: {} path '{}' is not usable: {}", field.key, what, text, *problem));
    }
    return normalize_absolute_path(text);
  };
  if (field.node.IsMap()) {
    const Mapping mapping(source, field, "mount");
    mapping.allow(kMountKeys);
    const auto& host = mapping.require("host", "the path on the node");
    const auto& guest = mapping.require("guest", "the path inside the container");
    mount.host = path(host, read_line(host, "a host path"), "host");
    mount.guest = path(guest, read_line(guest, "a guest path"), "guest");
    if (const auto* ro = mapping.find("read_only")) mount.read_only = read_bool(*ro);
    if (const auto* create = mapping.find("create")) mount.create = read_bool(*create);
  } else {
    const auto text = read_line(field, "host:guest[:ro|rw] or a mapping {host, guest}");
    std::vector<std::string_view> parts;
    std::size_t begin = 0;
    while (true) {
      const auto colon = text.find(':', begin);
      parts.push_back(std::string_view(text).substr(
          begin, colon == std::string::npos ? std::string::npos : colon - begin));
      if (colon == std::string::npos) break;
      begin = colon + 1;
    }
    const bool mode_ok = parts.size() == 3 && (parts[2] == "ro" || parts[2] == "rw");
    if (parts.size() < 2 || parts.size() > 3 || (parts.size() == 3 && !mode_ok)) {
      fail(field.where, fmt::format("{}: expected host:guest[:ro|rw] with absolute paths "
                                    "(paths cannot contain ':'), got {}",
                                    field.key, describe(field.node)));
    }
    mount.host = path(field, parts[0], "host");
    mount.guest = path(field, parts[1], "guest");
    mount.read_only = parts.size() == 3 && parts[2] == "ro";
  }
  if (mount.guest == "/") {
    fail(field.where, fmt::format("{}: cannot mount over the container's /", field.key));
  }
  return mount;
}

std::vector<EnvVar> read_env(const YamlSource& source, const Field& field) {
  const Mapping env(source, field, "env", "a mapping of NAME: value");
  std::vector<EnvVar> out;
  for (const auto& var : env.fields()) {
    if (!is_env_name(var.key)) {
      fail(var.key_where, fmt::format("env: '{}' is not a valid variable name "
                                      "([A-Za-z_][A-Za-z0-9_]*)",
                                      var.key));
    }
    if (var.key == "MICROSERVICE_LABEL") {
      fail(var.key_where, "env: MICROSERVICE_LABEL is set by cnfctl to each container's name");
    }
    std::string value;
    if (!is_empty(var.node)) value = read_scalar(var, "a string");
    if (value.find_first_of(std::string_view("\0\n\r", 3)) != std::string::npos) {
      fail(var.where,
           fmt::format("{}: environment values cannot contain NUL or newlines", var.key));
    }
    out.push_back(EnvVar{var.key, std::move(value)});
  }
  return out;
}

PortMapping read_port(const Field& field) {
  PortMapping port;
  port.where = field.where;
  const auto text = read_scalar(field, "host:container[/tcp|udp]");
  std::string_view rest = text;
  auto bad = [&]() {
    fail(field.where, fmt::format("{}: expected host:container[/tcp|udp] with ports in "
                                  "1..65535, got {}",
                                  field.key, describe(field.node)));
  };
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    const auto protocol = value_in(kProtocolNames, rest.substr(slash + 1));
    if (!protocol) bad();
    port.protocol = *protocol;
    rest = rest.substr(0, slash);
  }
  const auto colon = rest.find(':');
  const auto host = parse_unsigned(rest.substr(0, colon));
  const auto guest =
      colon == std::string_view::npos ? host : parse_unsigned(rest.substr(colon + 1));
  if (!host || !guest || *host < 1 || *host > 65535 || *guest < 1 || *guest > 65535) bad();
  port.host_port = static_cast<std::uint16_t>(*host);
  port.container_port = static_cast<std::uint16_t>(*guest);
  return port;
}

std::vector<unsigned> read_cpus(const YamlSource& source, const Field& field) {
  const auto expected =
      fmt::format("a list of CPU numbers (0..{}) or a CPU list like \"2-5,8\"", kMaxCpu);
  if (field.node.IsScalar()) {
    const auto cpus = parse_cpu_list(field.node.Scalar());
    if (!cpus) {
      fail(field.where,
           fmt::format("{}: expected {}, got {}", field.key, expected, describe(field.node)));
    }
    return *cpus;
  }
  std::vector<unsigned> cpus;
  for (const auto& element : read_list(source, field, expected)) {
    const auto cpu = static_cast<unsigned>(
        read_unsigned(element, 0, kMaxCpu, fmt::format("a CPU number (0..{})", kMaxCpu)));
    if (std::find(cpus.begin(), cpus.end(), cpu) != cpus.end()) {
      fail(element.where, fmt::format("{}: CPU {} is listed twice", element.key, cpu));
    }
    cpus.push_back(cpu);
  }
  if (cpus.empty()) {
    fail(field.where, fmt::format("{}: expected {}, got an empty list", field.key, expected));
  }
  std::sort(cpus.begin(), cpus.end());
  return cpus;
}

ContainerGroup read_group(const YamlSource& source, const Field& field, std::size_t index,
                          const Topology& topology) {
  ContainerGroup group;
  if (is_empty(field.node)) {
    fail(field.where, fmt::format("{}: expected a container group (a mapping with 'prefix'), "
                                  "got nothing",
                                  field.key));
  }
  Mapping mapping(source, field, fmt::format("containers[{}]", index),
                  "a container group (a mapping with 'prefix')");
  const auto& prefix = mapping.require("prefix", "containers are named <prefix><n>");
  group.prefix = read_line(prefix, "a name prefix");
  require_safe_name(group.prefix, "container prefix", prefix.where.str());
  mapping.set_context(fmt::format("container group '{}'", group.prefix));
  mapping.allow(kGroupKeys, kGroupHints);
  mapping.record(group.where);

  if (const auto* count = mapping.find("count")) {
    group.count = static_cast<unsigned>(read_unsigned(
        *count, 1, kMaxGroupCount, fmt::format("a positive integer (1..{})", kMaxGroupCount)));
  }
  if (const auto* role = mapping.find("role")) {
    group.role = read_enum(*role, kRoleNames, "role", "roles");
  }
  if (const auto* node = mapping.find("node")) {
    group.node = read_line(*node, "a node name");
  } else if (topology.nodes.size() == 1) {
    group.node = topology.nodes.begin()->first;
  } else if (topology.nodes.count("local")) {
    group.node = "local";
  } else {
    std::vector<std::string_view> names;
    for (const auto& entry : topology.nodes) names.push_back(entry.first);
    fail(mapping.where(), fmt::format("container group '{}': missing key 'node' (the file "
                                      "defines several nodes: {})",
                                      group.prefix, join_names(names)));
  }
  group.image = topology.image;
  if (const auto* image = mapping.find("image")) group.image = read_image(*image);
  group.nf = read_nf(source, mapping.find("nf"), group.role, mapping.where());
  if (const auto* mounts = mapping.find("mounts")) {
    for (const auto& element : read_list(source, *mounts, "a list of mounts")) {
      auto mount = read_mount(source, element);
      for (const auto& other : group.mounts) {
        if (other.guest == mount.guest) {
          fail(mount.where, fmt::format("{}: guest path {} is already mounted (line {})",
                                        element.key, mount.guest, other.where.line));
        }
      }
      group.mounts.push_back(std::move(mount));
    }
  }
  if (const auto* env = mapping.find("env")) group.env = read_env(source, *env);
  if (const auto* ports = mapping.find("ports")) {
    for (const auto& element : read_list(source, *ports, "a list of host:container ports")) {
      group.ports.push_back(read_port(element));
    }
  }
  if (const auto* privileged = mapping.find("privileged")) {
    group.privileged = read_bool(*privileged);
  }
  if (const auto* cpus = mapping.find("cpus")) group.cpus = read_cpus(source, *cpus);
  return group;
}

}  // namespace

ImageSpec read_image(const Field& field) {
  ImageSpec image;
  image.where = field.where;
  const auto text = read_line(field, "host, dir:/path or an image name");
  if (text == "host") return image;
  constexpr std::string_view kDir = "dir:";
  if (text.starts_with(kDir)) {
    const auto path = std::string_view(text).substr(kDir.size());
    if (const auto problem = absolute_path_problem(path)) {
      fail(field.where,
           fmt::format("{}: rootfs directory '{}' is not usable: {}", field.key, path, *problem));
    }
    image.kind = ImageKind::kDirectory;
    image.directory = normalize_absolute_path(path);
    return image;
  }
  if (!is_image_reference(text)) {
    fail(field.where, fmt::format("{}: expected host, dir:/absolute/path or an image reference "
                                  "([A-Za-z0-9][A-Za-z0-9._/:@-]*), got {}",
                                  field.key, describe(field.node)));
  }
  image.kind = ImageKind::kNative;
  image.reference = text;
  return image;
}

std::vector<ContainerGroup> read_container_groups(const YamlSource& source, const Field& field,
                                                  const Topology& topology) {
  const auto groups = read_list(source, field, "a list of container groups");
  if (groups.empty()) {
    fail(field.where, "containers: expected at least one container group, got an empty list");
  }
  std::vector<ContainerGroup> out;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    out.push_back(read_group(source, groups[i], i, topology));
  }
  return out;
}

}  // namespace cnfctl::topology
