#include "process/posix_quote.h"

#include <algorithm>
#include <array>

namespace cnfctl::process {
namespace {

// Characters that no POSIX shell treats specially anywhere in a word. '=' is excluded because a
// leading `NAME=value` word is an assignment, '~' because of tilde expansion, '#' because it
// starts a comment at the beginning of a word.
bool is_bare_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '_':
    case '@':
    case '%':
    case '+':
    case ':':
    case ',':
    case '.':
    case '/':
    case '-':
      return true;
    default:
      return false;
  }
}

// Words that are keywords when they are the command name (POSIX plus the bash/ksh/zsh extras
// that consist only of bare characters).
bool is_reserved_word(std::string_view word) {
  static constexpr std::array<std::string_view, 18> kReserved = {
      "case", "do",   "done",  "elif",  "else", "esac",   "fi",     "for",      "if",
      "in",   "then", "until", "while", "time", "select", "coproc", "function", "foreach"};
  return std::find(kReserved.begin(), kReserved.end(), word) != kReserved.end();
}

}  // namespace

std::string posix_quote(std::string_view arg) {
  if (!arg.empty() && std::all_of(arg.begin(), arg.end(), is_bare_char) && !is_reserved_word(arg)) {
    return std::string(arg);
  }
  std::string quoted;
  quoted.reserve(arg.size() + 2);
  quoted += '\'';
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";  // close the quote, an escaped quote, reopen
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string posix_quote_argv(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) line += ' ';
    line += posix_quote(arg);
  }
  return line;
}

}  // namespace cnfctl::process
