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
#include "engine/docker_remains.h"
#include "engine/host_skeleton.h"

namespace cnfctl::engine {

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
  /// On this machine with a daemon on a Unix socket, through the Engine API: `run` as create
  /// (with NetworkDisabled for --network none, docker_api.h), the id written to the --cidfile as
  /// the CLI does, and start; `rm --force NAME` as DELETE ?force=1; `container inspect NAME` as
  /// GET /containers/NAME/json. nullopt elsewhere, for other calls, or for `run` arguments
  /// without a mapping.
  std::optional<process::Outcome> through_api(const std::vector<std::string>& args,
                                              const std::string& container) override;
  /// For `host`: host_image_run_args(); else cli_run_args().
  std::vector<std::string> run_args(const ContainerSpec& spec,
                                    const CliRunSettings& settings) override;
  /// The id the CLI wrote to cid_file() (the container may be in containerd only: its daemon died
  /// during the start); without one, the id docker inspect knows for `name`.
  std::vector<std::string> ids_named(const std::string& name) override;
  /// Removes skeleton images that are no longer tagged and no longer used (errors ignored).
  void after_remove(const std::string& name, const std::string& id) override;
  void check_daemon(const process::Command& command, const process::Outcome& outcome,
                    const std::string& container) const override;
  /// Issue 10 item 9: a dockerd killed while it started a container comes back with it
  /// `Created` (or not at all), while containerd keeps its container, with or without a live
  /// shim and task; `rm --force` then drops docker's record only. For each id: first the
  /// clean-up containerd runs itself after its restart is waited for (bounded by the command
  /// timeout); then, when a shim still serves the id or containerd still has its bundle dir,
  /// the task is killed and deleted and the container deleted in containerd's `moby` namespace,
  /// a shim left serving nothing is killed, and the cgroup dir goes.
  void remove_remains(const std::string& name, const std::vector<std::string>& ids,
                      bool removed) override;

 private:
  /// The node's processes whose command line names `needle` (one scan of the process table), in
  /// parse_process_listing()'s format.
  std::string processes_naming(const std::string& name, const std::string& needle);
  /// Where the daemon this engine talks to keeps its containerd (read once from the node).
  DockerdPaths daemon_paths(const std::string& name);
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
  // This engine object saw the skeleton's tag present (or imported it): later acquires of the
  // same engine object (one cnfctl command) do not ask again.
  bool skeleton_present_ = false;
  std::mutex paths_mutex_;
  std::optional<DockerdPaths> paths_;
  // after_remove() found no dangling skeleton image (reset when this object replaces one).
  std::mutex stale_skeletons_mutex_;
  bool no_stale_skeletons_ = false;
  /// The daemon's Unix socket when through_api() may use it (this machine, no other
  /// context): docker_socket_path() of the daemon host, looked up once.
  const std::string& api_socket();
  std::once_flag api_socket_once_;
  std::string api_socket_;
};

}  // namespace cnfctl::engine
