#include "process/runner.h"

#include <fmt/format.h>

#include <cstring>

#include "common/error.h"
#include "process/posix_quote.h"

namespace cnfctl::process {
namespace {

std::string signal_name(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", signal);
}

// strerror() may use a shared buffer; strerrordesc_np() only returns constant strings.
std::string errno_text(int error) {
  const char* text = strerrordesc_np(error);
  return text != nullptr ? std::string(text) : fmt::format("error {}", error);
}

// The last `lines` lines of `text`, ignoring a final newline.
std::string last_lines(const std::string& text, std::size_t lines) {
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '\n') --end;
  if (lines == 0 || end == 0) return {};
  std::size_t start = end;
  std::size_t seen = 0;
  while (start > 0) {
    if (text[start - 1] == '\n' && ++seen == lines) break;
    --start;
  }
  return text.substr(start, end - start);
}

}  // namespace

std::string Command::display() const {
  return posix_quote_argv(argv);
}

std::string Outcome::describe_status() const {
  switch (status) {
    case Status::kExited:
      return fmt::format("exited with code {}", exit_code);
    case Status::kKilled:
      return fmt::format("killed by signal {} ({})", signal, signal_name(signal));
    case Status::kTimedOut:
      return fmt::format("timed out after {} ms", elapsed.count());
    case Status::kFailedToStart:
      if (start_step.empty() || start_step == "exec") {
        return fmt::format("failed to start: {}", errno_text(start_errno));
      }
      return fmt::format("failed to start: {}: {}", start_step, errno_text(start_errno));
  }
  return "unknown status";
}

std::string Outcome::tail(std::size_t lines) const {
  return last_lines(err.empty() ? out : err, lines);
}

Outcome run_checked(Runner& runner, const Command& command, const std::string& what) {
  Outcome outcome = runner.run(command);
  if (!outcome.ok()) {
    Error error(fmt::format("{} failed", what));
    error.with_command(command.display(), outcome.describe_status(), outcome.tail());
    throw error;
  }
  return outcome;
}

}  // namespace cnfctl::process
