// The one error model of cnfctl.
//
// Every failure that reaches a user is a cnfctl::Error. It says what failed, where (a file and
// line, or a node / container / step), and for a failed command its exit status and the tail of
// its stderr. Its kind decides the exit code: bad input exits 2 (and nothing was touched), a
// failure while acting exits 1.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnfctl {

enum class ErrorKind {
  kBadInput,  // the user's input is wrong; nothing on any machine was touched. Exit code 2.
  kFailure,   // something failed while acting on a machine. Exit code 1.
};

class Error : public std::runtime_error {
 public:
  /// A failure (exit code 1) with a message saying what failed.
  explicit Error(std::string what, ErrorKind kind = ErrorKind::kFailure);

  /// Bad input (exit code 2): `where` is e.g. "topo.yaml:12:3" or "--numa".
  static Error bad_input(std::string where, std::string what);

  ErrorKind kind() const { return kind_; }
  int exit_code() const { return kind_ == ErrorKind::kBadInput ? 2 : 1; }

  /// Adds a location in front of the existing ones ("node dut1", "container nf1", "step start").
  Error& at(std::string where);
  /// The exit status and stderr tail of the command that failed.
  Error& with_command(std::string argv_text, std::string status, std::string stderr_tail);

  const std::string& message() const { return message_; }
  const std::vector<std::string>& locations() const { return locations_; }
  const std::optional<std::string>& stderr_tail() const { return stderr_tail_; }

  /// The full text shown to a user: "where: where: message" plus command details.
  std::string describe() const { return text_; }
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  void refresh();

  ErrorKind kind_;
  std::string message_;
  std::vector<std::string> locations_;
  std::optional<std::string> command_;
  std::optional<std::string> status_;
  std::optional<std::string> stderr_tail_;
  std::string text_;
};

/// Throws Error::bad_input(where, what) unless `condition` holds.
void require_input(bool condition, const std::string& where, const std::string& what);

}  // namespace cnfctl
