#include "nf/nginx/nginx_conf.h"

#include <fmt/format.h>

namespace cnfctl::nginx {

namespace {

// nginx's worker_cpu_affinity takes one bit mask per worker, the lowest CPU rightmost.
std::string affinity_mask(int cpu) {
  std::string mask(static_cast<std::size_t>(cpu) + 1, '0');
  mask.front() = '1';
  return mask;
}

}  // namespace

NginxLaunch render_nginx(const NginxOptions& options, const std::vector<int>& cpus) {
  NginxLaunch launch;
  launch.config_path = options.work_dir + "/nginx.conf";
  launch.url_path = fmt::format("/{}B", options.body_size);

  std::string affinity;
  for (int cpu : cpus) affinity += " " + affinity_mask(cpu);
  const std::size_t workers = cpus.empty() ? 1 : cpus.size();
  const bool keepalive = options.mode == LoadMode::kRequestsPerSecond;
  const std::string& dir = options.work_dir;

  std::string c;
  c += "daemon off;\nmaster_process on;\n";
  c += fmt::format("worker_processes {};\n", workers);
  if (!cpus.empty()) c += fmt::format("worker_cpu_affinity{};\n", affinity);
  c += "worker_rlimit_nofile 10240;\n";
  c += fmt::format("pid {}/nginx.pid;\nerror_log {}/error.log warn;\n", dir, dir);
  c += "events {\n  use epoll;\n  worker_connections 10240;\n  accept_mutex off;\n"
       "  multi_accept off;\n}\n";
  c += "http {\n  access_log off;\n  default_type application/octet-stream;\n";
  c += fmt::format("  client_body_temp_path {0}/body;\n  proxy_temp_path {0}/proxy;\n", dir);
  c += fmt::format("  fastcgi_temp_path {0}/fastcgi;\n  uwsgi_temp_path {0}/uwsgi;\n", dir);
  c += fmt::format("  scgi_temp_path {0}/scgi;\n", dir);
  c += "  sendfile on;\n  tcp_nopush on;\n  tcp_nodelay on;\n";
  if (keepalive) {
    c += "  keepalive_timeout 300s;\n  keepalive_requests 1000000;\n";
  } else {
    c += "  keepalive_timeout 0;\n";
  }
  c += fmt::format("  server {{\n    listen {};\n", options.port);
  c += fmt::format("    location = {} {{\n      return 200 \"{}\";\n    }}\n", launch.url_path,
                   std::string(options.body_size, 'x'));
  c += "  }\n}\n";
  launch.config = std::move(c);

  launch.argv = {options.binary, "-c", launch.config_path, "-p", dir};
  if (options.ldpreload) {
    launch.env["LD_PRELOAD"] = options.ldpreload_library;
    launch.env["VCL_CONFIG"] = options.vcl_config;
  }
  return launch;
}

}  // namespace cnfctl::nginx
