#include "bench_env.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/node_facts.h"
#include "process/local_runner.h"

namespace cnfctl::bench {
namespace fs = std::filesystem;
namespace {

std::atomic<int> g_signal{0};

sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

SignalWatch::SignalWatch() {
  // SIGUSR1 (sent by the destructor) ends the watcher without counting as an interrupt; it is
  // blocked while the watcher starts so the watcher inherits it blocked, then unblocked here.
  sigset_t set = watched_signals();
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([set] {
    int signal = 0;
    while (sigwait(&set, &signal) == 0) {
      if (signal == SIGUSR1) return;
      g_signal = signal;
    }
  });
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_UNBLOCK, &usr1, nullptr);
}

SignalWatch::~SignalWatch() {
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
  sigset_t set = watched_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

bool SignalWatch::interrupted() {
  return g_signal.load() != 0;
}

void SignalWatch::check() {
  if (interrupted()) throw Interrupted();
}

BenchRoot::BenchRoot() : path_("/run/cnfctl-bench/" + std::to_string(::getpid())) {
  remove_tree_with_mounts(path_);
  fs::create_directories(path_);
}

BenchRoot::~BenchRoot() {
  remove_tree_with_mounts(path_);
  std::error_code ignored;
  fs::remove("/run/cnfctl-bench", ignored);  // only when empty (no other run)
}

std::string BenchRoot::name(const std::string& suffix) const {
  return "cb" + std::to_string(::getpid()) + "-" + suffix;
}

void remove_cgroup_dirs(const std::string& relative_parent, const std::string& needle) {
  std::vector<fs::path> found;
  std::error_code error;
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", error)) {
    const fs::path parent = hierarchy.path() / relative_parent;
    if (!fs::is_directory(parent, error)) continue;
    std::vector<fs::path> here;
    for (auto it = fs::recursive_directory_iterator(parent, error);
         it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (error) break;
      // A match and everything below it (LXC puts lxc.pivot inside <name>.pivot).
      if (it->is_directory(error) &&
          it->path().lexically_relative(parent).string().find(needle) != std::string::npos) {
        here.push_back(it->path());
      }
    }
    found.insert(found.end(), here.rbegin(), here.rend());  // children before their parents
  }
  // LXC's monitor sits in <name>.pivot for a moment after the container stopped: retry busy
  // directories briefly.
  for (int attempt = 0; attempt < 40 && !found.empty(); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::vector<fs::path> busy;
    for (const auto& dir : found) {
      if (::rmdir(dir.c_str()) != 0 && errno == EBUSY) busy.push_back(dir);
    }
    found = std::move(busy);
  }
}

bool have_program(const std::string& program) {
  process::LocalRunner runner;
  return runner.run({.argv = {"sh", "-c", "command -v \"$1\" >/dev/null", "sh", program}}).ok();
}

std::string crun_blocker() {
  std::ifstream in("/sys/fs/cgroup/unified/cgroup.controllers");
  std::string controllers;
  std::getline(in, controllers);
  if (controllers.find_first_not_of(" \n") == std::string::npos) return {};
  return fmt::format(
      "crun refuses hybrid cgroups (controllers on the cgroup2 mount: {}); the machine-level fix "
      "(SPEC §5): mkdir /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup "
      "/sys/fs/cgroup/hugetlb",
      controllers);
}

}  // namespace cnfctl::bench
