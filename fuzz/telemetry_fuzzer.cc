// The DPDK telemetry reader (nf/testpmd/): the input is what a node prints, one JSON document a
// line (DPDK's greeting, then one reply per command), read two ways:
//   - telemetry_batch_via_runner(): the input as the stdout of the node-side client (a Runner
//     that returns it, as an SSH node would);
//   - telemetry_batch_direct(): each non-empty line as one SOCK_SEQPACKET message of a fake DPDK
//     on a real Unix socket (greeting on connect, then a line per command received).
// The commands are /ethdev/list, /ethdev/stats,0 and /ethdev/link_status,0, and the values are
// read with parse_ethdev_list / parse_ethdev_stats / parse_link_status, as the testpmd driver does.
// Properties: failures are cnfctl::Error only (never a JSON library exception or a crash); when
// the input holds exactly a greeting and one reply per command, both ways agree (both fail, or
// both return the same greeting and values).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fuzz_check.h"
#include "nf/testpmd/telemetry_batch.h"
#include "nf/testpmd/telemetry_client.h"
#include "process/runner.h"

using cnfctl::Error;
using cnfctl::fuzz::check;
using namespace cnfctl::testpmd;

namespace {

const std::vector<std::string> kCommands = {"/ethdev/list", "/ethdev/stats,0",
                                            "/ethdev/link_status,0"};

// A node whose node-side client printed `out` and exited 0.
class PrintingNode : public cnfctl::process::Runner {
 public:
  explicit PrintingNode(std::string out) : out_(std::move(out)) {}
  cnfctl::process::Outcome run(const cnfctl::process::Command&) override {
    cnfctl::process::Outcome outcome;
    outcome.status = cnfctl::process::Outcome::Status::kExited;
    outcome.exit_code = 0;
    outcome.out = out_;
    return outcome;
  }
  std::vector<cnfctl::process::Outcome> run_all(const std::vector<cnfctl::process::Command>& c,
                                                std::size_t) override {
    std::vector<cnfctl::process::Outcome> outcomes;
    for (const auto& command : c) outcomes.push_back(run(command));
    return outcomes;
  }
  std::string name() const override { return "fuzz-node"; }

 private:
  std::string out_;
};

struct Listener {
  std::string dir;
  std::string path;
  int fd = -1;

  Listener() {
    char pattern[] = "/tmp/cnfctl-fuzz-telemetry.XXXXXX";
    check(::mkdtemp(pattern) != nullptr, "mkdtemp");
    dir = pattern;
    path = dir + "/dpdk_telemetry.v2";
    fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
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

// DPDK's side: the first message at once, each next one after a command arrives.
void serve(int listen_fd, const std::vector<std::string>& messages) {
  int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  char command[1024];
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i > 0 && ::recv(fd, command, sizeof(command), 0) <= 0) break;
    if (::send(fd, messages[i].data(), messages[i].size(), MSG_NOSIGNAL) < 0) break;
  }
  ::close(fd);
}

std::optional<TelemetryBatch> read_batch(bool direct, const std::string& text,
                                         const std::vector<std::string>& lines) {
  static Listener listener;
  std::optional<std::thread> server;
  try {
    if (direct) {
      server.emplace(serve, listener.fd, lines);
      auto batch = telemetry_batch_direct(listener.path, kCommands, std::chrono::seconds(10));
      server->join();
      return batch;
    }
    PrintingNode node(text);
    return telemetry_batch_via_runner(node, "/var/run/dpdk/nf1/dpdk_telemetry.v2", kCommands,
                                      std::chrono::seconds(10));
  } catch (const Error& e) {
    check(!e.message().empty(), "a telemetry error says something");
    if (server) server->join();
    return std::nullopt;
  }
}

void read_values(const TelemetryBatch& batch) {
  check(batch.greeting.is_object(), "the greeting is an object");
  check(batch.values.size() == kCommands.size(), "a value per command");
  try {
    (void)parse_ethdev_list(batch.values[0]);
  } catch (const Error&) {
  }
  try {
    (void)parse_ethdev_stats(batch.values[1]);
  } catch (const Error&) {
  }
  try {
    (void)parse_link_status(batch.values[2]);
  } catch (const Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  bool fits = true;  // every line fits one telemetry message (DPDK's 16 KiB, the reader's 64)
  for (std::size_t start = 0; start < text.size();) {
    auto end = std::min(text.find('\n', start), text.size());
    if (end > start) lines.push_back(text.substr(start, end - start));
    fits = fits && end - start <= 16384;
    start = end + 1;
  }

  const auto via_runner = read_batch(false, text, lines);
  if (via_runner) read_values(*via_runner);
  if (lines.size() != kCommands.size() + 1 || !fits) return 0;

  const auto direct = read_batch(true, text, lines);
  if (direct) read_values(*direct);
  check(direct.has_value() == via_runner.has_value(), "both ways agree on success", text);
  if (direct) {
    check(direct->greeting == via_runner->greeting, "both ways read the same greeting", text);
    check(direct->values == via_runner->values, "both ways read the same values", text);
  }
  return 0;
}
