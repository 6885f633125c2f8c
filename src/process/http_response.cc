#include "process/http_response.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/error.h"

namespace cnfctl::process {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

// Dechunks `data`; nullopt when incomplete. Throws Error when malformed.
std::optional<std::string> dechunk(const std::string& data) {
  std::string body;
  std::size_t at = 0;
  for (;;) {
    auto eol = data.find("\r\n", at);
    if (eol == std::string::npos) return std::nullopt;
    std::size_t size = 0;
    try {
      size = std::stoul(data.substr(at, eol - at), nullptr, 16);
    } catch (const std::exception&) {
      throw Error("malformed chunk size");
    }
    at = eol + 2;
    if (size == 0) return body;
    if (data.size() < at + size + 2) return std::nullopt;
    body.append(data, at, size);
    at += size + 2;
  }
}

}  // namespace

std::optional<HttpResponse> complete_http_response(const std::string& raw, bool closed) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (closed) throw Error("the connection closed before the end of the headers");
    return std::nullopt;
  }
  HttpResponse r;
  const std::string head = raw.substr(0, end);
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    throw Error("not an HTTP/1.x response: " + status_line.substr(0, 80));
  }
  try {
    r.status = std::stoi(status_line.substr(9, 3));
  } catch (const std::exception&) {
    throw Error("no status code in: " + status_line.substr(0, 80));
  }
  while (line_end != std::string::npos) {
    std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    std::string line =
        head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    r.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  const std::string data = raw.substr(end + 4);
  if (auto it = r.headers.find("transfer-encoding");
      it != r.headers.end() && lower(it->second).find("chunked") != std::string::npos) {
    auto body = dechunk(data);
    if (!body) {
      if (closed) throw Error("the connection closed inside a chunked body");
      return std::nullopt;
    }
    r.body = std::move(*body);
    return r;
  }
  if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
    std::size_t length = 0;
    try {
      length = std::stoul(it->second);
    } catch (const std::exception&) {
      throw Error("bad Content-Length: " + it->second);
    }
    if (data.size() < length) {
      if (closed) {
        throw Error(
            fmt::format("the connection closed after {} of {} body bytes", data.size(), length));
      }
      return std::nullopt;
    }
    r.body = data.substr(0, length);
    return r;
  }
  if (!closed) return std::nullopt;
  r.body = data;
  return r;
}

HttpResponse parse_http_response(const std::string& raw) {
  return *complete_http_response(raw, true);
}

}  // namespace cnfctl::process
