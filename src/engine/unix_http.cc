#include "engine/unix_http.h"

#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "process/unix_stream.h"

namespace cnfctl::engine {

HttpResponse http_over_unix(const std::string& socket_path, const std::string& method,
                            const std::string& target, const std::string& json_body,
                            std::chrono::milliseconds timeout) {
  // 0: no deadline, as for a command.
  const auto deadline = process::Deadline::after(
      timeout.count() > 0 ? timeout : std::chrono::milliseconds(std::chrono::hours(24)));
  auto stream = process::UnixStream::connect(socket_path, "API socket", deadline);
  std::string request =
      fmt::format("{} {} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", method, target);
  if (!json_body.empty()) {
    request +=
        fmt::format("Content-Type: application/json\r\nContent-Length: {}\r\n", json_body.size());
  } else if (method == "POST" || method == "PUT") {
    request += "Content-Length: 0\r\n";
  }
  request += "\r\n" + json_body;
  stream.send_all(request, method + " " + target, deadline);
  std::string raw;
  std::vector<std::uint8_t> buffer(16384);
  while (true) {
    const auto n = stream.receive_some(buffer, "the answer to " + method + " " + target, deadline);
    raw.append(reinterpret_cast<const char*>(buffer.data()), n);
    if (auto response = process::complete_http_response(raw, n == 0)) return *response;
  }
}

}  // namespace cnfctl::engine
