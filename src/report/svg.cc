#include "report/svg.h"

#include <fmt/format.h>

#include <cmath>

namespace cnfctl::report {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string coord(double value) {
  if (!std::isfinite(value)) return "0";
  const double rounded = std::round(value * 10) / 10;
  if (rounded == std::floor(rounded)) return fmt::format("{}", static_cast<long long>(rounded));
  return fmt::format("{:.1f}", rounded);
}

std::string rate_text(double pps) {
  if (pps >= 1e6) return fmt::format("{:.3f} Mpps", pps / 1e6);
  if (pps >= 1e3) return fmt::format("{:.1f} kpps", pps / 1e3);
  return fmt::format("{:.0f} pps", pps);
}

std::string percent_text(double ratio) {
  if (ratio <= 0) return "0%";
  const double p = ratio * 100;
  if (p >= 1) return fmt::format("{:.2f}%", p);
  if (p >= 0.01) return fmt::format("{:.3f}%", p);
  return fmt::format("{:.2g}%", p);
}

std::string ns_text(double ns) {
  if (ns >= 1e6) return fmt::format("{:.2f} ms", ns / 1e6);
  if (ns >= 1e3) return fmt::format("{:.1f} us", ns / 1e3);
  return fmt::format("{:.0f} ns", ns);
}

std::vector<double> nice_ticks(double lo, double hi, int count) {
  std::vector<double> ticks;
  if (!(hi > lo) || count < 1) return {lo};
  const double raw = (hi - lo) / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

}  // namespace cnfctl::report
