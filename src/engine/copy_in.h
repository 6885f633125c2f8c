// The one way every engine writes a file into a running container: the bytes travel on the
// exec's stdin and a constant script writes them; the path and mode are positional arguments,
// never spliced into the script.
#pragma once

#include <string>
#include <vector>

namespace cnfctl::engine {

/// argv that, run inside a container with `bytes` on stdin, writes them to `guest_path` and sets
/// `mode` (octal).
std::vector<std::string> copy_in_argv(const std::string& guest_path, unsigned mode);

}  // namespace cnfctl::engine
