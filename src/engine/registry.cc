#include "engine/registry.h"

#include <fmt/format.h>

#include "common/error.h"
#include "engine/docker_engine.h"
#include "engine/lxc_engine.h"
#include "engine/oci_engine.h"
#include "engine/podman_engine.h"

namespace cnfctl::engine {

std::vector<std::string> known_engines() {
  return {"oci", "lxc", "docker", "podman"};
}

std::unique_ptr<Engine> make_engine(std::string_view kind, process::Runner& runner,
                                    EngineOptions options) {
  if (kind == "oci") return std::make_unique<OciEngine>(runner, std::move(options));
  if (kind == "lxc") return std::make_unique<LxcEngine>(runner, std::move(options));
  if (kind == "docker") return std::make_unique<DockerEngine>(runner, std::move(options));
  if (kind == "podman") return std::make_unique<PodmanEngine>(runner, std::move(options));
  throw Error::bad_input("engine", fmt::format("unknown engine '{}'; known engines: {}", kind,
                                               fmt::join(known_engines(), ", ")));
}

}  // namespace cnfctl::engine
