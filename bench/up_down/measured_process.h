// One program run the benchmark times: its wall time, the CPU of it and of the descendants it
// waited for (wait4), and samples of its thread and file-descriptor counts while it runs.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace cnfctl::bench {

struct Measured {
  double wall_ms = 0;
  double cpu_ms = 0;    // user + system of the program and of every descendant it waited for
  long max_rss_kb = 0;  // the program's own peak RSS (wait4)
  int max_threads = 0;  // sampled from /proc/<pid>/status every `sample_every` (0: not sampled)
  int max_fds = 0;      // sampled from /proc/<pid>/fd likewise
  int exit_code = -1;   // -1: killed by a signal
  std::string out;      // its standard output
  std::string err;      // its standard error (the end of it in error messages)

  bool ok() const { return exit_code == 0; }
};

struct MeasuredCommand {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env{};   // added to this process's environment
  std::chrono::milliseconds sample_every{0};  // 0: no /proc sampling
  std::chrono::seconds timeout{600};          // then SIGKILL and exit_code -1
  bool cleanup = false;  // a cleanup step: runs to its end even after Ctrl-C, never throws it
};

/// Runs `command` and waits for it; never throws for a failing program (see exit_code).
/// Throws Interrupted (after killing it) when Ctrl-C arrived meanwhile (not for cleanup steps).
Measured run_measured(const MeasuredCommand& command);

/// run_measured, then throws std::runtime_error with `what`, the status and the end of its
/// stderr when it did not exit 0.
Measured run_measured_ok(const MeasuredCommand& command, const std::string& what);

}  // namespace cnfctl::bench
