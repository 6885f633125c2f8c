// The docker engine: the docker CLI against a daemon (a private one with -H, DOCKER_HOST style).
// Images: a name (pulled when not present locally), `dir:PATH` (a root filesystem directory or
// a .tar/.tar.gz tarball) imported offline with `docker import`, or `host`.
//
// `host` (docker has no rootfs mode): a skeleton image made from bytes (engine/host_skeleton.h)
// and imported once per node under a content-hash tag, plus read-only binds of the node's /usr,
// /etc (and /opt, /srv, and bin/lib... when they are real directories), a private tmpfs on /tmp
// and /run, and the container's own writable layer for everything else (/var, /root, ...).
// Imported images, the skeleton included, are a cache: destroy never removes them, except
// skeletons that a forced acquire replaced and that no container uses any more.
#pragma once

#include <mutex>
#include <optional>

#include "engine/cli_engine.h"
#include "engine/host_skeleton.h"

namespace cnfctl::engine {

/// A containerd shim process: its pid and the containerd socket it was started for.
struct ShimProcess {
  std::string pid;
  std::string address;
};

/// The containerd-shim processes serving container `id` in containerd's `moby` namespace, from
/// `listing`: for each process its pid, then its argv one per line, then an empty line. Pure;
/// other processes are ignored.
std::vector<ShimProcess> shims_serving(const std::string& listing, const std::string& id);

class DockerEngine : public CliEngine {
 public:
  DockerEngine(process::Runner& runner, EngineOptions options);

  /// For `host`: reads the node's top level, then imports the skeleton (`docker import -` with
  /// the tar on stdin) unless an image with its tag exists. `force` re-imports it, once per
  /// engine object (parallel acquires of one run share one rebuild), and removes the replaced
  /// image unless a container still uses it. Throws cnfctl::Error when the node lacks /usr or
  /// /etc as directories, has no init program for containers (docker-init / tini under /usr), or
  /// the import fails.
  void acquire(const ContainerSpec& spec, bool force) override;
  SystemInfo system_info() override;

  /// The tag `docker import` gives a directory or tarball image: "cnfctl/rootfs-<hash>:latest".
  static std::string imported_tag(const std::string& path);

  /// `docker run` arguments for the host image: cli_run_args() of `spec` with the skeleton's OS
  /// binds added in front of the spec's mounts (a spec mount on the same guest path wins), a
  /// tmpfs on /tmp (1777, exec) and /run (0755) unless the spec mounts those paths, `init -- CMD`
  /// as the command instead of docker's `--init`, and `settings.image` as the image.
  static std::vector<std::string> host_image_run_args(const ContainerSpec& spec,
                                                      const CliRunSettings& settings,
                                                      const HostSkeleton& skeleton,
                                                      const std::string& init);

 protected:
  std::vector<std::string> cli(std::vector<std::string> args) const override;
  CliRunSettings run_settings(const ContainerSpec& spec) override;
  /// For `host`: host_image_run_args(); else cli_run_args().
  std::vector<std::string> run_args(const ContainerSpec& spec,
                                    const CliRunSettings& settings) override;
  /// Removes skeleton images that are no longer tagged and no longer used (errors ignored).
  void after_remove(const std::string& name, const std::string& id) override;
  void check_daemon(const process::Command& command, const process::Outcome& outcome,
                    const std::string& container) const override;
  /// Issue 10 item 9: a dockerd killed while it started a container comes back with it
  /// `Created`, while containerd keeps its container and a live shim (with or without a task);
  /// `rm --force` then drops docker's record only. For each id still served by a shim: the
  /// task is killed and deleted and the container deleted in containerd's `moby` namespace (at
  /// the socket the shim names), a shim left serving nothing is killed, the cgroup dir goes.
  void remove_remains(const std::string& name, const std::vector<std::string>& ids) override;

 private:
  /// The shims serving container `id` on the node (one scan of the process table).
  std::vector<ShimProcess> shims_of(const std::string& name, const std::string& id);
  /// The daemon the CLI talks to, for messages: daemon_host, else DOCKER_HOST (local nodes).
  std::string daemon_address() const;
  /// Reads the node's layout and init program once; returns the skeleton.
  const HostSkeleton& host_skeleton(const std::string& container);
  /// acquire() for `host`.
  void ensure_host_skeleton(const std::string& container, bool force);

  std::mutex skeleton_mutex_;
  std::optional<HostSkeleton> skeleton_;
  std::string init_;
  bool skeleton_rebuilt_ = false;
};

}  // namespace cnfctl::engine
