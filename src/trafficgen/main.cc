// cnfctl-gen: cnfctl's memif traffic generator (`gen`) and reference NF (`forward`), on DPDK.
// Runs like testpmd in a container: EAL arguments, "--", then the application arguments
// (options.h). The data path runs on the first worker lcore (on the main lcore when there is
// none); the main thread serves the control socket.
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "trafficgen/control_server.h"
#include "trafficgen/dpdk_ports.h"
#include "trafficgen/forwarder.h"
#include "trafficgen/generator.h"
#include "trafficgen/options.h"
#include "trafficgen/protocol.h"

namespace {

using cnfctl::trafficgen::AppOptions;
using cnfctl::trafficgen::Mode;
using nlohmann::json;

std::atomic<bool> g_quit{false};

extern "C" void on_signal(int) {
  g_quit.store(true);
}

constexpr std::uint16_t kSmallRoom = 2048 + RTE_PKTMBUF_HEADROOM;
constexpr std::uint16_t kJumboRoom = 9216 + RTE_PKTMBUF_HEADROOM;
constexpr std::uint32_t kJumboMbufs = 4096;

struct App {
  AppOptions options;
  std::vector<std::uint16_t> ports;
  std::unique_ptr<cnfctl::trafficgen::Generator> generator;
  std::unique_ptr<cnfctl::trafficgen::Forwarder> forwarder;
  std::atomic<bool> busy{false};

  json port_json(bool counters) const {
    json list = json::array();
    for (std::uint16_t p : ports) {
      const auto s = cnfctl::trafficgen::port_state(p);
      json j = {{"port", p}, {"name", s.name}, {"link_up", s.link_up}};
      if (counters) {
        j["rx_packets"] = s.rx_packets;
        j["tx_packets"] = s.tx_packets;
        j["rx_dropped"] = s.rx_dropped;
        j["tx_dropped"] = s.tx_dropped;
      }
      list.push_back(j);
    }
    return list;
  }

  std::string handle(const std::string& line) {
    try {
      const auto request = cnfctl::trafficgen::parse_request(line);
      json out = {{"ok", true}};
      if (request.cmd == "ping") {
        out["mode"] = options.mode == Mode::kGen ? "gen" : "forward";
        out["ports"] = port_json(false);
        out["busy"] = busy.load();
      } else if (request.cmd == "stats") {
        out["mode"] = options.mode == Mode::kGen ? "gen" : "forward";
        out["ports"] = port_json(true);
        if (forwarder) {
          out["forward"] = json::array();
          for (int d = 0; d < 2; ++d) {
            const auto c = forwarder->counters(d);
            out["forward"].push_back({{"name", d == 0 ? "0to1" : "1to0"},
                                      {"received", c.received},
                                      {"forwarded", c.forwarded},
                                      {"dropped_limit", c.dropped_limit},
                                      {"dropped_queue", c.dropped_queue},
                                      {"dropped_tx", c.dropped_tx}});
          }
          out["limit_pps"] = options.limit_pps;
          out["delay_us"] = options.delay_us;
        }
        if (generator) out["foreign_frames"] = generator->foreign_frames();
      } else if (request.cmd == "quit") {
        g_quit.store(true);
      } else if (request.cmd == "trial") {
        if (!generator) throw cnfctl::Error::bad_input("request", "trials need mode gen");
        busy.store(true);
        struct Clear {
          std::atomic<bool>& b;
          ~Clear() { b.store(false); }
        } clear{busy};
        out = to_json(generator->trial(request.trial, g_quit));
      }
      return out.dump();
    } catch (const cnfctl::Error& e) {
      return json{{"ok", false}, {"error", e.describe()}}.dump();
    } catch (const std::exception& e) {
      return json{{"ok", false}, {"error", e.what()}}.dump();
    }
  }

  bool links_up() const {
    for (std::uint16_t p : ports) {
      if (!cnfctl::trafficgen::port_state(p).link_up) return false;
    }
    return true;
  }

  // The control thread's work: one --trial, or the control socket, or waiting for a signal.
  int control() {
    if (options.trial) {
      const auto deadline =
          std::chrono::steady_clock::now() +
          std::chrono::milliseconds(static_cast<int>(options.link_timeout_s * 1000));
      while (!links_up() && !g_quit.load()) {
        if (std::chrono::steady_clock::now() > deadline) {
          std::cerr << "cnfctl-gen: the memif links did not come up within "
                    << options.link_timeout_s << " s\n";
          return 1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      json request;
      try {
        request = json::parse(*options.trial);
      } catch (const json::exception& e) {
        std::cerr << "cnfctl-gen: --trial: not JSON: " << e.what() << "\n";
        return 2;
      }
      if (!request.is_object()) {
        std::cerr << "cnfctl-gen: --trial: expected a JSON object\n";
        return 2;
      }
      request["cmd"] = "trial";
      const std::string answer = handle(request.dump());
      std::cout << answer << std::endl;
      return json::parse(answer).value("ok", false) ? 0 : 2;
    }
    if (!options.control.empty()) {
      cnfctl::trafficgen::serve_control(
          options.control, [this](const std::string& line) { return handle(line); }, g_quit);
      return 0;
    }
    while (!g_quit.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return 0;
  }

  void data() {
    if (generator) generator->run(g_quit);
    if (forwarder) forwarder->run(g_quit);
  }
};

int launch_data(void* app) {
  static_cast<App*>(app)->data();
  return 0;
}

std::vector<std::string> app_args(int argc, char** argv) {
  std::vector<std::string> args;
  bool after = false;
  for (int i = 1; i < argc; ++i) {
    if (after) args.emplace_back(argv[i]);
    if (std::string(argv[i]) == "--") after = true;
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") break;
    if (a == "--help" || a == "-h") {
      std::cout << cnfctl::trafficgen::usage();
      return 0;
    }
  }
  App app;
  try {
    app.options = cnfctl::trafficgen::parse_app_options(app_args(argc, argv));
  } catch (const cnfctl::Error& e) {
    std::cerr << "cnfctl-gen: " << e.describe() << "\n" << cnfctl::trafficgen::usage();
    return e.exit_code();
  }
  if (rte_eal_init(argc, argv) < 0) {
    std::cerr << "cnfctl-gen: EAL initialisation failed (see above)\n";
    return 1;
  }
  int rc = 0;
  try {
    app.ports = cnfctl::trafficgen::available_ports();
    const std::size_t want_min = app.options.mode == Mode::kGen ? 1 : 2;
    if (app.ports.size() < want_min || app.ports.size() > 2) {
      throw cnfctl::Error::bad_input(
          "--vdev", app.options.mode == Mode::kGen
                        ? "gen needs one or two memif ports (--vdev=net_memif0,...)"
                        : "forward needs exactly two memif ports (net_memif0 and net_memif1)");
    }
    std::uint32_t rx_mbufs = app.options.mbufs;
    if (app.options.delay_us != 0) rx_mbufs += 2 * app.options.delay_queue;
    rte_mempool* rx_pool = cnfctl::trafficgen::make_pool("cnfctl_rx", rx_mbufs, kSmallRoom);
    for (std::uint16_t p : app.ports) cnfctl::trafficgen::start_port(p, rx_pool);
    if (app.options.mode == Mode::kGen) {
      rte_mempool* small =
          cnfctl::trafficgen::make_pool("cnfctl_tx", app.options.mbufs, kSmallRoom);
      rte_mempool* jumbo =
          cnfctl::trafficgen::make_pool("cnfctl_tx_jumbo", kJumboMbufs, kJumboRoom);
      app.generator =
          std::make_unique<cnfctl::trafficgen::Generator>(app.ports, small, jumbo, kSmallRoom);
    } else {
      app.forwarder =
          std::make_unique<cnfctl::trafficgen::Forwarder>(app.ports[0], app.ports[1], app.options);
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::cerr << "cnfctl-gen: mode " << (app.options.mode == Mode::kGen ? "gen" : "forward") << ", "
              << app.ports.size() << " port(s)"
              << (app.options.control.empty() ? "" : ", control " + app.options.control) << "\n";

    const unsigned worker = rte_get_next_lcore(rte_get_main_lcore(), 1, 0);
    if (worker < RTE_MAX_LCORE) {
      rte_eal_remote_launch(launch_data, &app, worker);
      try {
        rc = app.control();
      } catch (...) {
        g_quit.store(true);
        rte_eal_mp_wait_lcore();
        throw;
      }
      g_quit.store(true);
      rte_eal_mp_wait_lcore();
    } else {
      std::thread side([&] {
        try {
          rc = app.control();
        } catch (const cnfctl::Error& e) {
          std::cerr << "cnfctl-gen: " << e.describe() << "\n";
          rc = e.exit_code();
        }
        g_quit.store(true);
      });
      app.data();
      side.join();
    }
  } catch (const cnfctl::Error& e) {
    std::cerr << "cnfctl-gen: " << e.describe() << "\n";
    rc = e.exit_code();
  }
  app.forwarder.reset();
  app.generator.reset();
  for (std::uint16_t p : app.ports) {
    rte_eth_dev_stop(p);
    rte_eth_dev_close(p);
  }
  rte_eal_cleanup();
  return rc;
}
