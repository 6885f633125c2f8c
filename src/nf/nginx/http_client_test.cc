#include "nf/nginx/http_client.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "common/error.h"
#include "nf/nginx/tiny_http_server_test_support.h"
#include "support/temp_dir.h"

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

// A unix stream socket that reads one request and answers `response`, then closes: what a
// forward over SSH (SshRunner::forward_tcp) looks like to the client.
class UnixAnswer {
 public:
  UnixAnswer(const std::string& path, std::string response) : path_(path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size());
    listen_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::bind(listen_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listen_, 4) != 0) {
      throw std::runtime_error("unix server: " + std::string(std::strerror(errno)));
    }
    thread_ = std::thread([this, response = std::move(response)] {
      int fd = ::accept(listen_, nullptr, nullptr);
      if (fd < 0) return;
      char buffer[4096];
      ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
      if (got > 0) request_.assign(buffer, static_cast<std::size_t>(got));
      if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) < 0) {
        request_ += "(send failed)";
      }
      ::close(fd);
    });
  }
  ~UnixAnswer() {
    ::shutdown(listen_, SHUT_RDWR);
    thread_.join();
    ::close(listen_);
    ::unlink(path_.c_str());
  }
  UnixAnswer(const UnixAnswer&) = delete;
  UnixAnswer& operator=(const UnixAnswer&) = delete;
  std::string request() {
    thread_.join();
    thread_ = std::thread([] {});
    return request_;
  }

 private:
  std::string path_;
  int listen_ = -1;
  std::string request_;
  std::thread thread_;
};

TEST(HttpClient, GetThroughAUnixSocket) {
  nf::testing::TempDir dir;
  const std::string path = dir.path() + "/fwd";
  UnixAnswer server(path, "HTTP/1.1 200 OK\r\nContent-Length: 64\r\nConnection: close\r\n\r\n" +
                              std::string(64, 'x'));
  auto r = http_get_via_unix_socket(path, "127.0.0.1", 8080, "/64B", milliseconds(2000));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(64, 'x'));
  EXPECT_EQ(server.request().rfind("GET /64B HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n", 0), 0u);
}

TEST(HttpClient, UnixSocketFailuresNameTheSocket) {
  nf::testing::TempDir dir;
  const std::string path = dir.path() + "/fwd";
  auto missing =
      error_of([&] { http_get_via_unix_socket(path, "127.0.0.1", 80, "/", milliseconds(500)); });
  EXPECT_NE(missing.find("via " + path), std::string::npos) << missing;
  EXPECT_NE(missing.find("No such file"), std::string::npos) << missing;
  // A forward whose far end has nothing listening closes the connection at once.
  UnixAnswer closing(path, "");
  auto closed =
      error_of([&] { http_get_via_unix_socket(path, "127.0.0.1", 80, "/", milliseconds(2000)); });
  EXPECT_NE(closed.find("closed before the end of the headers"), std::string::npos) << closed;
  auto too_long = error_of([&] {
    http_get_via_unix_socket(std::string(200, 'a'), "127.0.0.1", 80, "/", milliseconds(100));
  });
  EXPECT_NE(too_long.find("longer than"), std::string::npos) << too_long;
}

}  // namespace
}  // namespace cnfctl::nginx
