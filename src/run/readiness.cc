#include "run/readiness.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "common/poll.h"

namespace cnfctl::run {

bool wait_ready(nf::NfDriver& driver, const nf::NfContext& ctx, std::chrono::milliseconds timeout,
                std::chrono::steady_clock::time_point started, const Sleeper& sleep) {
  using std::chrono::milliseconds;
  const auto& c = ctx.container;
  const auto deadline = started + timeout;
  Backoff delay(kFirstProbeDelay, kMaxProbeDelay);
  while (true) {
    auto remaining =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    auto r = driver.probe(ctx, std::clamp(remaining, milliseconds(100), kProbeTimeout));
    if (r.ready) return true;
    if (r.fatal) throw Error(fmt::format("{} can never become ready: {}", c.name, r.detail));
    remaining =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) {
      throw Error(fmt::format("{} not ready after {} ms (ready means: {}); last probe: {}", c.name,
                              timeout.count(), c.nf.readiness, r.detail));
    }
    if (!sleep(std::min(std::chrono::duration_cast<milliseconds>(delay.next()), remaining))) {
      return false;
    }
  }
}

}  // namespace cnfctl::run
