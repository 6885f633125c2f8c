#include "nf/nginx/nginx_driver.h"

#include <fmt/format.h>

#include "common/error.h"
#include "nf/detached.h"
#include "nf/launcher.h"
#include "nf/nf_process.h"
#include "nf/nginx/http_client.h"
#include "nf/node_stop.h"

namespace cnfctl::nginx {

namespace {

using std::chrono::milliseconds;

const nf::HttpEndpoint& endpoint_of(const nf::PlannedContainer& c) {
  if (!c.nf.http || c.nf.http->port <= 0) {
    throw Error(
        "the plan gives this nginx no HTTP endpoint reachable from the node (host network "
        "or a published port)")
        .at("container " + c.id);
  }
  return *c.nf.http;
}

class NginxDriver : public nf::NfDriver {
 public:
  // Nothing on the node: nginx keeps its pid file, logs and temp files in its work dir inside
  // the container. That dir must exist before its nginx.conf is copied in.
  void prepare(const nf::NfContext& ctx) override { nf::make_guest_dirs_for_files(ctx); }

  std::optional<int> start(const nf::NfContext& ctx) override {
    const auto& c = ctx.container;
    const int pid = nf::start_nf(ctx);
    pids_.remember(c.id, pid);
    return pid;
  }

  nf::Readiness probe(const nf::NfContext& ctx, milliseconds timeout) override {
    const auto& e = endpoint_of(ctx.container);
    // The endpoint is on the node (its loopback, or VPP's veth address with LDP); over SSH it is
    // reached through a forward (made outside the try: a node that cannot be reached is not a
    // readiness question).
    const auto via = nf::node_tcp_socket(ctx, e.host, e.port);
    std::string seen;
    try {
      auto response = via ? http_get_via_unix_socket(*via, e.host, e.port, e.path, timeout)
                          : http_get(e.host, e.port, e.path, timeout);
      auto verdict = assess_http_answer(response.status, response.body.size(), e.body_size);
      if (verdict.ready) return verdict;
      seen = verdict.detail;
    } catch (const Error& error) {
      seen = error.describe();
      if (via)
        seen += fmt::format(" (nginx on node {}, reached through {})", ctx.container.node,
                            ctx.node.name());
    }
    if (!pids_.alive(ctx)) return nf::nf_exited(ctx, seen);
    return nf::Readiness{false, seen, false};
  }

  std::vector<nf::PortCounters> counters(const nf::NfContext&) override { return {}; }

  void stop(const nf::NfContext& ctx, milliseconds grace) override {
    const auto& c = ctx.container;
    auto pid = pids_.pid_of(ctx);
    // The master's SIGTERM stops its workers; matching "nginx" also catches orphaned workers.
    const std::string argv0 = c.nf.argv.empty() ? std::string("nginx") : c.nf.argv.front();
    nf::stop_nf(ctx, pid.value_or(0), argv0, grace);
    pids_.forget(c.id);
  }

  void cleanup(const nf::NfContext&) override {}

 private:
  nf::NfPids pids_;
};

}  // namespace

nf::Readiness assess_http_answer(int status, std::size_t body_bytes, std::size_t body_size) {
  nf::Readiness r;
  r.detail = fmt::format("HTTP {} with {} body bytes", status, body_bytes);
  if (status != 200) return r;
  if (body_bytes != body_size) {
    r.detail += fmt::format(" (expected {})", body_size);
    return r;
  }
  r.ready = true;
  return r;
}

std::unique_ptr<nf::NfDriver> make_nginx_driver() {
  return std::make_unique<NginxDriver>();
}

}  // namespace cnfctl::nginx
