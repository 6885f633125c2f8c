// A few helpers to write SVG and HTML text by hand: escaping, number formatting, axis ticks.
// The report draws its own pictures (no library, no script, nothing fetched).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cnfctl::report {

/// `text` with &, <, >, " and ' escaped for HTML/SVG text and attribute values.
std::string escape(std::string_view text);

/// A coordinate with at most one decimal ("12.5", "300").
std::string coord(double value);

/// A rate for people: "1.234 Mpps", "200.0 kpps", "950 pps".
std::string rate_text(double pps);

/// A ratio as a percentage with enough digits to tell 0 from tiny: "0%", "0.0012%", "2.50%".
std::string percent_text(double ratio);

/// Nanoseconds for people: "850 ns", "12.3 us", "4.56 ms".
std::string ns_text(double ns);

/// "Nice" tick values (1, 2, 5 x 10^k steps) covering [lo, hi], about `count` of them.
std::vector<double> nice_ticks(double lo, double hi, int count);

}  // namespace cnfctl::report
