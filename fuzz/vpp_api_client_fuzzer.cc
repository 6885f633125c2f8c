// The VPP binary-API client (nf/vpp/api_client.h) against a hostile VPP: a server thread
// accepts the client on a real Unix socket, sends the input as VPP's side of the session,
// closes its sending side and reads whatever the client sends until it hangs up. The client
// registers (sockclnt_create), asks show_version and control_ping, then disconnects, as cnfctl
// does when it checks that VPP's API is up.
// Properties: whatever VPP sends, the client fails only with a cnfctl::Error that is a failure
// (exit 1, never "bad input": the user's file is not at fault), never hangs (every wait has a
// deadline; the server's close ends it), and what it returns is in range (strings no longer than
// their fields, a message table no larger than the ids a u16 can name).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <thread>

#include "fuzz_check.h"
#include "nf/vpp/api_client.h"

using cnfctl::Error;
using cnfctl::fuzz::check;
using namespace cnfctl::vpp;

namespace {

struct Listener {
  std::string dir;
  std::string path;
  int fd = -1;

  Listener() {
    char pattern[] = "/tmp/cnfctl-fuzz-vpp.XXXXXX";
    check(::mkdtemp(pattern) != nullptr, "mkdtemp");
    dir = pattern;
    path = dir + "/api.sock";
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    check(fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
              ::listen(fd, 4) == 0,
          "listening on a Unix socket", std::strerror(errno));
  }
  ~Listener() {
    ::close(fd);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// VPP's side: everything in `bytes`, then end of stream; then reads until the client closes.
void serve(int listen_fd, std::span<const std::uint8_t> bytes) {
  int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the client hung up
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char sink[4096];
  while (true) {
    ssize_t n = ::recv(fd, sink, sizeof(sink), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  ::close(fd);
}

void check_failure(const Error& e) {
  check(e.kind() == cnfctl::ErrorKind::kFailure, "a hostile VPP is a failure, not bad input",
        e.describe());
  check(!e.message().empty(), "an error says something");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Listener listener;
  std::thread server(serve, listener.fd, std::span<const std::uint8_t>(data, size));
  try {
    ApiClientOptions options;
    options.connect_timeout = std::chrono::seconds(10);
    options.reply_timeout = std::chrono::seconds(10);
    ApiClient client = ApiClient::connect(listener.path, options);
    check(client.is_connected(), "connected after connect()");
    for (const auto& [name, id] : client.message_table()) {
      check(name.size() <= 64 && name.find('\0') == std::string::npos, "a table name fits");
      check(client.find_message_id(name) == id, "find_message_id agrees with the table");
    }
    try {
      VppVersion version = client.show_version();
      check(version.program.size() <= 32 && version.version.size() <= 32 &&
                version.build_date.size() <= 32 && version.build_directory.size() <= 256,
            "show_version strings fit their fields");
    } catch (const Error& e) {
      check_failure(e);
    }
    try {
      (void)client.control_ping();
    } catch (const Error& e) {
      check_failure(e);
    }
    try {
      client.disconnect();
    } catch (const Error& e) {
      check_failure(e);
    }
    check(!client.is_connected(), "disconnect() closes the socket in every case");
  } catch (const Error& e) {
    check_failure(e);
  }
  server.join();
  return 0;
}
