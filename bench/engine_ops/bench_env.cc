#include "bench_env.h"

#include <fcntl.h>
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

std::string read_host_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
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
    std::error_code ignored;
    fs::create_symlink("busybox", fs::path(dir) / "bin" / applet, ignored);
  }
  std::ofstream(fs::path(dir) / "etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
}

void remove_tree_with_mounts(const std::string& path) {
  std::vector<std::string> points;
  for (const auto& point : engine::parse_mount_points(read_host_file("/proc/self/mountinfo"))) {
    if (point == path || point.rfind(path + "/", 0) == 0) points.push_back(point);
  }
  process::LocalRunner runner;
  for (auto it = points.rbegin(); it != points.rend(); ++it) {
    runner.run({.argv = {"umount", "-l", *it}});
  }
  std::error_code ignored;
  fs::remove_all(path, ignored);
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

PrivateDockerd::PrivateDockerd(std::string root) : root_(std::move(root)) {
  fs::create_directories(root_);
  // overlay2 is what SPEC §5 measured; vfs is the fallback when overlay2 is refused.
  if (start("overlay2")) return;
  stop();
  if (start("vfs")) return;
  std::string log = read_host_file(root_ + "/dockerd.log");
  stop();
  if (log.size() > 2000) log = log.substr(log.size() - 2000);
  throw std::runtime_error("dockerd did not start; the end of its log:\n" + log);
}

PrivateDockerd::~PrivateDockerd() {
  stop();
}

bool PrivateDockerd::start(const std::string& storage_driver) {
  std::vector<std::string> argv = {"dockerd",
                                   "--iptables=false",
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
  process::LocalRunner runner;
  // --ip6tables only exists in newer dockerd versions.
  if (runner.run({.argv = {"dockerd", "--help"}}).out.find("--ip6tables") != std::string::npos) {
    argv.insert(argv.begin() + 2, "--ip6tables=false");
  }
  const std::string log = root_ + "/dockerd.log";
  pid_ = ::fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    // Its own session (a Ctrl-C reaches the benchmark only), SIGTERM when the benchmark dies
    // without cleaning up, and the signal mask of a fresh process.
    ::setsid();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
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
  while (std::chrono::steady_clock::now() < deadline && !SignalWatch::interrupted()) {
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

void PrivateDockerd::stop() {
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
    // Its managed containerd shares the session; nothing of it may outlive the benchmark.
    ::kill(-pid_, SIGKILL);
    pid_ = -1;
  }
  remove_tree_with_mounts(root_ + "/exec");
  remove_tree_with_mounts(root_ + "/data");
}

}  // namespace cnfctl::bench
