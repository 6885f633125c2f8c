#include "bench_env.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
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

namespace {
constexpr const char* kHugetlbDir = "/sys/fs/cgroup/hugetlb";
constexpr const char* kUnifiedControllers = "/sys/fs/cgroup/unified/cgroup.controllers";

// The hierarchy id /proc/cgroups gives hugetlb: 0 when it is on cgroup2.
int hugetlb_hierarchy() {
  std::ifstream in("/proc/cgroups");
  std::string name;
  int hierarchy = -1;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    if (fields >> name >> hierarchy && name == "hugetlb") return hierarchy;
  }
  return -1;
}

std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}
}  // namespace

CrunHugetlbFix::CrunHugetlbFix() {
  if (crun_blocker().empty()) return;
  const auto controllers = first_line(kUnifiedControllers);
  if (controllers != "hugetlb") {
    note_ = fmt::format("crun fix not applied: cgroup2 has controllers [{}], not only hugetlb",
                        controllers);
    return;
  }
  if (::mkdir(kHugetlbDir, 0755) != 0) {
    note_ = fmt::format("crun fix not applied: mkdir {}: {}", kHugetlbDir, std::strerror(errno));
    return;
  }
  if (::mount("cgroup", kHugetlbDir, "cgroup", 0, "hugetlb") != 0) {
    note_ = fmt::format("crun fix not applied: mount {}: {}", kHugetlbDir, std::strerror(errno));
    ::rmdir(kHugetlbDir);
    return;
  }
  mounted_ = true;
  note_ = fmt::format(
      "crun: hugetlb moved from cgroup2 to a v1 hierarchy at {} for this run (SPEC §5), undone "
      "at exit",
      kHugetlbDir);
}

CrunHugetlbFix::~CrunHugetlbFix() {
  if (!mounted_) return;
  // The kernel gives hugetlb back to cgroup2 only when the v1 hierarchy is unmounted with no
  // child cgroup left, and a removed child stays on the list until it has died. So: remove the
  // run's dirs (cnfctl's cgroup parents included: nothing else uses this hierarchy), unmount,
  // and while hugetlb is still on a v1 hierarchy, mount it again and unmount once more.
  bool back = false;
  for (int attempt = 0; attempt < 20 && !back; ++attempt) {
    if (attempt > 0 && ::mount("cgroup", kHugetlbDir, "cgroup", 0, "hugetlb") != 0) break;
    std::vector<fs::path> dirs;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(kHugetlbDir, ec)) {
      if (e.is_directory(ec)) dirs.push_back(e.path());
    }
    std::sort(dirs.rbegin(), dirs.rend());  // children before their parents
    for (const auto& d : dirs) ::rmdir(d.c_str());
    if (::umount2(kHugetlbDir, 0) != 0) break;
    // The hierarchy dies asynchronously: give it a second before mounting it again.
    for (int wait = 0; wait < 50 && !back; ++wait) {
      back = hugetlb_hierarchy() == 0;
      if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  if (!back || ::rmdir(kHugetlbDir) != 0) {
    std::cerr << "cnfctl bench: could not undo the crun fix (hugetlb still on a v1 hierarchy, "
                 "or "
              << kHugetlbDir << " left)\n";
  }
}

}  // namespace cnfctl::bench
