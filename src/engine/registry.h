// Engines by name (the seed's ContainerManager(engine)): "oci" (default), "lxc", "docker",
// "podman".
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "process/runner.h"

namespace cnfctl::engine {

inline constexpr const char* kDefaultEngine = "oci";

/// Settings shared by all engines; each engine documents which ones it reads.
struct EngineOptions {
  /// Where the engine keeps per-container state (bundles, overlays, lxcpath) on the node.
  /// Empty: /run/cnfctl/engines/<kind>.
  std::string state_root;
  /// The engine program: oci → "runc" (default) or "crun" (or a path to either); docker →
  /// "docker"; podman → "podman". Unused by lxc (see lxc_tools_dir).
  std::string binary;
  /// lxc: the directory holding lxc-create, lxc-start, ...; empty: found through PATH.
  std::string lxc_tools_dir;
  /// docker: the daemon address passed as `-H` (e.g. "unix:///run/cnfctl/docker.sock"); empty:
  /// the CLI's default (DOCKER_HOST or /var/run/docker.sock).
  std::string daemon_host;
  /// podman: the OCI runtime (`--runtime`); default "runc" (crun fails on hybrid cgroups).
  std::string podman_runtime = "runc";
  /// Deadline of one engine command (create, stop, ...); acquire of a native image may take
  /// longer and uses pull_timeout.
  std::chrono::milliseconds command_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds pull_timeout{std::chrono::minutes(30)};
  /// Where engines say things once ("privileged falls back to explicit capabilities"); default
  /// writes to stderr.
  std::function<void(const std::string&)> notice;
};

/// The names make_engine() accepts, in a stable order.
std::vector<std::string> known_engines();

/// Creates the engine called `kind` acting on `runner`'s node. The runner must outlive the
/// engine. Throws Error::bad_input("engine", ...) listing the known engines for an unknown name.
/// Nothing runs on the node until the first method call.
std::unique_ptr<Engine> make_engine(std::string_view kind, process::Runner& runner,
                                    EngineOptions options = {});

}  // namespace cnfctl::engine
