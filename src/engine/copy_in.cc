#include "engine/copy_in.h"

#include <fmt/format.h>

namespace cnfctl::engine {

std::vector<std::string> copy_in_argv(const std::string& guest_path, unsigned mode) {
  return {"/bin/sh",        "-c",       "cat > \"$1\" && chmod \"$2\" \"$1\"",
          "cnfctl-copy-in", guest_path, fmt::format("{:o}", mode)};
}

}  // namespace cnfctl::engine
