#include "engine_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "engine/node_facts.h"

namespace cnfctl::engine::testing {
namespace fs = std::filesystem;

TestRoot::TestRoot(const std::string& engine)
    : engine_(engine), path_("/run/cnfctl-test/" + engine + "-" + std::to_string(::getpid())) {
  remove_tree_with_mounts(path_);
  fs::create_directories(path_);
}

TestRoot::~TestRoot() {
  // CNFCTL_TEST_KEEP=1 keeps the state for debugging a failure.
  if (std::getenv("CNFCTL_TEST_KEEP") == nullptr) remove_tree_with_mounts(path_);
}

std::string TestRoot::name(const std::string& suffix) const {
  return engine_ + "-" + std::to_string(::getpid()) + "-" + suffix;
}

std::vector<std::string> cgroup_dirs_matching(const std::vector<std::string>& needles) {
  std::vector<std::string> result;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(
           "/sys/fs/cgroup", fs::directory_options::skip_permission_denied, error);
       it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;
    if (!it->is_directory(error) || it->is_symlink(error)) continue;
    std::string base = it->path().filename().string();
    for (const auto& needle : needles) {
      if (!needle.empty() && base.find(needle) != std::string::npos) {
        result.push_back(it->path().string());
      }
    }
  }
  return result;
}

std::string random_bytes(std::size_t size) {
  std::mt19937 generator(42);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>(i < 256 ? i : generator() & 0xff);
  }
  return bytes;
}

}  // namespace cnfctl::engine::testing
