#include "nf/testpmd/telemetry_batch.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "nf/nf_process.h"

namespace cnfctl::testpmd {

const char* const kNodeTelemetryScript = R"PY(# cnfctl: DPDK telemetry v2 client run on the node
import json, os, socket, sys, time

MISSING, REFUSED, TIMEOUT, OTHER = 20, 21, 22, 23


def fail(code, message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    sys.exit(code)


def reason(error):
    return os.strerror(error.errno) if error.errno else str(error)


def main():
    if len(sys.argv) < 2:
        fail(OTHER, "usage: python3 - <socket> <command>...")
    path, commands = sys.argv[1], sys.argv[2:]
    try:
        budget = float(os.environ.get("CNFCTL_TELEMETRY_TIMEOUT_MS", "2000")) / 1000.0
    except ValueError:
        fail(OTHER, "CNFCTL_TELEMETRY_TIMEOUT_MS is not a number")
    deadline = time.monotonic() + budget

    def left(what):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            fail(TIMEOUT, "no answer in time waiting for " + what)
        return remaining

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.settimeout(left("the connection"))
        sock.connect(path)
    except socket.timeout:
        fail(TIMEOUT, "cannot connect: no answer in time")
    except FileNotFoundError:
        fail(MISSING, "cannot connect: No such file or directory")
    except ConnectionRefusedError:
        fail(REFUSED, "cannot connect: Connection refused")
    except OSError as error:
        fail(OTHER, "cannot connect: " + reason(error))

    def receive(what):
        try:
            sock.settimeout(left(what))
            data = sock.recv(65536)
        except socket.timeout:
            fail(TIMEOUT, "no answer in time waiting for " + what)
        except OSError as error:
            fail(OTHER, "receiving %s: %s" % (what, reason(error)))
        if not data:
            fail(OTHER, "DPDK closed the socket before " + what)
        text = data.decode("utf-8", "replace")
        try:
            document = json.loads(text)
        except ValueError:
            fail(OTHER, "%s is not JSON: %s" % (what, text[:200]))
        sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    receive("DPDK's greeting")
    for command in commands:
        what = "the reply to " + command
        try:
            sock.settimeout(left(what))
            sent = sock.send(command.encode("utf-8"))
        except socket.timeout:
            fail(TIMEOUT, "sending %s: no progress in time" % command)
        except OSError as error:
            fail(OTHER, "sending %s: %s" % (command, reason(error)))
        if sent != len(command.encode("utf-8")):
            fail(OTHER, "sending %s: only %d bytes went" % (command, sent))
        receive(what)
    sock.close()


main()
)PY";

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds remaining(Clock::time_point deadline) {
  return std::max(milliseconds(1), std::chrono::ceil<milliseconds>(deadline - Clock::now()));
}

TelemetryFailure failure_of_exit(int code) {
  switch (code) {
    case kExitSocketMissing:
      return TelemetryFailure::kMissing;
    case kExitRefused:
      return TelemetryFailure::kRefused;
    case kExitTimeout:
      return TelemetryFailure::kTimeout;
    default:
      return TelemetryFailure::kOther;
  }
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

}  // namespace

TelemetryBatch telemetry_batch_direct(const std::string& socket,
                                      const std::vector<std::string>& commands,
                                      milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  auto client = TelemetryClient::connect(socket, timeout);
  TelemetryBatch batch;
  batch.greeting = client.greeting();
  for (const auto& command : commands) {
    batch.values.push_back(client.query(command, remaining(deadline)));
  }
  return batch;
}

TelemetryBatch telemetry_batch_via_runner(process::Runner& node, const std::string& socket,
                                          const std::vector<std::string>& commands,
                                          milliseconds timeout) {
  require_input(!socket.empty(), "DPDK telemetry", "the telemetry socket path is empty");
  for (const auto& command : commands) {
    require_input(command.find('\0') == std::string::npos, "DPDK telemetry",
                  "a telemetry command holds a NUL byte");
  }
  const std::string where = fmt::format("DPDK telemetry {} on {}", socket, node.name());
  process::Command command{.argv = {"python3", "-", socket}};
  command.argv.insert(command.argv.end(), commands.begin(), commands.end());
  command.set_env(kTelemetryTimeoutEnv, std::to_string(std::max<long long>(timeout.count(), 1)))
      .with_stdin(kNodeTelemetryScript)
      .with_timeout(timeout + kNodeTelemetryAllowance);
  const process::Outcome outcome = node.run(command);

  auto fail = [&](TelemetryFailure failure, const std::string& message) {
    TelemetryError error(failure, message);
    error.at(where);
    if (!outcome.ok()) {
      error.with_command(command.display(), outcome.describe_status(), outcome.tail());
    }
    throw error;
  };
  using Status = process::Outcome::Status;
  if (outcome.status == Status::kTimedOut) {
    fail(TelemetryFailure::kTimeout, fmt::format("the node-side client did not finish within {} ms",
                                                 (timeout + kNodeTelemetryAllowance).count()));
  }
  if (outcome.status == Status::kFailedToStart ||
      (outcome.status == Status::kExited && outcome.exit_code == 127)) {
    fail(TelemetryFailure::kOther,
         "cannot run python3 on the node (" + outcome.describe_status() +
             "); install python3 there: cnfctl reads DPDK telemetry through it");
  }
  if (!outcome.ok()) {
    const int code = outcome.status == Status::kExited ? outcome.exit_code : -1;
    std::string message = last_line(outcome.err);
    if (message.empty()) message = "the node-side client " + outcome.describe_status();
    fail(failure_of_exit(code), message);
  }

  std::vector<nlohmann::json> lines;
  std::size_t start = 0;
  while (start < outcome.out.size()) {
    auto end = outcome.out.find('\n', start);
    if (end == std::string::npos) end = outcome.out.size();
    const std::string line = outcome.out.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    try {
      lines.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
      fail(TelemetryFailure::kOther,
           "the node-side client printed a line that is not JSON: " + line.substr(0, 200));
    }
  }
  if (lines.size() != commands.size() + 1) {
    fail(TelemetryFailure::kOther,
         fmt::format("the node-side client printed {} lines for a greeting and {} replies",
                     lines.size(), commands.size()));
  }
  TelemetryBatch batch;
  batch.greeting = std::move(lines.front());
  if (!batch.greeting.is_object()) {
    fail(TelemetryFailure::kOther, "the greeting is not an object: " + batch.greeting.dump());
  }
  for (std::size_t i = 0; i < commands.size(); ++i) {
    try {
      batch.values.push_back(reply_value(lines[i + 1], commands[i]));
    } catch (Error& e) {
      throw e.at(where);
    }
  }
  return batch;
}

TelemetryBatch telemetry_batch(process::Runner& node, const std::string& socket,
                               const std::vector<std::string>& commands, milliseconds timeout) {
  if (nf::is_local_node(node)) return telemetry_batch_direct(socket, commands, timeout);
  return telemetry_batch_via_runner(node, socket, commands, timeout);
}

}  // namespace cnfctl::testpmd
