// What a container is, independent of the engine that runs it: a typed, validated description
// (the seed's `Container` object, with its attributes made explicit).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cnfctl::engine {

/// Where a container's root filesystem comes from.
struct Image {
  enum class Kind {
    kHost,       // the node's own root filesystem, read-only below a private writable layer
    kDirectory,  // a root filesystem directory on the node ("dir:/path"), also read-only below
    kNative,     // an engine-native image name ("ubuntu:22.04", "docker.io/library/alpine")
  };
  Kind kind = Kind::kHost;
  std::string
      path_or_name{};  // the directory (kDirectory) or image name (kNative); empty for kHost

  /// Parses "host", "dir:/abs/path" or a native image name. Throws Error::bad_input(where, ...)
  /// for an empty text or a relative directory.
  static Image parse(const std::string& text, const std::string& where = "image");
  /// The text parse() accepts: "host", "dir:/path" or the name.
  std::string text() const;
  bool operator==(const Image&) const = default;
};

/// A bind mount of a host path into the container.
struct Mount {
  std::string host{};   // absolute path on the node
  std::string guest{};  // absolute path inside the container
  bool read_only = false;
  bool create_host_dir = true;  // create `host` as a directory on the node when it is missing
  bool operator==(const Mount&) const = default;
};

/// A published port (docker/podman `--publish`); other engines have no port mapping and refuse it
/// unless the network is `host`.
struct Port {
  std::uint16_t host_port = 0;
  std::uint16_t container_port = 0;
  std::string protocol = "tcp";  // tcp | udp | sctp
  std::string host_ip{};         // empty: all addresses
  bool operator==(const Port&) const = default;
};

enum class Network { kNone, kHost };

/// The seed's derived socket paths, with the CLI socket added.
struct SocketPaths {
  std::string dir{};    // <base>/<name>
  std::string api{};    // <dir>/api.sock
  std::string stats{};  // <dir>/stats.sock
  std::string cli{};    // <dir>/cli.sock
};

inline constexpr const char* kDefaultSocketBase = "/tmp/vpp_sockets";
inline constexpr const char* kMicroserviceLabel = "MICROSERVICE_LABEL";

struct ContainerSpec {
  std::string name{};
  Image image;
  std::vector<unsigned> cpuset_cpus{};  // empty: not pinned
  std::vector<unsigned> cpuset_mems{};  // empty: not restricted
  std::vector<Mount> mounts{};
  std::map<std::string, std::string> env{};  // MICROSERVICE_LABEL=<name> is always added
  std::vector<Port> ports{};
  std::vector<std::string> command{};  // empty: an idle init that exits on SIGTERM
  // The command starts nothing whose CPUs matter until it is released from the node (cnfctl's
  // NF launcher; the idle init always qualifies): an engine may then pin the container just
  // after it has started rather than at creation (OciEngine::create).
  bool command_waits_for_release = false;
  bool privileged = false;
  std::vector<std::string> capabilities{};  // added capabilities ("NET_ADMIN" or "CAP_NET_ADMIN")
  std::string cgroup_parent{};              // empty: the engine's default ("cnfctl" for oci)
  Network network = Network::kNone;
  std::string socket_base = kDefaultSocketBase;

  /// Throws Error::bad_input naming the field for anything an engine could not run or that could
  /// escape into paths: unsafe name, relative paths, "..", duplicate guest paths, bad env names,
  /// ports with network host... Returns normally when the spec is usable.
  void validate() const;

  /// `env` plus MICROSERVICE_LABEL=<name>.
  std::map<std::string, std::string> full_env() const;
  /// The command to run, or kIdleCommand when none is given.
  std::vector<std::string> effective_command() const;
  SocketPaths sockets() const;
  /// Capabilities normalised to "CAP_X", upper case, deduplicated, in the given order.
  std::vector<std::string> normalized_capabilities() const;
};

/// PID 1 when no command is given: sleeps until SIGTERM/SIGINT, then exits 0 (a PID 1 without a
/// handler ignores SIGTERM, which would turn every stop into a kill after the grace period). A
/// constant script; nothing is ever interpolated into it.
extern const std::vector<std::string> kIdleCommand;

/// "0,2,5" for {0, 2, 5}. Empty for an empty list.
std::string cpu_list_text(const std::vector<unsigned>& cpus);
/// Parses "0-2,5" into {0, 1, 2, 5} (sorted, unique). Throws Error::bad_input(where, ...).
std::vector<unsigned> parse_cpu_list(const std::string& text, const std::string& where);

}  // namespace cnfctl::engine
