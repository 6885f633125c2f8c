// Test and benchmark support: cnfctl-gen (and testpmd) processes over real memif sockets,
// without containers, with the EAL arguments cnfctl renders for containers. Each process is
// stopped (SIGTERM, then SIGKILL) and its DPDK runtime dir removed on destruction.
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

/// A DPDK program started with `argv` (stdout and stderr appended to `log`), stopped with
/// SIGTERM (then SIGKILL) on destruction; its runtime dir /var/run/dpdk/<prefix> is removed.
class DpdkProcess {
 public:
  DpdkProcess(const std::string& prefix, std::vector<std::string> argv, const std::string& log)
      : prefix_(prefix) {
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
  ~DpdkProcess() { stop(); }
  DpdkProcess(const DpdkProcess&) = delete;
  DpdkProcess& operator=(const DpdkProcess&) = delete;

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

/// The EAL arguments cnfctl renders for containers: no hugepages, both lcores on `cpu`, one
/// memif port per entry of `ports` (rsize=`ring_log2` when non-zero).
inline std::vector<std::string> eal_args(const std::string& binary, const std::string& prefix,
                                         int cpu, const std::vector<Port>& ports,
                                         int ring_log2 = 14) {
  std::vector<std::string> argv = {binary,
                                   "--no-huge",
                                   "-m",
                                   "512",
                                   "--no-pci",
                                   "--file-prefix=" + prefix,
                                   "--lcores",
                                   "0@" + std::to_string(cpu) + ",1@" + std::to_string(cpu),
                                   "--log-level=lib.eal:warning"};
  for (std::size_t k = 0; k < ports.size(); ++k) {
    std::string vdev = "--vdev=net_memif" + std::to_string(k) + ",role=" + ports[k].role +
                       ",socket=" + ports[k].socket + ",id=0,socket-abstract=no";
    if (ring_log2 != 0) vdev += ",rsize=" + std::to_string(ring_log2);
    argv.push_back(std::move(vdev));
  }
  argv.push_back("--");
  return argv;
}

/// cnfctl-gen with `app_args`. rsize=14 by default: on a loaded 2-core machine a descheduled
/// peer must not overflow the ring.
class GenProcess : public DpdkProcess {
 public:
  GenProcess(const std::string& prefix, int cpu, const std::vector<Port>& ports,
             const std::vector<std::string>& app_args, const std::string& log, int ring_log2 = 14)
      : DpdkProcess(prefix, with(eal_args(gen_binary(), prefix, cpu, ports, ring_log2), app_args),
                    log) {}

 private:
  static std::vector<std::string> with(std::vector<std::string> argv,
                                       const std::vector<std::string>& more) {
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
  }
};

}  // namespace cnfctl::trafficgen::testing
