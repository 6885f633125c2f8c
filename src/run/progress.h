// Progress lines while a run changes ("[  0.152s] nf1: created"), on stderr, thread-safe.
#pragma once

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

namespace cnfctl::run {

class Progress {
 public:
  /// Lines go to `out` (stderr by default); `enabled` false keeps it quiet. Never fails.
  explicit Progress(std::FILE* out = stderr, bool enabled = true);
  /// Prints "[elapsed] subject: what". Never fails.
  void say(const std::string& subject, const std::string& what);
  /// Time since construction.
  std::chrono::milliseconds elapsed() const;

 private:
  std::FILE* out_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
};

}  // namespace cnfctl::run
