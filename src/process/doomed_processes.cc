#include "process/doomed_processes.h"

#include <fmt/format.h>

#include <csignal>

#include "common/poll.h"
#include "process/local_files.h"
#include "process/procfs.h"

namespace cnfctl::process {
namespace {

// "Z" (zombie), "X" (dead) or another state letter of a /proc/PID/status text.
char state_of(const std::string& status) {
  const auto state = status_field(status, "State");
  return state && !state->empty() ? state->front() : '?';
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
  try {
    return std::stoi(status_field(status, "PPid").value_or(""));
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
  const auto pending = status_signal_set(status, "SigPnd") | status_signal_set(status, "ShdPnd");
  return (pending & kill_bit) != 0;
}

std::vector<int> doomed_processes(const std::vector<std::string>& needles) {
  std::vector<int> pids;
  for (const int pid : process_ids()) {
    const std::string name = std::to_string(pid);
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
        pids.push_back(pid);
      }
      continue;
    }
    if (!kill_pending(*status)) continue;
    for (const auto& needle : needles) {
      if (!needle.empty() && cmdline->find(needle) != std::string::npos) {
        pids.push_back(pid);
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
