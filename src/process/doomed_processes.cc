#include "process/doomed_processes.h"

#include <fmt/format.h>

#include <csignal>
#include <filesystem>

#include "common/poll.h"
#include "process/local_files.h"

namespace cnfctl::process {
namespace {

// The hexadecimal signal set of `field` ("SigPnd") in a /proc/PID/status text; 0 when absent.
unsigned long long signal_set(const std::string& status, const std::string& field) {
  const auto at = status.find("\n" + field + ":");
  if (at == std::string::npos) return 0;
  try {
    return std::stoull(status.substr(at + field.size() + 2), nullptr, 16);
  } catch (const std::exception&) {
    return 0;
  }
}

// "Z" (zombie), "X" (dead) or another state letter of a /proc/PID/status text.
char state_of(const std::string& status) {
  const auto at = status.find("\nState:");
  if (at == std::string::npos) return '?';
  const auto letter = status.find_first_not_of(" \t", at + 7);
  return letter == std::string::npos ? '?' : status[letter];
}

bool is_runc(const std::string& argv0) {
  const auto slash = argv0.rfind('/');
  return (slash == std::string::npos ? argv0 : argv0.substr(slash + 1)) == "runc";
}

bool is_runc_init(const std::string& cmdline) {
  const auto words = nul_separated_words(cmdline);
  return words.size() >= 2 && is_runc(words[0]) && words[1] == "init";
}

// The PPid of a /proc/PID/status text; 0 when absent.
int parent_of(const std::string& status) {
  const auto at = status.find("\nPPid:");
  if (at == std::string::npos) return 0;
  try {
    return std::stoi(status.substr(at + 6));
  } catch (const std::exception&) {
    return 0;
  }
}

bool gone(int pid) {
  const auto status = read_file_local("/proc/" + std::to_string(pid) + "/status");
  if (!status) return true;
  const char state = state_of(*status);
  return state == 'Z' || state == 'X';
}

}  // namespace

bool orphaned_runc_init(const std::string& cmdline, const std::string& parent_cmdline) {
  if (!is_runc_init(cmdline)) return false;
  const auto parent = nul_separated_words(parent_cmdline);
  return parent.empty() || !is_runc(parent[0]);
}

bool kill_pending(const std::string& status) {
  const unsigned long long kill_bit = 1ULL << (SIGKILL - 1);
  return ((signal_set(status, "SigPnd") | signal_set(status, "ShdPnd")) & kill_bit) != 0;
}

std::vector<int> doomed_processes(const std::vector<std::string>& needles) {
  std::vector<int> pids;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto status = read_file_local("/proc/" + name + "/status");
    if (!status) continue;
    const char state = state_of(*status);
    if (state == 'Z' || state == 'X') continue;
    const auto cmdline = read_file_local("/proc/" + name + "/cmdline");
    if (!cmdline) continue;
    if (is_runc_init(*cmdline) &&
        orphaned_runc_init(
            *cmdline,
            read_file_local(fmt::format("/proc/{}/cmdline", parent_of(*status))).value_or(""))) {
      // Parked on its exec FIFO (made, waiting for a `start` that will not come), it does
      // nothing more until the container's `delete --force` ends it: not waited for.
      if (read_file_local("/proc/" + name + "/wchan").value_or("") != "wait_for_partner") {
        pids.push_back(std::stoi(name));
      }
      continue;
    }
    if (!kill_pending(*status)) continue;
    for (const auto& needle : needles) {
      if (!needle.empty() && cmdline->find(needle) != std::string::npos) {
        pids.push_back(std::stoi(name));
        break;
      }
    }
  }
  return pids;
}

bool wait_until_gone(const std::vector<int>& pids, std::chrono::milliseconds patience) {
  return poll_until(
      [&] {
        for (int pid : pids) {
          if (!gone(pid)) return false;
        }
        return true;
      },
      std::chrono::steady_clock::now() + patience,
      Backoff(std::chrono::microseconds(500), std::chrono::milliseconds(20)));
}

}  // namespace cnfctl::process
