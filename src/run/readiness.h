// Waiting for an NF to become ready: probes backing off from milliseconds, under a deadline.
#pragma once

#include <chrono>
#include <functional>

#include "nf/driver.h"

namespace cnfctl::run {

/// First and last delays between probes (never fixed one-second sleeps), the longest probe.
inline constexpr std::chrono::milliseconds kFirstProbeDelay{5};
inline constexpr std::chrono::milliseconds kMaxProbeDelay{200};
inline constexpr std::chrono::milliseconds kProbeTimeout{2000};

/// Sleeps for the given time; returns false when the wait was cancelled.
using Sleeper = std::function<bool(std::chrono::milliseconds)>;

/// Probes `driver` until the NF is ready (returns true) or `sleep` reports a cancel (returns
/// false). Throws cnfctl::Error naming the container, what readiness means and the last probe's
/// detail when a probe is fatal or `timeout` (counted from `started`) passes.
bool wait_ready(nf::NfDriver& driver, const nf::NfContext& ctx, std::chrono::milliseconds timeout,
                std::chrono::steady_clock::time_point started, const Sleeper& sleep);

}  // namespace cnfctl::run
