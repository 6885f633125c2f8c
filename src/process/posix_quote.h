// The one POSIX shell quoting function of cnfctl.
//
// Commands are argv everywhere; the only place an argv must become shell text is a remote command
// line (ssh passes one string to the remote user's shell) and human-readable messages. Both use
// these functions, so there is exactly one quoting rule to review.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cnfctl::process {

/// Returns `arg` as one POSIX shell word that sh, dash, bash, ksh and zsh parse back into exactly
/// `arg`, in any position of a simple command (including the command name). Words made only of
/// [A-Za-z0-9_@%+:,./-] stay bare (except reserved words such as `if`); everything else is
/// single-quoted, with each `'` written as `'\''`; the empty string becomes `''`.
/// Never fails. A NUL byte cannot be represented in an argv; it is kept as is (the caller's bug).
std::string posix_quote(std::string_view arg);

/// Returns every element of `argv` quoted with posix_quote() and joined by single spaces; an
/// empty argv gives an empty string. Never fails.
std::string posix_quote_argv(const std::vector<std::string>& argv);

}  // namespace cnfctl::process
