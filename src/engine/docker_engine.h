// The docker engine: the docker CLI against a daemon (a private one with -H, DOCKER_HOST style).
// Images: a name (pulled when not present locally) or `dir:PATH` (a root filesystem directory or
// a .tar/.tar.gz tarball) imported offline with `docker import`.
#pragma once

#include "engine/cli_engine.h"

namespace cnfctl::engine {

class DockerEngine : public CliEngine {
 public:
  DockerEngine(process::Runner& runner, EngineOptions options);

  void acquire(const ContainerSpec& spec, bool force) override;
  SystemInfo system_info() override;

  /// The tag `docker import` gives a directory or tarball image: "cnfctl/rootfs-<hash>:latest".
  static std::string imported_tag(const std::string& path);

 protected:
  std::vector<std::string> cli(std::vector<std::string> args) const override;
  CliRunSettings run_settings(const ContainerSpec& spec) override;
  void check_daemon(const process::Command& command, const process::Outcome& outcome,
                    const std::string& container) const override;
};

}  // namespace cnfctl::engine
