// The DPDK side of cnfctl-gen that is not the data path: mbuf pools, port setup, link state
// and counters. memif ports come from EAL --vdev arguments (port k is net_memif<k>).
#pragma once

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <cstdint>
#include <string>
#include <vector>

namespace cnfctl::trafficgen {

/// The start of an mbuf's data (rte_pktmbuf_mtod without the macro's C-style cast).
inline std::uint8_t* mbuf_data(rte_mbuf* m) {
  return static_cast<std::uint8_t*>(m->buf_addr) + m->data_off;
}

/// An mbuf pool of `count` buffers of `data_room` bytes (headroom included). Throws
/// cnfctl::Error with DPDK's reason when it cannot be made.
rte_mempool* make_pool(const std::string& name, std::uint32_t count, std::uint16_t data_room);

/// Configures and starts port `port` with one RX and one TX queue (RX into `rx_pool`).
/// Throws cnfctl::Error naming the port and DPDK's error.
void start_port(std::uint16_t port, rte_mempool* rx_pool);

/// The ports EAL made (net_memif0, net_memif1, ...), in port-id order.
std::vector<std::uint16_t> available_ports();

struct PortState {
  std::uint16_t port = 0;
  std::string name;
  bool link_up = false;
  std::uint64_t rx_packets = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t rx_dropped = 0;  // imissed + ierrors + rx_nombuf
  std::uint64_t tx_dropped = 0;  // oerrors
};
/// Link and counters of a port, read without waiting.
PortState port_state(std::uint16_t port);

}  // namespace cnfctl::trafficgen
