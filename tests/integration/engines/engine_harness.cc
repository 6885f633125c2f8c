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

std::string random_bytes(std::size_t size) {
  std::mt19937 generator(42);
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>(i < 256 ? i : generator() & 0xff);
  }
  return bytes;
}

}  // namespace cnfctl::engine::testing
