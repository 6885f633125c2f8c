#include "cli/run_options.h"

#include "common/error.h"
#include "topology/values.h"

namespace cnfctl::cli {

std::chrono::milliseconds parse_duration_option(const std::string& text,
                                                const std::string& option) {
  auto value = topology::parse_duration(text);
  require_input(value.has_value(), option,
                "'" + text + "' is not a duration: a number with ms, s or m (e.g. 30s)");
  require_input(value->count() > 0, option,
                "must be positive, got '" + text + "' (e.g. 500ms, 30s, 2m)");
  return *value;
}

void add_vpp_prefix_option(CLI::App& command, std::string& prefix) {
  command
      .add_option("--vpp-prefix", prefix,
                  "Run every VPP NF from the VPP installed under DIR (DIR/bin/vpp, "
                  "DIR/bin/vppctl) instead of the file's binary and vppctl")
      ->envname("CNFCTL_VPP_PREFIX")
      ->type_name("DIR");
}

}  // namespace cnfctl::cli
