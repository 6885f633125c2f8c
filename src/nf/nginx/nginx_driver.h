// The nginx NF driver: nginx started detached in its container (in the foreground: `daemon
// off`, workers pinned by worker_cpu_affinity in the plan's nginx.conf, LD_PRELOAD/VCL_CONFIG
// from the plan's environment when VPP's host stack is used), ready when an HTTP GET from the
// node to the plan's endpoint (NfLaunch::http) answers 200 with the configured body size.
#pragma once

#include <memory>

#include "nf/driver.h"

namespace cnfctl::nginx {

/// The readiness of one HTTP probe: ready when `status` is 200 and the body has `body_size`
/// bytes. Pure; never throws.
nf::Readiness assess_http_answer(int status, std::size_t body_bytes, std::size_t body_size);

/// The driver of nginx containers. One object may serve many containers, from several threads
/// at once. The probe connects from this machine, or, on an SSH node, through a forward of the
/// node's port over the master connection (nf::node_tcp_socket). counters() is always empty (nginx
/// has no memif ports; its load is measured by wrk, see src/traffic).
std::unique_ptr<nf::NfDriver> make_nginx_driver();

}  // namespace cnfctl::nginx
