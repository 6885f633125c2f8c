#include "nf/command/command_driver.h"

#include <fmt/format.h>

#include "common/error.h"
#include "nf/detached.h"
#include "nf/launcher.h"
#include "nf/nf_process.h"
#include "nf/node_stop.h"
#include "process/posix_quote.h"

namespace cnfctl::nf {
namespace {

class CommandDriver : public NfDriver {
 public:
  void prepare(const NfContext&) override {}

  std::optional<int> start(const NfContext& ctx) override {
    const auto& c = ctx.container;
    const int pid = start_nf(ctx);
    pids_.remember(c.id, pid);
    return pid;
  }

  Readiness probe(const NfContext& ctx, std::chrono::milliseconds timeout) override {
    const auto& c = ctx.container;
    if (!c.nf.probe) {
      if (pids_.alive(ctx)) return {true, "the process runs", false};
      return nf_exited(ctx, "no probe; the process must keep running");
    }
    engine::ExecRequest request;
    request.argv = *c.nf.probe;
    request.env = c.nf.env;
    request.timeout = timeout;
    process::Outcome outcome;
    try {
      outcome = ctx.engine.exec(c.id, request);
    } catch (const Error& e) {
      return {false, fmt::format("probe could not run: {}", e.describe()), false};
    }
    if (outcome.ok()) return {true, "probe exited 0", false};
    std::string seen = fmt::format("probe {} {}", process::posix_quote_argv(*c.nf.probe),
                                   outcome.describe_status());
    if (!pids_.alive(ctx)) return nf_exited(ctx, seen);
    return {false, seen, false};
  }

  std::vector<PortCounters> counters(const NfContext&) override { return {}; }

  void stop(const NfContext& ctx, std::chrono::milliseconds grace) override {
    const auto& c = ctx.container;
    // The pid file inside the container names the process, so this works from a fresh driver.
    stop_nf(ctx, 0, "", grace);
    pids_.forget(c.id);
  }

  // A plain command has no shutdown protocol and nothing on the node: it dies with its
  // container (`restart` still stops it with SIGTERM and grace).
  bool stop_before_destroy() const override { return false; }

  void cleanup(const NfContext&) override {}

 private:
  NfPids pids_;
};

}  // namespace

std::unique_ptr<NfDriver> make_command_driver() {
  return std::make_unique<CommandDriver>();
}

}  // namespace cnfctl::nf
