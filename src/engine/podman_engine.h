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
};

}  // namespace cnfctl::engine
