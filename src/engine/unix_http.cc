#include "engine/unix_http.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <vector>

#include "common/error.h"
#include "process/unix_stream.h"

namespace cnfctl::engine {
namespace {

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The value of header `name` (lower case) in `head`, or empty.
std::string header(const std::string& head, const std::string& name) {
  std::size_t at = head.find("\r\n");
  while (at != std::string::npos && at + 2 < head.size()) {
    const auto start = at + 2;
    const auto end = head.find("\r\n", start);
    const std::string line = head.substr(start, end == std::string::npos ? end : end - start);
    const auto colon = line.find(':');
    if (colon != std::string::npos && lowered(line.substr(0, colon)) == name) {
      auto value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of(" \t") + 1);
      return value;
    }
    at = end;
  }
  return {};
}

// The body of a complete response whose head ends at `body_at`; nullopt while more must come.
std::optional<std::string> complete_body(const std::string& raw, std::size_t body_at,
                                         const std::string& head, bool closed) {
  const std::string length = header(head, "content-length");
  if (!length.empty()) {
    std::size_t n = 0;
    try {
      n = std::stoull(length);
    } catch (const std::exception&) {
      throw Error(fmt::format("bad Content-Length '{}' in an HTTP answer", length));
    }
    if (raw.size() - body_at < n) {
      if (closed) throw Error("an HTTP answer ended before its Content-Length");
      return std::nullopt;
    }
    return raw.substr(body_at, n);
  }
  if (lowered(header(head, "transfer-encoding")).find("chunked") != std::string::npos) {
    std::string body;
    std::size_t at = body_at;
    while (true) {
      const auto line_end = raw.find("\r\n", at);
      if (line_end == std::string::npos) break;
      std::size_t size = 0;
      try {
        size = std::stoull(raw.substr(at, line_end - at), nullptr, 16);
      } catch (const std::exception&) {
        throw Error("a bad chunk size in an HTTP answer");
      }
      if (size == 0) return body;
      if (raw.size() < line_end + 2 + size + 2) break;
      body.append(raw, line_end + 2, size);
      at = line_end + 2 + size + 2;
    }
    if (closed) throw Error("an HTTP answer ended inside its chunked body");
    return std::nullopt;
  }
  // Neither: the body runs until the daemon closes (Connection: close).
  if (!closed) return std::nullopt;
  return raw.substr(body_at);
}

HttpResponse parse(const std::string& raw, bool closed, bool* complete) {
  *complete = false;
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (closed) throw Error("an HTTP answer ended inside its headers");
    return {};
  }
  const std::string head = raw.substr(0, head_end);
  HttpResponse response;
  // "HTTP/1.1 201 Created"
  if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12 || head[8] != ' ') {
    throw Error(fmt::format("not an HTTP answer: '{}'", head.substr(0, 40)));
  }
  try {
    response.status = std::stoi(head.substr(9, 3));
  } catch (const std::exception&) {
    throw Error(fmt::format("no status in the HTTP answer '{}'", head.substr(0, 40)));
  }
  auto body = complete_body(raw, head_end + 4, head, closed);
  if (!body) return {};
  response.body = std::move(*body);
  *complete = true;
  return response;
}

}  // namespace

HttpResponse parse_http_response(const std::string& raw) {
  bool complete = false;
  return parse(raw, true, &complete);
}

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
    bool complete = false;
    auto response = parse(raw, n == 0, &complete);
    if (complete) return response;
  }
}

}  // namespace cnfctl::engine
