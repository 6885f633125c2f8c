#include "cli/run_options.h"

#include "common/error.h"
#include "topology/values.h"

namespace cnfctl::cli {

std::chrono::milliseconds parse_duration_option(const std::string& text,
                                                const std::string& option) {
  auto value = topology::parse_duration(text);
  require_input(value && value->count() > 0, option,
                "'" + text + "' is not a duration: a number with ms, s or m (e.g. 30s)");
  return *value;
}

}  // namespace cnfctl::cli
