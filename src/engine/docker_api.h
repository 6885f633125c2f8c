// `docker run` as Engine API requests, for the docker engine on this machine.
//
// The docker CLI cannot ask for what compose cannot either: a container without networking at
// all (NetworkDisabled). With --network none dockerd still runs its libnetwork prestart hook,
// an exec of the whole dockerd binary, for every container: about 100 ms of CPU of a 185 ms
// start here (issue 12). The API also spares the CLI process per container. The requests are
// made from the very `run` arguments the CLI would get (cli_run_args(), host_image_run_args()),
// so both paths keep one definition of a container.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace cnfctl::engine {

/// POST /containers/create?name=NAME with `body`, then POST /containers/ID/start.
struct DockerCreateRequest {
  std::string name;
  nlohmann::json body;
  std::string cid_file;  // --cidfile: where the id goes once the container is made; may be empty
};

/// The create request equal to `docker run ARGS` for the arguments cnfctl's run builders make
/// ("run" first, then options, the image, the command). --network none also sets
/// NetworkDisabled (no libnetwork hook; the container still has its own network namespace with
/// only lo). nullopt when an argument has no mapping here (the CLI then runs as before).
std::optional<DockerCreateRequest> docker_create_request(const std::vector<std::string>& run_args);

/// The CLI's context: $DOCKER_CONTEXT, else the currentContext of $DOCKER_CONFIG/config.json
/// (default ~/.docker/config.json); empty when neither names one.
std::string docker_context();

/// The socket of a docker host address: "unix:///path" -> "/path"; an empty address means the
/// CLI's default ($DOCKER_HOST, else /var/run/docker.sock when no context other than "default"
/// is chosen). Empty for anything that is not a Unix socket (tcp://, ssh://, a context): those
/// keep the CLI.
std::string docker_socket_path(const std::string& host);

}  // namespace cnfctl::engine
