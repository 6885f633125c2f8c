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

}  // namespace cnfctl::cli
