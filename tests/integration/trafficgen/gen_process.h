// Test support: cnfctl-gen processes over real memif sockets, without containers. A GenProcess
// runs the program with the EAL arguments cnfctl renders for containers (two memif ports, one
// CPU), kills it (SIGTERM, then SIGKILL) and removes its DPDK runtime dir on destruction.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace cnfctl::trafficgen::testing {

inline std::string gen_binary() {
  return std::string(CNFCTL_BINARY_DIR) + "/src/cli/cnfctl-gen";
}

/// One memif port: `role` "server" or "client", on `socket`.
struct Port {
  std::string role;
  std::string socket;
};

class GenProcess {
 public:
  GenProcess(const std::string& prefix, int cpu, const std::vector<Port>& ports,
             const std::vector<std::string>& app_args, const std::string& log)
      : prefix_(prefix) {
    std::vector<std::string> argv = {gen_binary(),
                                     "--no-huge",
                                     "-m",
                                     "512",
                                     "--no-pci",
                                     "--file-prefix=" + prefix,
                                     "--lcores",
                                     "0@" + std::to_string(cpu) + ",1@" + std::to_string(cpu),
                                     "--log-level=lib.eal:warning"};
    for (std::size_t k = 0; k < ports.size(); ++k) {
      // rsize=14: on a loaded 2-core machine a descheduled peer must not overflow the ring.
      argv.push_back("--vdev=net_memif" + std::to_string(k) + ",role=" + ports[k].role +
                     ",socket=" + ports[k].socket + ",id=0,socket-abstract=no,rsize=14");
    }
    argv.push_back("--");
    argv.insert(argv.end(), app_args.begin(), app_args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> raw;
      for (auto& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
  }
  ~GenProcess() { stop(); }
  GenProcess(const GenProcess&) = delete;
  GenProcess& operator=(const GenProcess&) = delete;

  /// Stops the program; returns its exit status (or -1 when it was killed).
  int stop() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = 0;
      status_ = -1;
    }
    std::error_code ignored;
    std::filesystem::remove_all("/var/run/dpdk/" + prefix_, ignored);
    return status_;
  }
  /// Waits for the program to exit by itself; its exit status, or -1 on a signal / timeout.
  int wait(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        std::error_code ignored;
        std::filesystem::remove_all("/var/run/dpdk/" + prefix_, ignored);
        return status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  bool running() const { return pid_ > 0; }

 private:
  std::string prefix_;
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace cnfctl::trafficgen::testing
