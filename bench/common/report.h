// Medians, ratios and the fixed-width tables the benchmark prints.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cnfctl::bench {

/// Milliseconds `action` took (wall clock).
double time_ms(const std::function<void()>& action);

/// The median of `samples`; 0 for none.
double median(std::vector<double> samples);

/// "0.87" for a / b; "-" when b is 0.
std::string ratio_text(double a, double b);

/// Columns padded to the widest cell; the first row is the header.
std::string table_text(const std::vector<std::vector<std::string>>& rows);

}  // namespace cnfctl::bench
