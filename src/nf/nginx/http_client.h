// A small blocking HTTP/1.1 client with a deadline: what nginx's readiness probe needs (one GET
// to a loopback server, directly or through a unix socket forwarded to it; status and body),
// nothing more (no TLS, no redirects, no chunked
// uploads).
#pragma once

#include <chrono>
#include <string>

#include "process/http_response.h"

namespace cnfctl::nginx {

using process::HttpResponse;
using process::parse_http_response;

/// GETs http://<ipv4>:<port><path> with "Connection: close" and reads the whole response, all
/// within `timeout`. Bodies are delimited by Content-Length, chunked encoding or the end of the
/// connection.
/// Throws cnfctl::Error "HTTP GET http://...: <why>" when the address is not an IPv4 address, the
/// connection is refused or fails, the deadline passes, or the response is not HTTP/1.x.
HttpResponse http_get(const std::string& ipv4, int port, const std::string& path,
                      std::chrono::milliseconds timeout);

/// The same GET sent over the unix stream socket `socket_path` instead of TCP: for a server
/// reached through a forward (SshRunner::forward_tcp), where `ipv4`:`port` is the server's
/// address as the far end sees it (used for the Host header and in messages).
/// Throws cnfctl::Error "HTTP GET http://...(via <socket>): <why>" when the socket cannot be
/// connected (missing, refused, path too long), the deadline passes, the connection closes
/// before a whole response (what a forward does when nothing listens at the far end), or the
/// response is not HTTP/1.x.
HttpResponse http_get_via_unix_socket(const std::string& socket_path, const std::string& ipv4,
                                      int port, const std::string& path,
                                      std::chrono::milliseconds timeout);

}  // namespace cnfctl::nginx
