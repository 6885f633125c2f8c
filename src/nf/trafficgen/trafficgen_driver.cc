#include "nf/trafficgen/trafficgen_driver.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "nf/detached.h"
#include "nf/launcher.h"
#include "nf/nf_process.h"
#include "nf/node_stop.h"
#include "process/ssh_runner.h"
#include "trafficgen/client.h"

namespace cnfctl::trafficgen {

namespace {

using std::chrono::milliseconds;

constexpr milliseconds kStatsTimeout{5000};

bool runs_nothing(const nf::PlannedContainer& c) {
  return c.nf.argv.empty();
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

// The memif roles of the ports, from the --vdev arguments (port k is the k-th --vdev).
std::vector<bool> client_ports(const std::vector<std::string>& argv) {
  std::vector<bool> clients;
  for (const auto& a : argv) {
    if (a == "--") break;
    if (a.starts_with("--vdev=net_memif")) clients.push_back(a.find(",role=client") != a.npos);
  }
  return clients;
}

class TrafficgenDriver : public nf::NfDriver {
 public:
  void prepare(const nf::NfContext& ctx) override {
    if (runs_nothing(ctx.container)) return;
    remove_stale_sockets(ctx);
  }

  std::optional<int> start(const nf::NfContext& ctx) override {
    const auto& c = ctx.container;
    if (runs_nothing(c)) return std::nullopt;
    const int pid = nf::start_nf(ctx);
    pids_.remember(c.id, pid);
    return pid;
  }

  nf::Readiness probe(const nf::NfContext& ctx, milliseconds timeout) override {
    const auto& c = ctx.container;
    if (runs_nothing(c)) return {true, c.nf.readiness, false};
    std::string seen;
    const auto socket = *control_socket_of(c);
    try {
      GenClient client(nf::node_socket(ctx, socket), milliseconds(1));
      auto verdict = assess_trafficgen_readiness(c.nf.argv, client.ping(timeout));
      if (verdict.ready) return verdict;
      seen = verdict.detail;
    } catch (const process::SshError&) {
      throw;  // the node is gone: not a readiness question
    } catch (const Error& e) {
      seen = "control socket " + socket + " does not answer yet: " + e.describe();
    }
    if (!pids_.alive(ctx)) return nf::nf_exited(ctx, seen);
    return {false, seen, false};
  }

  std::vector<nf::PortCounters> counters(const nf::NfContext& ctx) override {
    const auto& c = ctx.container;
    if (runs_nothing(c)) return {};
    try {
      GenClient client(nf::node_socket(ctx, *control_socket_of(c)), kStatsTimeout);
      return counters_from_stats(c, client.stats(kStatsTimeout));
    } catch (Error& e) {
      throw e.at("container " + c.id);
    }
  }

  void stop(const nf::NfContext& ctx, milliseconds grace) override {
    const auto& c = ctx.container;
    if (runs_nothing(c)) return;
    auto pid = pids_.pid_of(ctx);
    nf::stop_nf(ctx, pid.value_or(0), c.nf.argv.front(), grace);
    pids_.forget(c.id);
  }

  void cleanup(const nf::NfContext& ctx) override {
    if (runs_nothing(ctx.container)) return;
    remove_stale_sockets(ctx);
  }

 private:
  // The control socket and the memif sockets this container serves: a stale file blocks the
  // next server ("Address already in use").
  static void remove_stale_sockets(const nf::NfContext& ctx) {
    std::vector<std::string> argv = {"rm", "-f", "--"};
    if (auto control = control_socket_of(ctx.container)) argv.push_back(*control);
    for (const auto& link : ctx.container.links) {
      if (link.is_server() && !link.host_socket_path.empty()) {
        argv.push_back(link.host_socket_path);
      }
    }
    if (argv.size() > 3) nf::run_on_node(ctx, argv, "removing cnfctl-gen's stale sockets");
  }

  nf::NfPids pids_;
};

}  // namespace

std::optional<std::string> control_socket_of(const nf::PlannedContainer& c) {
  const auto& argv = c.nf.argv;
  const auto it = std::find(argv.begin(), argv.end(), "--control");
  if (it == argv.end() || it + 1 == argv.end()) return std::nullopt;
  const std::string guest = *(it + 1);
  const std::string dir = parent_of(guest);
  for (const auto& m : c.mounts) {
    if (m.guest == dir) return m.host + guest.substr(dir.size());
  }
  throw Error(fmt::format("cnfctl-gen's control socket {} is in no mounted directory", guest))
      .at("container " + c.id);
}

nf::Readiness assess_trafficgen_readiness(const std::vector<std::string>& argv,
                                          const nlohmann::json& ping) {
  nf::Readiness r;
  const auto clients = client_ports(argv);
  if (!ping.value("ok", false) || !ping.contains("ports") || !ping["ports"].is_array()) {
    r.detail = "cnfctl-gen answered ping without its ports: " + ping.dump();
    return r;
  }
  const auto& ports = ping["ports"];
  std::size_t up = 0;
  std::string down;
  for (std::size_t k = 0; k < ports.size(); ++k) {
    const bool is_up = ports[k].value("link_up", false);
    up += is_up ? 1 : 0;
    if (!is_up && k < clients.size() && clients[k]) {
      down += fmt::format("{}port {} (memif client) is down", down.empty() ? "" : ", ", k);
    }
  }
  r.detail = fmt::format("{}/{} memif ports, {}/{} links up", ports.size(), clients.size(), up,
                         clients.size());
  if (ports.size() != clients.size()) {
    r.detail += "; a memif port is missing (see the NF log)";
    return r;
  }
  if (!down.empty()) {
    r.detail += "; " + down;
    return r;
  }
  r.ready = true;
  return r;
}

std::vector<nf::PortCounters> counters_from_stats(const nf::PlannedContainer& c,
                                                  const nlohmann::json& stats) {
  if (!stats.value("ok", false) || !stats.contains("ports")) {
    throw Error("cnfctl-gen's stats answer has no ports: " + stats.dump());
  }
  std::vector<nf::PortCounters> result;
  for (const auto& p : stats["ports"]) {
    nf::PortCounters pc;
    pc.port = p.value("port", 0);
    const auto k = static_cast<std::size_t>(pc.port);
    if (k < c.links.size()) pc.peer = c.links[k].peer;
    pc.rx_packets = p.value("rx_packets", std::uint64_t{0});
    pc.tx_packets = p.value("tx_packets", std::uint64_t{0});
    pc.rx_dropped = p.value("rx_dropped", std::uint64_t{0});
    pc.tx_dropped = p.value("tx_dropped", std::uint64_t{0});
    result.push_back(pc);
  }
  if (stats.contains("forward") && result.size() == 2) {
    for (std::size_t d = 0; d < 2 && d < stats["forward"].size(); ++d) {
      const auto& f = stats["forward"][d];
      result[d].rx_dropped +=
          f.value("dropped_limit", std::uint64_t{0}) + f.value("dropped_queue", std::uint64_t{0});
      result[1 - d].tx_dropped += f.value("dropped_tx", std::uint64_t{0});
    }
  }
  return result;
}

std::unique_ptr<nf::NfDriver> make_trafficgen_driver() {
  return std::make_unique<TrafficgenDriver>();
}

}  // namespace cnfctl::trafficgen
