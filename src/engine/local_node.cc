#include "engine/local_node.h"

#include <dirent.h>
#include <ftw.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>

#include "process/procfs.h"

namespace cnfctl::engine {
namespace {

std::string failure(const std::string& step, const std::string& path, int error) {
  return step + " " + path + ": " + std::strerror(error);
}

// The subdirectories of `dir` (not following symlinks), recursively, each after its parent.
void collect_dirs(const std::string& dir, std::vector<std::string>& out) {
  DIR* stream = ::opendir(dir.c_str());
  if (stream == nullptr) return;
  while (const dirent* entry = ::readdir(stream)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    bool is_dir = entry->d_type == DT_DIR;
    if (entry->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (!is_dir) continue;
    out.push_back(path);
    collect_dirs(path, out);
  }
  ::closedir(stream);
}

// nftw has no context argument: the first failure of the walk on this thread.
thread_local std::optional<std::string> tree_failure;

int remove_entry(const char* path, const struct stat* /*st*/, int type, struct FTW* /*ftw*/) {
  const int result = type == FTW_DP ? ::rmdir(path) : ::unlink(path);
  if (result != 0 && errno != ENOENT) {
    tree_failure = failure(type == FTW_DP ? "rmdir" : "unlink", path, errno);
    return 1;
  }
  return 0;
}

}  // namespace

std::optional<LocalProcessStat> local_process_stat(int pid) {
  if (pid <= 0) return std::nullopt;
  const auto text = process::read_file_local("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  const auto state = process::stat_field(*text, 3);
  const auto start_time = process::stat_field(*text, 22);
  if (!state || !start_time) return std::nullopt;
  LocalProcessStat stat;
  stat.state = state->front();
  const auto parsed =
      std::from_chars(start_time->data(), start_time->data() + start_time->size(), stat.start_time);
  if (parsed.ec != std::errc()) return std::nullopt;
  return stat;
}

bool local_process_started_at(int pid, unsigned long long start_time) {
  const auto stat = local_process_stat(pid);
  return stat && stat->start_time == start_time && stat->state != 'Z' && stat->state != 'X';
}

process::UniqueFd open_pidfd(int pid) {
#ifdef SYS_pidfd_open
  if (pid > 0) return process::UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
#endif
  (void)pid;
  return process::UniqueFd();
}

bool wait_pidfd(const process::UniqueFd& pidfd, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    pollfd fd{pidfd.get(), POLLIN, 0};
    const int wait =
        static_cast<int>(std::clamp<long long>(left.count(), 0, static_cast<long long>(INT_MAX)));
    const int ready = ::poll(&fd, 1, wait);
    if (ready > 0) return true;
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (std::chrono::steady_clock::now() >= end) return false;
  }
}

bool remove_cgroup_dirs_local(const std::vector<std::string>& dirs) {
  bool all_gone = true;
  for (const auto& dir : dirs) {
    std::vector<std::string> tree;
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) continue;  // not there: nothing to remove
    tree.push_back(dir);
    collect_dirs(dir, tree);
    // Children after their parents in `tree`: remove from the back.
    for (auto it = tree.rbegin(); it != tree.rend(); ++it) {
      if (::rmdir(it->c_str()) != 0 && errno != ENOENT) all_gone = false;
    }
  }
  return all_gone;
}

process::LocalFailure remove_tree_local(const std::string& path) {
  tree_failure.reset();
  const int result = ::nftw(path.c_str(), remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (result == 0) return std::nullopt;
  if (tree_failure) return tree_failure;
  if (errno == ENOENT) return std::nullopt;  // nothing there
  return failure("walking", path, errno);
}

bool is_directory_local(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::string> read_link_local(const std::string& path) {
  std::string target(256, '\0');
  while (true) {
    const ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return std::nullopt;
    if (static_cast<std::size_t>(n) < target.size()) {
      target.resize(static_cast<std::size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

process::LocalFailure remove_file_local(const std::string& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return std::nullopt;
  return failure("unlink", path, errno);
}

void remove_empty_parents_local(const std::string& dir) {
  std::string path = dir;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  while (!path.empty() && path != "/") {
    if (::rmdir(path.c_str()) != 0) return;
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return;
    path.erase(slash);
  }
}

std::vector<int> local_processes_matching(const std::string& first, const std::string& second) {
  std::vector<int> pids;
  for (const int pid : process::process_ids()) {
    const std::string name = std::to_string(pid);
    auto cmdline = process::read_file_local("/proc/" + name + "/cmdline");
    if (!cmdline || cmdline->empty()) continue;
    if (cmdline->back() == '\0') cmdline->pop_back();
    std::replace(cmdline->begin(), cmdline->end(), '\0', ' ');
    const auto at = cmdline->find(first);
    if (at == std::string::npos) continue;
    if (cmdline->find(second, at + first.size()) == std::string::npos) continue;
    pids.push_back(pid);
  }
  return pids;
}

std::string local_process_listing(const std::string& needle) {
  std::string listing;
  for (const int pid : process::process_ids()) {
    const std::string name = std::to_string(pid);
    auto cmdline = process::read_file_local("/proc/" + name + "/cmdline");
    if (!cmdline || cmdline->find(needle) == std::string::npos) continue;
    std::replace(cmdline->begin(), cmdline->end(), '\0', '\n');
    listing += name + "\n" + *cmdline + "\n";
  }
  return listing;
}

}  // namespace cnfctl::engine
