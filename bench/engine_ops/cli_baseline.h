// Each engine driven the way a plain shell loop drives it: one CLI call per step, no checks
// before acting, no cleanup beyond what the CLI does itself. The options are the ones cnfctl
// would use (the same config.json, lxc config block and `run` arguments, built by cnfctl's pure
// builders), so the ratio measures how cnfctl drives the engine, not different container
// settings.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/container_spec.h"
#include "engine/node_facts.h"
#include "process/runner.h"

namespace cnfctl::bench {

struct CliBaselineSettings {
  std::string state_root;     // this baseline's own directory (bundles, lxcpaths, podman storage)
  std::string daemon_host;    // docker: the private daemon's -H address
  engine::NodeFacts facts{};  // nofile limit, capability bounding set, cgroup layout
  std::string oci_runtime = "runc";  // oci: the runtime binary (runc or crun)
};

class CliBaseline {
 public:
  virtual ~CliBaseline() = default;

  /// Makes the root filesystem and starts the container (cnfctl's acquire + create). Throws
  /// cnfctl::Error when a step fails.
  virtual void create(const engine::ContainerSpec& spec) = 0;
  /// Runs `argv` in the container, `stdin_bytes` on its stdin; returns how it ended.
  virtual process::Outcome exec(const std::string& name, const std::vector<std::string>& argv,
                                const std::optional<std::string>& stdin_bytes) = 0;
  /// SIGTERM and waits until the container stopped. Throws when it does not stop.
  virtual void stop(const std::string& name) = 0;
  /// The CLI's own removal (`runc delete -f` + umount + rm, `lxc-destroy`, `docker rm -f`).
  virtual void destroy(const std::string& name) = 0;
  /// Untimed: removes what the plain CLI leaves behind (cgroup directories, LXC locks).
  virtual void tidy(const std::string& name) = 0;
};

/// The baseline of engine `kind` ("oci", "lxc", "docker", "podman"; "oci-crun" is oci with
/// settings.oci_runtime "crun"). `image` is the tag of the
/// imported busybox image (docker) or unused (the others run the `host` image).
std::unique_ptr<CliBaseline> make_cli_baseline(const std::string& kind, process::Runner& runner,
                                               CliBaselineSettings settings,
                                               const std::string& image = {});

/// The copy-in of a shell loop: the same in-container program as cnfctl's copy_in, `bytes` on
/// stdin. Throws cnfctl::Error when it fails.
void cli_copy_in(CliBaseline& cli, const std::string& name, const std::string& guest_path,
                 const std::string& bytes);

}  // namespace cnfctl::bench
