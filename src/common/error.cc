#include "common/error.h"

#include <utility>

namespace cnfctl {

Error::Error(std::string what, ErrorKind kind)
    : std::runtime_error(what), kind_(kind), message_(std::move(what)) {
  refresh();
}

Error Error::bad_input(std::string where, std::string what) {
  Error e(std::move(what), ErrorKind::kBadInput);
  if (!where.empty()) e.at(std::move(where));
  return e;
}

Error& Error::at(std::string where) {
  locations_.insert(locations_.begin(), std::move(where));
  refresh();
  return *this;
}

Error& Error::with_command(std::string argv_text, std::string status, std::string stderr_tail) {
  command_ = std::move(argv_text);
  status_ = std::move(status);
  stderr_tail_ = std::move(stderr_tail);
  refresh();
  return *this;
}

void Error::refresh() {
  std::string text;
  for (const auto& location : locations_) {
    text += location;
    text += ": ";
  }
  text += message_;
  if (command_) text += "\n  command: " + *command_;
  if (status_) text += "\n  status: " + *status_;
  if (stderr_tail_ && !stderr_tail_->empty()) {
    text += "\n  stderr (tail):";
    std::string::size_type start = 0;
    while (start < stderr_tail_->size()) {
      auto end = stderr_tail_->find('\n', start);
      if (end == std::string::npos) end = stderr_tail_->size();
      text += "\n    " + stderr_tail_->substr(start, end - start);
      start = end + 1;
    }
  }
  text_ = std::move(text);
}

void require_input(bool condition, const std::string& where, const std::string& what) {
  if (!condition) throw Error::bad_input(where, what);
}

}  // namespace cnfctl
