// What every fuzzer here shares: a property check that aborts with a message (so libFuzzer saves
// the input), and the rule that a parser reports bad input only as cnfctl::Error.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.h"

namespace cnfctl::fuzz {

/// Aborts (a libFuzzer finding) with `what` when `condition` does not hold.
inline void check(bool condition, const char* what, const std::string& detail = {}) {
  if (condition) return;
  std::fprintf(stderr, "fuzz property violated: %s\n%s\n", what, detail.c_str());
  std::abort();
}

/// A parser's rejection must say it is bad input (exit code 2), never an internal failure.
inline void check_bad_input(const Error& e, const char* parser) {
  check(e.kind() == ErrorKind::kBadInput, parser, "rejected input as a failure: " + e.describe());
  check(!e.message().empty(), parser, "rejected input without a message");
}

}  // namespace cnfctl::fuzz
