// A small blocking HTTP/1.1 client with a deadline: what nginx's readiness probe needs (one GET
// to a loopback server, status and body), nothing more (no TLS, no redirects, no chunked
// uploads).
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace cnfctl::nginx {

struct HttpResponse {
  int status = 0;                              // 200
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

/// GETs http://<ipv4>:<port><path> with "Connection: close" and reads the whole response, all
/// within `timeout`. Bodies are delimited by Content-Length, chunked encoding or the end of the
/// connection.
/// Throws cnfctl::Error "HTTP GET http://...: <why>" when the address is not an IPv4 address, the
/// connection is refused or fails, the deadline passes, or the response is not HTTP/1.x.
HttpResponse http_get(const std::string& ipv4, int port, const std::string& path,
                      std::chrono::milliseconds timeout);

/// Parses a complete raw response (status line, headers, body as framed above). Throws
/// cnfctl::Error for a malformed or incomplete one.
HttpResponse parse_http_response(const std::string& raw);

}  // namespace cnfctl::nginx
