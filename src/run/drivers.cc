// nf::make_driver(): the one place that knows every NF driver.
#include "nf/command/command_driver.h"
#include "nf/driver.h"
#include "nf/nginx/nginx_driver.h"
#include "nf/testpmd/testpmd_driver.h"
#include "nf/trafficgen/trafficgen_driver.h"
#include "nf/vpp/vpp_driver.h"

namespace cnfctl::nf {

std::unique_ptr<NfDriver> make_driver(topology::NfKind kind) {
  switch (kind) {
    case topology::NfKind::kCommand:
      return make_command_driver();
    case topology::NfKind::kTestpmd:
      return testpmd::make_testpmd_driver();
    case topology::NfKind::kVpp:
      return vpp::make_vpp_driver();
    case topology::NfKind::kNginx:
      return nginx::make_nginx_driver();
    case topology::NfKind::kTrafficgen:
      return trafficgen::make_trafficgen_driver();
  }
  return make_command_driver();  // unreachable: every kind is handled above
}

}  // namespace cnfctl::nf
