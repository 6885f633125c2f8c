#include "run/progress.h"

#include <fmt/format.h>

namespace cnfctl::run {

Progress::Progress(std::FILE* out, bool enabled)
    : out_(out), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

void Progress::say(const std::string& subject, const std::string& what) {
  if (!enabled_) return;
  const auto ms = elapsed().count();
  std::lock_guard lock(mutex_);
  fmt::print(out_, "[{:4}.{:03}s] {}: {}\n", ms / 1000, ms % 1000, subject, what);
  std::fflush(out_);
}

std::chrono::milliseconds Progress::elapsed() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start_);
}

}  // namespace cnfctl::run
