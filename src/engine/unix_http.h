// One HTTP/1.1 request over a Unix socket: how the docker engine talks to dockerd's API socket
// on this machine (engine/docker_api.h) instead of starting a docker CLI process per call.
#pragma once

#include <chrono>
#include <string>

#include "process/http_response.h"

namespace cnfctl::engine {

using process::HttpResponse;

/// Sends `method target` (with `json_body` as application/json when not empty; Host: localhost,
/// Connection: close) to the socket at `socket_path` within `timeout` (0: none) and reads the
/// whole answer (process::complete_http_response()). Throws cnfctl::Error "<socket>: cannot
/// connect: ..." when the socket cannot be reached, and cnfctl::Error on a timeout or an answer
/// that is not HTTP.
HttpResponse http_over_unix(const std::string& socket_path, const std::string& method,
                            const std::string& target, const std::string& json_body,
                            std::chrono::milliseconds timeout);

}  // namespace cnfctl::engine
