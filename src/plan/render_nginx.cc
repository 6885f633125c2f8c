// nginx's config, argv and environment, LD_PRELOADed onto a VPP's host stack or not, its HTTP
// endpoint, and when it is ready (builder.h).
#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "common/paths.h"
#include "nf/nginx/nginx_conf.h"
#include "nf/vpp/startup_conf.h"
#include "plan/builder.h"

namespace cnfctl::plan::detail {

namespace {

// Where an LD_PRELOADed nginx sees its VPP's socket dir (read-only), and VPP's app socket in it
// (`session { use-app-socket-api }` makes <runtime-dir>/app_ns_sockets/default).
constexpr const char* kVclGuestSocketDir = "/run/cnfctl-vcl";
constexpr const char* kVppAppSocket = "app_ns_sockets/default";
// VCL's LD_PRELOAD library, relative to the prefix VPP's binary is in (<prefix>/bin/vpp).
constexpr const char* kVclLdpreloadLibrary = "lib/x86_64-linux-gnu/libvcl_ldpreload.so";

// "/opt/vpp/bin/vpp" -> "/opt/vpp": the install prefix of a binary.
std::string install_prefix(const std::string& binary) {
  auto dir = binary.substr(0, binary.rfind('/'));
  auto slash = dir.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : dir.substr(0, slash);
}

// Where the node reaches a container's TCP `port`: itself with host network, else the
// published host port (0 when it is not published).
int published_port(const PlannedContainer& c, int port) {
  if (c.host_network) return port;
  for (const auto& p : c.ports) {
    if (p.container_port == port && p.protocol == topology::Protocol::kTcp) return p.host_port;
  }
  return 0;
}

}  // namespace

void Builder::render_nginx_ldp(PlannedContainer& c, const topology::NginxOptions& o) {
  const auto& ldp = *o.ldp;
  const auto* vpp = plan.find(ldp.vpp);
  const auto& vpp_group = group_named(ldp.vpp);
  if (!vpp || !vpp->vpp_sockets || !vpp_group.nf.vpp().veth) {
    throw Error::bad_input(ldp.where.str(), "ldp: vpp: " + ldp.vpp + " is not a VPP with a veth");
  }
  c.host_network = false;  // every socket nginx uses is VPP's
  c.start_stage = std::max(c.start_stage, vpp->start_stage + 1);
  c.mounts.push_back({vpp->vpp_sockets->host_dir, kVclGuestSocketDir, true});
  vpp::VclSettings vcl;
  vcl.app_socket = join_path(kVclGuestSocketDir, kVppAppSocket);
  c.nf.files.push_back({o.vcl_config, vpp::render_vcl_conf(vcl)});
}

void Builder::render_nginx(PlannedContainer& c, const topology::ContainerGroup& group) {
  const auto& o = group.nf.nginx();
  c.host_network = c.ports.empty();  // published ports are the other way in
  if (o.ldp) render_nginx_ldp(c, o);
  nginx::NginxOptions n;
  n.binary = o.binary;
  n.port = o.port;
  n.body_size = o.body_size;
  n.mode = o.mode == topology::NginxMode::kRps ? nginx::LoadMode::kRequestsPerSecond
                                               : nginx::LoadMode::kConnectionsPerSecond;
  n.ldpreload = o.ldpreload;
  n.vcl_config = o.vcl_config;
  if (o.ldp) {
    n.ldpreload_library =
        o.ldp->library.empty()
            ? join_path(install_prefix(vpp_program(group_named(o.ldp->vpp).nf.vpp().binary, "vpp")),
                        kVclLdpreloadLibrary)
            : o.ldp->library;
  }
  if (o.ldp && o.ldp->library.empty()) mount_vpp_prefix_if_hidden(c, n.ldpreload_library);
  check_nginx_container(c, group, n.ldpreload_library);
  auto launch = nginx::render_nginx(n, c.cpus);
  c.nf.files.push_back({launch.config_path, std::move(launch.config)});
  c.nf.argv = std::move(launch.argv);
  c.nf.env = std::move(launch.env);
  c.nf.http =
      HttpEndpoint{o.ldp ? o.port : published_port(c, o.port), launch.url_path, o.body_size};
  if (o.ldp) c.nf.http->host = group_named(o.ldp->vpp).nf.vpp().veth->vpp_ip4;
  c.nf.http->keep_alive = o.mode == topology::NginxMode::kRps;
  c.nf.readiness = fmt::format("HTTP GET http://{}:{}{} answers 200 with {} bytes", c.nf.http->host,
                               o.port, launch.url_path, o.body_size);
}

}  // namespace cnfctl::plan::detail
