// The control socket of cnfctl-gen: a unix SOCK_STREAM socket, one client at a time, one JSON
// request per line, one JSON response per line (protocol: src/trafficgen/README.md). Runs on
// the control thread; the handler may block (a trial does).
#pragma once

#include <atomic>
#include <functional>
#include <string>

namespace cnfctl::trafficgen {

/// Answers one request line with one response line (without the newline).
using RequestHandler = std::function<std::string(const std::string& line)>;

/// Binds `path` (a stale socket file there is removed first), then serves clients until `quit`
/// becomes true (checked every 200 ms). Removes the socket file on return. Throws cnfctl::Error
/// when the socket cannot be bound.
void serve_control(const std::string& path, const RequestHandler& handler,
                   const std::atomic<bool>& quit);

}  // namespace cnfctl::trafficgen
