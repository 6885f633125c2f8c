// The podman engine: rootful podman with the settings this kind of node needs (SPEC §5):
// cgroupfs manager, file events, `--runtime runc`, explicit nofile/nproc ulimits, and private
// storage under <state_root> (--root/--runroot). `host` and `dir:PATH` run with `--rootfs X:O`
// (an overlay; no image at all); names are pulled when not present.
#pragma once

#include "engine/cli_engine.h"

namespace cnfctl::engine {

class PodmanEngine : public CliEngine {
 public:
  PodmanEngine(process::Runner& runner, EngineOptions options);

  void acquire(const ContainerSpec& spec, bool force) override;
  SystemInfo system_info() override;

 protected:
  std::vector<std::string> cli(std::vector<std::string> args) const override;
  CliRunSettings run_settings(const ContainerSpec& spec) override;
  void after_remove(const std::string& name, const std::string& id) override;
  /// <state_root>/<name>.pid: `run --pidfile`.
  std::string pid_file(const std::string& name) const override { return state_dir(name) + ".pid"; }
  /// The id `run` wrote to cid_file() when it made the container (podman refuses a name that
  /// any container, external ones included, holds: that id is the only one); else the ids from
  /// `ps --all --external`: a `run` killed half-way may leave a container only the storage knows
  /// (inspect says "no such container").
  std::vector<std::string> ids_named(const std::string& name) override;
  /// For each id: `<runtime> delete --force` (a runc container left in state `created` when
  /// podman died before recording it; its conmon then exits; on this machine only when the
  /// runtime has state for it), `rm --force <id>` for a storage-only remain (not when the one
  /// container of that name was just removed by name), then a wait for its conmon to end.
  void remove_remains(const std::string& name, const std::vector<std::string>& ids,
                      bool removed) override;

 private:
  /// The OCI runtime podman runs ("runc" unless configured).
  std::string runtime() const;
};

}  // namespace cnfctl::engine
