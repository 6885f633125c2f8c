// nginx as a network function: the configuration of CSIT's nginx suites (a fixed-size response
// at one location, keep-alive on for requests/s, off for connections/s), workers pinned to the
// NF's CPUs, and the environment for VPP's host stack (LD_PRELOAD + VCL_CONFIG) when asked.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace cnfctl::nginx {

enum class LoadMode {
  kRequestsPerSecond,     // keep-alive connections, many requests each ("rps")
  kConnectionsPerSecond,  // one request per connection ("cps")
};

struct NginxOptions {
  std::string binary = "/usr/sbin/nginx";
  int port = 8080;
  std::size_t body_size = 64;  // bytes of the response body at /<body_size>B
  LoadMode mode = LoadMode::kRequestsPerSecond;
  bool ldpreload = false;  // run over VPP's host stack
  std::string ldpreload_library = "/usr/lib/x86_64-linux-gnu/libvcl_ldpreload.so";
  std::string vcl_config = "/etc/vpp/vcl.conf";
  std::string work_dir = "/run/cnfctl-nginx";  // pid file, logs and temp paths (a tmpfs in the
                                               // container)
};

/// What the NF needs inside its container.
struct NginxLaunch {
  std::string config_path;                 // where `config` goes in the container
  std::string config;                      // nginx.conf text
  std::vector<std::string> argv;           // the command that starts nginx in the foreground
  std::map<std::string, std::string> env;  // LD_PRELOAD / VCL_CONFIG when preloading
  std::string url_path;                    // "/64B": where the fixed-size body is served
};

/// Renders nginx.conf and the start command for workers pinned one per CPU of `cpus` (one
/// worker with no pinning when `cpus` is empty). Pure; never fails.
NginxLaunch render_nginx(const NginxOptions& options, const std::vector<int>& cpus);

}  // namespace cnfctl::nginx
