#include "measured_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench_env.h"

namespace cnfctl::bench {
namespace {

std::string read_all(int fd) {
  std::string text;
  ::lseek(fd, 0, SEEK_SET);
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

int scratch_fd() {
  char pattern[] = "/tmp/cnfctl-bench-out.XXXXXX";
  const int fd = ::mkostemp(pattern, O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot make a scratch file in /tmp");
  ::unlink(pattern);
  return fd;
}

int threads_of(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return 0;
}

int fds_of(pid_t pid) {
  DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr) return 0;
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count;
}

double cpu_ms(const rusage& usage) {
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0 +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

}  // namespace

Measured run_measured(const MeasuredCommand& command) {
  if (!command.cleanup) SignalWatch::check();
  const int out_fd = scratch_fd();
  const int err_fd = scratch_fd();
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (command.env.count(entry.substr(0, eq)) == 0) env_text.push_back(entry);
  }
  for (const auto& [key, value] : command.env) env_text.push_back(key + "=" + value);
  std::vector<char*> argv;
  for (const auto& a : command.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : env_text) envp.push_back(e.data());
  envp.push_back(nullptr);

  Measured result;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execvpe(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  rusage usage{};
  int status = 0;
  const auto deadline = start + command.timeout;
  const auto poll =
      command.sample_every.count() > 0 ? command.sample_every : std::chrono::milliseconds(2);
  bool killed = false;
  for (;;) {
    const pid_t done = ::wait4(pid, &status, WNOHANG, &usage);
    if (done == pid) break;
    if (command.sample_every.count() > 0) {
      result.max_threads = std::max(result.max_threads, threads_of(pid));
      result.max_fds = std::max(result.max_fds, fds_of(pid));
    }
    if (!killed && (std::chrono::steady_clock::now() > deadline ||
                    (!command.cleanup && SignalWatch::interrupted()))) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(poll);
  }
  result.wall_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  result.cpu_ms = cpu_ms(usage);
  result.max_rss_kb = usage.ru_maxrss;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_all(out_fd);
  result.err = read_all(err_fd);
  ::close(out_fd);
  ::close(err_fd);
  if (!command.cleanup) SignalWatch::check();
  return result;
}

Measured run_measured_ok(const MeasuredCommand& command, const std::string& what) {
  auto result = run_measured(command);
  if (!result.ok()) {
    std::string tail =
        result.err.size() > 2000 ? result.err.substr(result.err.size() - 2000) : result.err;
    throw std::runtime_error(what + " failed (exit " + std::to_string(result.exit_code) +
                             "): " + tail);
  }
  return result;
}

}  // namespace cnfctl::bench
