#include "nf/nginx/http_client.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "nf/nginx/tiny_http_server_test_support.h"

namespace cnfctl::nginx {
namespace {

using std::chrono::milliseconds;
using testing::TinyHttpServer;

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.describe();
  }
  return "(no error)";
}

TEST(HttpClient, ContentLengthBody) {
  TinyHttpServer server(
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: application/octet-stream\r\n"
      "Content-Length: 64\r\nConnection: close\r\n\r\n" +
      std::string(64, 'x'));
  auto r = http_get("127.0.0.1", server.port(), "/64B", milliseconds(2000));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(64, 'x'));
  EXPECT_EQ(r.headers.at("server"), "nginx/1.22.1");
  EXPECT_EQ(server.last_request().rfind("GET /64B HTTP/1.1\r\nHost: 127.0.0.1:", 0), 0u)
      << server.last_request();
  EXPECT_NE(server.last_request().find("Connection: close\r\n"), std::string::npos);
}

TEST(HttpClient, ChunkedAndCloseDelimitedBodies) {
  auto chunked = parse_http_response(
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: "
      "chunked\r\n\r\n4\r\nabcd\r\n2\r\nef\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.status, 404);
  EXPECT_EQ(chunked.body, "abcdef");
  auto closed = parse_http_response("HTTP/1.0 200 OK\r\n\r\nuntil the end");
  EXPECT_EQ(closed.body, "until the end");
  EXPECT_THROW(parse_http_response("SSH-2.0-OpenSSH\r\n\r\n"), Error);
  EXPECT_THROW(parse_http_response("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"), Error);
}

TEST(HttpClient, RefusedAndSilentServers) {
  int port = 0;
  {
    TinyHttpServer gone("");
    port = gone.port();
  }
  EXPECT_NE(error_of([&] {
              http_get("127.0.0.1", port, "/", milliseconds(1000));
            }).find("connect: Connection refused"),
            std::string::npos);
  TinyHttpServer silent("", true);
  auto start = std::chrono::steady_clock::now();
  auto message = error_of([&] { http_get("127.0.0.1", silent.port(), "/x", milliseconds(200)); });
  EXPECT_NE(message.find("no complete response in time"), std::string::npos) << message;
  EXPECT_NE(message.find("http://127.0.0.1:" + std::to_string(silent.port()) + "/x"),
            std::string::npos)
      << message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2000));
  EXPECT_NE(error_of([] {
              http_get("localhost", 80, "/", milliseconds(100));
            }).find("not an IPv4 address"),
            std::string::npos);
}

}  // namespace
}  // namespace cnfctl::nginx
