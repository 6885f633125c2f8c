#include "common/paths.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace cnfctl {

namespace {
std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}
}  // namespace

std::string state_dir() {
  if (auto dir = env_or_empty("CNFCTL_STATE_DIR"); !dir.empty()) return dir;
  if (::geteuid() != 0) {
    if (auto xdg = env_or_empty("XDG_STATE_HOME"); !xdg.empty()) return join_path(xdg, "cnfctl");
  }
  return "/var/lib/cnfctl";
}

std::string run_dir() {
  if (auto dir = env_or_empty("CNFCTL_RUN_DIR"); !dir.empty()) return dir;
  return "/run/cnfctl";
}

std::string join_path(std::string base, const std::string& tail) {
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  std::string::size_type start = 0;
  while (start < tail.size() && tail[start] == '/') ++start;
  if (start == tail.size()) return base;
  if (base.empty()) return tail.substr(start);
  if (base != "/") base += '/';
  return base + tail.substr(start);
}

std::string beside_this_program(const std::string& name) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return (self.parent_path() / name).string();
}

}  // namespace cnfctl
