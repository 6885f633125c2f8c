// The `command` NF: any argv, started detached inside its container; ready when its optional
// probe command exits 0, else while its process is alive.
#pragma once

#include <memory>

#include "nf/driver.h"

namespace cnfctl::nf {

/// A driver for NfKind::kCommand. start() throws cnfctl::Error when the argv cannot be started
/// detached (see start_detached); probe() reports fatal once the process is gone and the probe
/// (if any) does not pass; stop() kills the recorded process; prepare() and cleanup() do nothing
/// (a command NF owns nothing on the node). Thread-safe for different containers.
std::unique_ptr<NfDriver> make_command_driver();

}  // namespace cnfctl::nf
