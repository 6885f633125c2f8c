#include "trafficgen/dpdk_ports.h"

#include <fmt/format.h>
#include <rte_errno.h>

#include "common/error.h"

namespace cnfctl::trafficgen {

rte_mempool* make_pool(const std::string& name, std::uint32_t count, std::uint16_t data_room) {
  rte_mempool* pool =
      rte_pktmbuf_pool_create(name.c_str(), count, 256, 0, data_room, rte_socket_id());
  if (pool == nullptr) {
    throw Error(fmt::format("cannot make mbuf pool {} ({} x {} B): {}", name, count, data_room,
                            rte_strerror(rte_errno)));
  }
  return pool;
}

void start_port(std::uint16_t port, rte_mempool* rx_pool) {
  rte_eth_conf conf{};
  auto check = [&](int rc, const char* what) {
    if (rc < 0) throw Error(fmt::format("port {}: {} failed: {}", port, what, rte_strerror(-rc)));
  };
  check(rte_eth_dev_configure(port, 1, 1, &conf), "configure");
  std::uint16_t rx_desc = 1024;
  std::uint16_t tx_desc = 1024;
  check(rte_eth_dev_adjust_nb_rx_tx_desc(port, &rx_desc, &tx_desc), "adjust descriptors");
  const int socket = rte_eth_dev_socket_id(port);
  const unsigned socket_id = socket < 0 ? 0U : static_cast<unsigned>(socket);
  check(rte_eth_rx_queue_setup(port, 0, rx_desc, socket_id, nullptr, rx_pool), "rx queue setup");
  check(rte_eth_tx_queue_setup(port, 0, tx_desc, socket_id, nullptr), "tx queue setup");
  check(rte_eth_dev_start(port), "start");
}

std::vector<std::uint16_t> available_ports() {
  std::vector<std::uint16_t> ports;
  for (std::uint16_t port = 0; port < RTE_MAX_ETHPORTS; ++port) {
    if (rte_eth_dev_is_valid_port(port) != 0) ports.push_back(port);
  }
  return ports;
}

PortState port_state(std::uint16_t port) {
  PortState s;
  s.port = port;
  char name[RTE_ETH_NAME_MAX_LEN] = {};
  if (rte_eth_dev_get_name_by_port(port, name) == 0) s.name = name;
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(port, &link) == 0) s.link_up = link.link_status != 0;
  rte_eth_stats st{};
  if (rte_eth_stats_get(port, &st) == 0) {
    s.rx_packets = st.ipackets;
    s.tx_packets = st.opackets;
    s.rx_dropped = st.imissed + st.ierrors + st.rx_nombuf;
    s.tx_dropped = st.oerrors;
  }
  return s;
}

}  // namespace cnfctl::trafficgen
