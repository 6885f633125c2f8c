#include "host_fixtures.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "engine/node_facts.h"
#include "process/local_runner.h"

namespace cnfctl::host_fixtures {
namespace fs = std::filesystem;

std::string read_host_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void make_busybox_rootfs(const std::string& dir) {
  for (const char* sub : {"bin", "proc", "sys", "dev", "tmp", "run", "etc", "mnt", "root"}) {
    fs::create_directories(fs::path(dir) / sub);
  }
  fs::copy_file("/bin/busybox", fs::path(dir) / "bin/busybox",
                fs::copy_options::overwrite_existing);
  process::LocalRunner runner;
  auto list = runner.run({.argv = {"/bin/busybox", "--list"}});
  if (!list.ok()) throw std::runtime_error("busybox --list failed: " + list.err);
  std::istringstream stream(list.out);
  std::string applet;
  while (std::getline(stream, applet)) {
    if (applet.empty() || applet == "busybox") continue;
    fs::path link = fs::path(dir) / "bin" / applet;
    std::error_code ignored;
    fs::create_symlink("busybox", link, ignored);
  }
  std::ofstream(fs::path(dir) / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
}

std::vector<std::string> mounts_under(const std::string& prefix) {
  std::vector<std::string> result;
  for (const auto& point : engine::parse_mount_points(read_host_file("/proc/self/mountinfo"))) {
    if (point == prefix || point.rfind(prefix + "/", 0) == 0) result.push_back(point);
  }
  return result;
}

void remove_tree_with_mounts(const std::string& path) {
  auto points = mounts_under(path);
  process::LocalRunner runner;
  for (auto it = points.rbegin(); it != points.rend(); ++it) {
    runner.run({.argv = {"umount", "-l", *it}});
  }
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

PrivateDockerd::PrivateDockerd(std::string root, std::function<bool()> cancelled)
    : root_(std::move(root)), cancelled_(std::move(cancelled)) {
  fs::create_directories(root_);
  // overlay2 is what SPEC §5 measured; vfs is the fallback when overlay2 is refused.
  if (start("overlay2")) return;
  stop();
  if (start("vfs")) return;
  std::string text = log();
  stop();
  if (text.size() > 2000) text = text.substr(text.size() - 2000);
  throw std::runtime_error("dockerd did not start; the end of its log:\n" + text);
}

PrivateDockerd::~PrivateDockerd() {
  stop();
}

std::string PrivateDockerd::log() const {
  return read_host_file(root_ + "/dockerd.log");
}

namespace {

// The state letter of process `pid` (/proc/<pid>/stat), or '\0' when there is none.
char process_state(pid_t pid) {
  const auto stat = read_host_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '\0' : stat[close + 2];
}

}  // namespace

void PrivateDockerd::kill_daemon() {
  if (pid_ <= 0) return;
  const auto pid_file = exec_root() + "/containerd/containerd.pid";
  const auto containerd = std::atoi(read_host_file(pid_file).c_str());
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  old_sessions_.push_back(pid_);
  pid_ = -1;
  // The managed containerd dies with dockerd (its parent-death signal) but stays a zombie until
  // PID 1 reaps it, which here can take seconds. A dockerd started meanwhile finds that pid
  // "still running" (kill(pid, 0) succeeds on a zombie), starts no containerd, dials the dead
  // one's socket and gives up: "timeout waiting for containerd to start". On a loaded machine
  // the signal itself can come late, so the old containerd may still run (and hold its
  // database) when we look: wait until it is gone, kill it if it outlives dockerd by 2 s; if it
  // is still a zombie at the end, drop its pid file so the next dockerd starts a new one.
  if (containerd <= 0) return;
  const auto start = std::chrono::steady_clock::now();
  bool killed = false;
  char state = process_state(containerd);
  while (state != '\0' && std::chrono::steady_clock::now() < start + std::chrono::seconds(20)) {
    if (state != 'Z' && !killed &&
        std::chrono::steady_clock::now() > start + std::chrono::seconds(2)) {
      ::kill(containerd, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    state = process_state(containerd);
  }
  if (state != '\0') {
    std::error_code ignored;
    fs::remove(pid_file, ignored);
  }
}

void PrivateDockerd::restart() {
  kill_daemon();
  if (!start(storage_driver_)) {
    std::string text = log();
    if (text.size() > 2000) text = text.substr(text.size() - 2000);
    throw std::runtime_error("dockerd did not start again; the end of its log:\n" + text);
  }
}

bool PrivateDockerd::start(const std::string& storage_driver) {
  storage_driver_ = storage_driver;
  std::vector<std::string> argv = {"dockerd",
                                   "--iptables=false",
                                   "--ip6tables=false",
                                   "--bridge=none",
                                   "--exec-opt",
                                   "native.cgroupdriver=cgroupfs",
                                   "--storage-driver=" + storage_driver,
                                   "-H",
                                   host(),
                                   "--data-root",
                                   root_ + "/data",
                                   "--exec-root",
                                   root_ + "/exec",
                                   "--pidfile",
                                   root_ + "/dockerd.pid"};
  // --ip6tables only exists in newer dockerd versions; drop it when unknown.
  process::LocalRunner runner;
  auto help = runner.run({.argv = {"dockerd", "--help"}});
  if (help.out.find("--ip6tables") == std::string::npos) {
    argv.erase(argv.begin() + 2);
  }
  pid_ = ::fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    ::setsid();
    int fd = ::open((root_ + "/dockerd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto pause = std::chrono::milliseconds(20);
  while (std::chrono::steady_clock::now() < deadline && !(cancelled_ && cancelled_())) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    auto ping = runner.run(
        {.argv = {"docker", "--host", host(), "version", "--format", "{{.Server.Version}}"},
         .timeout = std::chrono::seconds(10)});
    if (ping.ok()) return true;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(250));
  }
  return false;
}

namespace {

// The pids of the processes in session `sid` (dockerd and its managed containerd).
std::vector<pid_t> session_members(pid_t sid) {
  std::vector<pid_t> pids;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    long ppid = 0, pgrp = 0, session = 0;
    if (fields >> state >> ppid >> pgrp >> session && session == sid) {
      pids.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return pids;
}

// The pids of the shims started for containerd socket `socket` and of all their descendants
// (the containers' processes: a shim is their subreaper), descendants first.
std::vector<pid_t> shims_and_descendants(const std::string& socket) {
  std::vector<std::pair<pid_t, pid_t>> parents;  // (pid, ppid)
  std::vector<pid_t> shims;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    std::string cmdline = read_host_file(e.path().string() + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find("containerd-shim") != std::string::npos &&
        cmdline.find("-address " + socket + " ") != std::string::npos) {
      shims.push_back(pid);
    }
    const auto stat = read_host_file(e.path().string() + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string state;
    long ppid = 0;
    if (fields >> state >> ppid) parents.emplace_back(pid, static_cast<pid_t>(ppid));
  }
  std::vector<pid_t> result = shims;
  for (std::size_t i = 0; i < result.size(); ++i) {
    for (const auto& [pid, ppid] : parents) {
      if (ppid == result[i]) result.push_back(pid);
    }
  }
  std::reverse(result.begin(), result.end());
  return result;
}

}  // namespace

void PrivateDockerd::stop() {
  // containerd writes /tmp/containerd.<pid>.stacks.log when dockerd stops it: removed below.
  auto members = pid_ > 0 ? session_members(pid_) : std::vector<pid_t>{};
  // A killed daemon's containerd (if it outlived it) keeps the old session.
  for (pid_t old : old_sessions_) {
    for (pid_t member : session_members(old)) {
      ::kill(member, SIGKILL);
      members.push_back(member);
    }
  }
  old_sessions_.clear();
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Its managed containerd shares the session; nothing of it may outlive its user.
    ::kill(-pid_, SIGKILL);
    pid_ = -1;
  }
  for (pid_t pid : members) {
    std::error_code ec;
    std::filesystem::remove("/tmp/containerd." + std::to_string(pid) + ".stacks.log", ec);
  }
  // Containers a failed test left running outlive their daemon (each shim is its own session):
  // nothing of this daemon may outlive its user either.
  for (pid_t pid : shims_and_descendants(exec_root() + "/containerd/containerd.sock")) {
    ::kill(pid, SIGKILL);
  }
  remove_tree_with_mounts(root_ + "/exec");
  remove_tree_with_mounts(root_ + "/data");
}

}  // namespace cnfctl::host_fixtures
