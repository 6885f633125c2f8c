#include "nf/testpmd/testpmd_driver.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "nf/detached.h"
#include "nf/launcher.h"
#include "nf/nf_process.h"
#include "nf/node_stop.h"
#include "nf/testpmd/telemetry_batch.h"
#include "process/ssh_runner.h"

namespace cnfctl::testpmd {

namespace {

using std::chrono::milliseconds;

constexpr const char* kTelemetrySocketName = "dpdk_telemetry.v2";
// Reading counters is not bounded by a probe's budget; this is per telemetry exchange.
constexpr milliseconds kCountersTimeout{2000};

const std::string& runtime_dir_of(const nf::PlannedContainer& c) {
  if (!c.dpdk_runtime_dir || c.dpdk_runtime_dir->empty()) {
    throw Error("the plan gives this testpmd no DPDK runtime dir").at("container " + c.id);
  }
  return *c.dpdk_runtime_dir;
}

// One telemetry batch for the container's NF, on whatever node it runs; errors (of their own
// type: TelemetryError, SshError) also name the container.
TelemetryBatch batch(const nf::NfContext& ctx, const std::string& socket,
                     const std::vector<std::string>& commands, milliseconds timeout) {
  try {
    return telemetry_batch(ctx.node, socket, commands, timeout);
  } catch (Error& e) {
    e.at("container " + ctx.container.id);
    throw;
  }
}

milliseconds left_until(std::chrono::steady_clock::time_point deadline) {
  return std::max(milliseconds(1),
                  std::chrono::ceil<milliseconds>(deadline - std::chrono::steady_clock::now()));
}

class TestpmdDriver : public nf::NfDriver {
 public:
  void prepare(const nf::NfContext& ctx) override {
    const auto& dir = runtime_dir_of(ctx.container);
    nf::require_removable_path(ctx, dir, "DPDK runtime dir");
    nf::run_on_node(ctx, {"mkdir", "-p", "--", dir}, "creating the DPDK runtime dir " + dir);
    remove_served_sockets(ctx);
  }

  std::optional<int> start(const nf::NfContext& ctx) override {
    const auto& c = ctx.container;
    const int pid = nf::start_nf(ctx);
    pids_.remember(c.id, pid);
    return pid;
  }

  nf::Readiness probe(const nf::NfContext& ctx, milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const auto socket = telemetry_socket_of(ctx.container);
    std::string seen;
    try {
      const auto view = read_telemetry_view([&](const std::vector<std::string>& commands) {
        return batch(ctx, socket, commands, left_until(deadline)).values;
      });
      auto verdict = assess_testpmd_readiness(ctx.container.links, view);
      if (verdict.ready) return verdict;
      seen = verdict.detail;
    } catch (const process::SshError&) {
      throw;  // the node is gone: not a readiness question
    } catch (const TelemetryError& e) {
      seen = e.failure() == TelemetryFailure::kMissing
                 ? "telemetry socket " + socket + " not there yet"
                 : e.describe();
    } catch (const Error& e) {
      seen = e.describe();
    }
    if (!pids_.alive(ctx)) return exited(ctx);
    return nf::Readiness{false, seen, false};
  }

  std::vector<nf::PortCounters> counters(const nf::NfContext& ctx) override {
    const auto& links = ctx.container.links;
    const auto socket = telemetry_socket_of(ctx.container);
    std::vector<nf::PortCounters> result;
    const auto ports =
        parse_ethdev_list(batch(ctx, socket, {"/ethdev/list"}, kCountersTimeout).values.at(0));
    if (ports.empty()) return result;
    std::vector<std::string> commands;
    for (int port : ports) commands.push_back(fmt::format("/ethdev/stats,{}", port));
    const auto values = batch(ctx, socket, commands, kCountersTimeout).values;
    for (std::size_t k = 0; k < ports.size(); ++k) {
      const auto s = parse_ethdev_stats(values.at(k));
      nf::PortCounters p;
      p.port = ports[k];
      if (k < links.size()) p.peer = links[k].peer;
      p.rx_packets = s.ipackets;
      p.tx_packets = s.opackets;
      p.rx_dropped = s.imissed + s.ierrors + s.rx_nombuf;
      p.tx_dropped = s.oerrors;
      result.push_back(std::move(p));
    }
    return result;
  }

  void stop(const nf::NfContext& ctx, milliseconds grace) override {
    const auto& c = ctx.container;
    auto pid = pids_.pid_of(ctx);
    const std::string argv0 = c.nf.argv.empty() ? std::string() : c.nf.argv.front();
    nf::stop_nf(ctx, pid.value_or(0), argv0, grace);
    pids_.forget(c.id);
  }

  void cleanup(const nf::NfContext& ctx) override {
    const auto& dir = runtime_dir_of(ctx.container);
    nf::require_removable_path(ctx, dir, "DPDK runtime dir");
    nf::run_on_node(ctx, {"rm", "-rf", "--", dir}, "removing the DPDK runtime dir " + dir);
    remove_served_sockets(ctx);
  }

 private:
  // Stale socket files block a memif server ("Address already in use"); clients' sockets
  // belong to their servers.
  static void remove_served_sockets(const nf::NfContext& ctx) {
    std::vector<std::string> argv = {"rm", "-f", "--"};
    for (const auto& link : ctx.container.links) {
      if (link.is_server() && !link.host_socket_path.empty()) {
        argv.push_back(link.host_socket_path);
      }
    }
    if (argv.size() > 3) nf::run_on_node(ctx, argv, "removing the memif sockets it serves");
  }

  // A testpmd that is gone: why, in its own words. Telemetry's view ("answered null", "not
  // there yet") says nothing then; the log tail itself is printed by whoever reports the
  // failure (up prints the NF log), so it is not repeated here.
  static nf::Readiness exited(const nf::NfContext& ctx) {
    nf::Readiness r;
    r.fatal = true;
    const auto reason = testpmd_exit_reason(nf::nf_log_tail(ctx.engine, ctx.container.id, 400));
    r.detail = "testpmd exited: " + (reason.empty() ? std::string("(its log is empty)") : reason);
    return r;
  }

  nf::NfPids pids_;
};

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace

TelemetryView read_telemetry_view(const TelemetryQuery& query) {
  TelemetryView view;
  view.ports = parse_ethdev_list(query({"/ethdev/list"}).at(0));
  if (view.ports.empty()) return view;
  std::vector<std::string> commands;
  for (int port : view.ports) commands.push_back(fmt::format("/ethdev/link_status,{}", port));
  for (int port : view.ports) commands.push_back(fmt::format("/ethdev/info,{}", port));
  const auto values = query(commands);
  const std::size_t n = view.ports.size();
  for (std::size_t k = 0; k < n; ++k) {
    view.link_up.push_back(parse_link_status(values.at(k)).up);
    view.started.push_back(parse_dev_started(values.at(n + k)));
  }
  return view;
}

nf::Readiness assess_testpmd_readiness(const std::vector<wiring::MemifLink>& links,
                                       const TelemetryView& view) {
  nf::Readiness r;
  std::size_t up = 0;
  std::string down;
  std::string unstarted;
  for (std::size_t k = 0; k < links.size() && k < view.ports.size(); ++k) {
    const bool is_up = k < view.link_up.size() && view.link_up[k];
    if (k >= view.started.size() || !view.started[k]) {
      unstarted += fmt::format("{}{}", unstarted.empty() ? "" : ", ", k);
    }
    if (is_up) {
      ++up;
    } else if (!links[k].is_server()) {
      down += fmt::format("{}port {} (client of {}) is down", down.empty() ? "" : ", ", k,
                          links[k].peer.empty() ? links[k].socket_file : links[k].peer);
    }
  }
  r.detail = fmt::format("{}/{} memif ports, {}/{} links up", view.ports.size(), links.size(), up,
                         links.size());
  if (view.ports.size() < links.size()) {
    r.detail +=
        "; a memif port is missing: its socket could not be created or reached (see the "
        "NF log)";
    return r;
  }
  if (view.ports.size() > links.size()) {
    r.detail += "; more ports than the plan's links";
    return r;
  }
  if (!unstarted.empty()) {
    r.detail += "; port(s) " + unstarted + " not started yet";
    return r;
  }
  if (!down.empty()) {
    r.detail += "; " + down;
    return r;
  }
  r.ready = true;
  return r;
}

std::string testpmd_exit_reason(const std::string& log) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < log.size()) {
    auto end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    auto line = log.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    // Usage text is indented; reasons start at the margin.
    if (line.empty() || line.front() == ' ' || line.front() == '\t') continue;
    lines.push_back(std::move(line));
  }
  const std::vector<std::vector<std::string_view>> ranked = {
      {"unrecognized option", "invalid option", "requires an argument", "Invalid "},
      {"Cause:", "EAL: Error"},
      {"Error", "error", "Cannot", "cannot", "Fail", "fail"},
  };
  for (const auto& needles : ranked) {
    for (const auto& line : lines) {
      for (auto needle : needles) {
        if (contains(line, needle)) return line;
      }
    }
  }
  return lines.empty() ? "" : lines.back();
}

std::string telemetry_socket_of(const nf::PlannedContainer& container) {
  return runtime_dir_of(container) + "/" + kTelemetrySocketName;
}

std::unique_ptr<nf::NfDriver> make_testpmd_driver() {
  return std::make_unique<TestpmdDriver>();
}

}  // namespace cnfctl::testpmd
