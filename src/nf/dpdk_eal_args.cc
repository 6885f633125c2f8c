#include "nf/dpdk_eal_args.h"

#include <fmt/format.h>

namespace cnfctl::nf {

std::vector<std::string> memif_eal_argv(const EalOptions& o,
                                        const std::vector<const wiring::MemifLink*>& links) {
  const int ring_size =
      o.ring_size_log2 != 0 ? o.ring_size_log2 : (o.cores_shared ? kSharedCoreRingSizeLog2 : 0);
  const int main_cpu = o.cpus.front();
  const int data_cpu = o.cpus.size() > 1 ? o.cpus[1] : main_cpu;
  std::vector<std::string> argv = {
      o.binary,   "--no-huge",
      "-m",       std::to_string(o.memory_mb),
      "--no-pci", "--file-prefix=" + o.file_prefix,
      "--lcores", fmt::format("0@{},1@{}", main_cpu, data_cpu),
  };
  for (std::size_t port = 0; port < links.size(); ++port) {
    const wiring::MemifLink& l = *links[port];
    std::string vdev =
        fmt::format("--vdev=net_memif{},role={},socket={},id={},socket-abstract=no", port,
                    l.is_server() ? "server" : "client",
                    o.host_paths ? l.host_socket_path : l.guest_socket_path, l.interface_id);
    if (ring_size != 0) vdev += fmt::format(",rsize={}", ring_size);
    if (!l.mac.empty()) vdev += ",mac=" + l.mac;
    argv.push_back(std::move(vdev));
  }
  return argv;
}

}  // namespace cnfctl::nf
