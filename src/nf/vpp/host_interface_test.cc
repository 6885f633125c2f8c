#include "nf/vpp/host_interface.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "nf/vpp/startup_conf.h"

namespace cnfctl::vpp {
namespace {

TEST(HostInterface, ExecLinesOpenAddressAndBringUpTheAfPacketInterface) {
  EXPECT_EQ(af_packet_interface_name("cnfv-01234567"), "host-cnfv-01234567");
  EXPECT_EQ(host_interface_exec("cnfv-01234567", "198.51.100.2/24"),
            "create host-interface name cnfv-01234567\n"
            "set interface ip address host-cnfv-01234567 198.51.100.2/24\n"
            "set interface state host-cnfv-01234567 up\n");
}

TEST(HostInterface, AnythingButAPlainWordIsRefused) {
  EXPECT_THROW(host_interface_exec("veth0\nshow version", "198.51.100.2/24"), Error);
  EXPECT_THROW(host_interface_exec("veth0", "198.51.100.2/24 extra"), Error);
  EXPECT_THROW(host_interface_exec("", "198.51.100.2/24"), Error);
}

TEST(HostInterface, VclAttachesThroughTheAppSocketWhenOneIsGiven) {
  VclSettings vcl;
  vcl.app_socket = "/run/cnfctl-vcl/app_ns_sockets/default";
  EXPECT_EQ(render_vcl_conf(vcl),
            "vcl {\n  rx-fifo-size 4000000\n  tx-fifo-size 4000000\n  app-scope-local\n"
            "  app-scope-global\n  app-socket-api /run/cnfctl-vcl/app_ns_sockets/default\n}\n");
  vcl.app_socket = "/x}";
  EXPECT_THROW(render_vcl_conf(vcl), Error);
}

}  // namespace
}  // namespace cnfctl::vpp
