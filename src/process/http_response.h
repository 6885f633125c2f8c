// An HTTP/1.1 response read off a stream: the one parser of the project's two small HTTP
// clients (nginx's readiness probe, nf/nginx/http_client.h; the docker engine's API calls,
// engine/unix_http.h).
#pragma once

#include <map>
#include <optional>
#include <string>

namespace cnfctl::process {

struct HttpResponse {
  int status = 0;                              // 200
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;                            // de-chunked
};

/// The response when `raw` holds all of it, nullopt while more must come; `closed`: the peer has
/// closed the connection, so nothing more comes. The body is delimited by Content-Length, chunked
/// encoding or the end of the connection. Throws cnfctl::Error for what is not HTTP/1.x, and
/// with `closed` for a response cut short.
std::optional<HttpResponse> complete_http_response(const std::string& raw, bool closed);

/// complete_http_response() of a whole raw response (`closed`). Throws cnfctl::Error for a
/// malformed or incomplete one.
HttpResponse parse_http_response(const std::string& raw);

}  // namespace cnfctl::process
