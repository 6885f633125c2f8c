// Reading /proc of this machine: which processes it lists, and the fields of the texts it shows
// for one (/proc/PID/status, /proc/PID/stat). One parser for each, so every scan of the process
// table reads them the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnfctl::process {

/// The pids /proc lists now: its numeric entries. Empty when /proc cannot be opened.
std::vector<int> process_ids();

/// The value of the line `key:` of a /proc/PID/status text, up to the end of that line, without
/// the blanks after the colon ("State:\tS (sleeping)" -> "S (sleeping)"); nullopt when no line
/// has that key. Pure.
std::optional<std::string> status_field(std::string_view status_text, std::string_view key);

/// The signal set of the line `key:` (SigPnd, ShdPnd, SigBlk, SigIgn, SigCgt) of a
/// /proc/PID/status text: a hexadecimal mask, bit N-1 for signal N. 0 when the line is missing or
/// does not start with a hexadecimal number. Pure.
unsigned long long status_signal_set(std::string_view status_text, std::string_view key);

/// Field `number` of a /proc/PID/stat text as proc(5) numbers them (3 the state letter, 22 the
/// start time). The command name (field 2) may hold blanks and parentheses, so fields count
/// from its closing parenthesis, the text's last ')'. Nullopt when the text has no such field or
/// `number` is below 3. Pure.
std::optional<std::string> stat_field(std::string_view stat_text, int number);

}  // namespace cnfctl::process
