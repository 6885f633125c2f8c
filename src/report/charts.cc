#include "report/charts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/svg.h"

namespace cnfctl::report {

namespace {

constexpr double kWidth = 760;
constexpr double kLeft = 78;  // room for the y labels
constexpr double kRight = 20;
constexpr double kTop = 20;
constexpr double kBottom = 46;  // room for the x labels and title

// The loss axis: 0 on its own line at the bottom, then 10^-7 .. 1 logarithmically.
constexpr double kLossDecades = 7;

double number(const nlohmann::json& j, const char* key, double fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

bool has_latency(const nlohmann::json& trial) {
  auto it = trial.find("latency_ns");
  return it != trial.end() && it->is_object() && number(*it, "count") > 0;
}

std::string axis_title(double x, double y, const std::string& text, bool vertical = false) {
  if (vertical) {
    return fmt::format(
        "<text class=\"axis-title\" transform=\"translate({} {}) rotate(-90)\" "
        "text-anchor=\"middle\">{}</text>\n",
        coord(x), coord(y), escape(text));
  }
  return fmt::format(
      "<text class=\"axis-title\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", coord(x),
      coord(y), escape(text));
}

// The rate axis: linear from 0 (or a little below the lowest rate) to a little above the highest.
struct RateAxis {
  double lo = 0;
  double hi = 1;
  double unit = 1e6;  // Mpps or kpps
  std::string unit_name = "Mpps";
  double x0 = kLeft;
  double x1 = kWidth - kRight;

  double x(double rate) const { return x0 + (rate - lo) / (hi - lo) * (x1 - x0); }

  static RateAxis over(double lo, double hi) {
    RateAxis a;
    if (!(hi > 0)) hi = 1;
    a.lo = 0;
    a.hi = hi * 1.05;
    if (lo > hi * 0.5) a.lo = lo * 0.95;  // a narrow cluster: zoom in
    if (a.hi < 2e6) {
      a.unit = 1e3;
      a.unit_name = "kpps";
    }
    return a;
  }

  std::string draw(double y_top, double y_bottom) const {
    std::string out;
    for (double t : nice_ticks(lo / unit, hi / unit, 6)) {
      const double px = x(t * unit);
      if (px < x0 - 0.5 || px > x1 + 0.5) continue;
      out += fmt::format(
          "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n"
          "<text class=\"tick\" x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4:g}</text>\n",
          coord(px), coord(y_top), coord(y_bottom), coord(y_bottom + 15), t);
    }
    out += axis_title((x0 + x1) / 2, y_bottom + 34, "offered rate (" + unit_name + ")");
    return out;
  }
};

}  // namespace

std::string loss_curve_svg(const nlohmann::json& trials, const std::vector<GoalMark>& marks) {
  if (!trials.is_array() || trials.empty()) return "";
  const double height = 340;
  const double y_bottom = height - kBottom;
  const double y_zero = y_bottom - 8;  // the zero-loss line
  const double y_log0 = y_zero - 26;   // 10^-7
  const double y_log1 = kTop + 6;      // 1 (100%)
  auto y_of = [&](double ratio) {
    if (ratio <= 0) return y_zero;
    const double t = std::clamp((std::log10(ratio) + kLossDecades) / kLossDecades, 0.0, 1.0);
    return y_log0 - t * (y_log0 - y_log1);
  };
  double lo = 1e300;
  double hi = 0;
  for (const auto& t : trials) {
    lo = std::min(lo, number(t, "rate_pps"));
    hi = std::max(hi, number(t, "rate_pps"));
  }
  for (const auto& m : marks) {
    lo = std::min(lo, m.min > 0 ? m.min : m.rate);
    hi = std::max(hi, m.max);
  }
  const auto axis = RateAxis::over(lo, hi);

  std::string svg = fmt::format(
      "<svg id=\"loss-curve\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"loss ratio over offered rate\">\n",
      coord(kWidth), coord(height));
  svg += fmt::format("<rect class=\"plot\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n",
                     coord(axis.x0), coord(kTop), coord(axis.x1 - axis.x0), coord(y_bottom - kTop));
  svg += axis.draw(kTop, y_bottom);
  // Loss ticks: 0, then every other decade.
  svg += fmt::format(
      "<line class=\"grid zero\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n"
      "<text class=\"tick\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">0</text>\n",
      coord(axis.x0), coord(y_zero), coord(axis.x1), coord(axis.x0 - 6), coord(y_zero + 4));
  for (int decade = -6; decade <= 0; decade += 2) {
    const double ratio = std::pow(10.0, decade);
    svg += fmt::format(
        "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n"
        "<text class=\"tick\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5}</text>\n",
        coord(axis.x0), coord(y_of(ratio)), coord(axis.x1), coord(axis.x0 - 6),
        coord(y_of(ratio) + 4), escape(percent_text(ratio)));
  }
  svg += axis_title(18, (kTop + y_bottom) / 2, "loss ratio", true);
  for (const auto& m : marks) {
    if (m.loss_ratio > 0) {
      svg += fmt::format(
          "<line class=\"goal-loss\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"><title>{3} goal "
          "loss ratio {4}</title></line>\n",
          coord(axis.x0), coord(y_of(m.loss_ratio)), coord(axis.x1), escape(m.name),
          escape(percent_text(m.loss_ratio)));
    }
  }
  int label_row = 0;
  for (const auto& m : marks) {
    if (!(m.rate > 0)) continue;
    if (m.max > m.min) {
      svg += fmt::format(
          "<rect class=\"spread\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{} over the "
          "repeats: {} .. {}</title></rect>\n",
          coord(axis.x(m.min)), coord(kTop), coord(std::max(1.0, axis.x(m.max) - axis.x(m.min))),
          coord(y_bottom - kTop), escape(m.name), escape(rate_text(m.min)),
          escape(rate_text(m.max)));
    }
    const double x = axis.x(m.rate);
    const double label_y = kTop + 14 + 16 * label_row++;
    const bool left = x > (axis.x0 + axis.x1) / 2;
    svg += fmt::format(
        "<line class=\"goal-marker goal-{0}\" x1=\"{1}\" y1=\"{2}\" x2=\"{1}\" y2=\"{3}\"/>\n"
        "<text class=\"goal-label goal-{0}\" x=\"{4}\" y=\"{5}\" text-anchor=\"{6}\">{7} "
        "{8}</text>\n",
        escape(m.name), coord(x), coord(kTop), coord(y_bottom), coord(x + (left ? -5 : 5)),
        coord(label_y), left ? "end" : "start", escape(m.name), escape(rate_text(m.rate)));
  }
  for (const auto& t : trials) {
    const double rate = number(t, "rate_pps");
    const double loss = number(t, "loss_ratio");
    const bool full = t.value("final", false);
    svg += fmt::format(
        "<circle class=\"trial {}\" cx=\"{}\" cy=\"{}\" r=\"{}\" data-rate=\"{:.0f}\" "
        "data-loss=\"{:g}\"><title>trial {}: {} for {:g} s, loss {}</title></circle>\n",
        full ? "full" : "short", coord(axis.x(rate)), coord(y_of(loss)), full ? "5" : "3.5", rate,
        loss, t.value("index", 0), escape(rate_text(rate)), number(t, "duration_s"),
        escape(percent_text(loss)));
  }
  svg += "</svg>\n";
  return svg;
}

std::string latency_svg(const std::vector<LatencyPick>& picks) {
  static constexpr std::pair<const char*, const char*> kPercentiles[] = {
      {"min", "min"}, {"p50", "p50"},    {"p90", "p90"},
      {"p99", "p99"}, {"p999", "p99.9"}, {"max", "max"}};
  std::vector<const LatencyPick*> shown;
  double lo = 1e300;
  double hi = 0;
  for (const auto& p : picks) {
    if (!has_latency(p.trial)) continue;
    shown.push_back(&p);
    const auto& l = p.trial["latency_ns"];
    for (const auto& [key, label] : kPercentiles) {
      const double v = number(l, key);
      if (v > 0) lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (shown.empty() || !(hi > 0)) return "";
  // Log scale of nanoseconds over whole decades.
  const double d0 = std::floor(std::log10(std::max(1.0, std::min(lo, hi))));
  const double d1 = std::max(d0 + 1, std::ceil(std::log10(hi)));
  const double bar_h = 14;
  const double group_h = bar_h * 6 + 26;
  const double height = kTop + group_h * static_cast<double>(shown.size()) + kBottom;
  const double x0 = 150;
  const double x1 = kWidth - 90;
  auto x_of = [&](double ns) {
    if (ns <= 0) return x0;
    return x0 + (std::log10(ns) - d0) / (d1 - d0) * (x1 - x0);
  };
  std::string svg = fmt::format(
      "<svg id=\"latency\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"latency percentiles\">\n",
      coord(kWidth), coord(height));
  const double y_bottom = height - kBottom;
  for (double d = d0; d <= d1; d += 1) {
    const double x = x_of(std::pow(10.0, d));
    svg += fmt::format(
        "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n"
        "<text class=\"tick\" x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
        coord(x), coord(kTop), coord(y_bottom), coord(y_bottom + 15),
        escape(ns_text(std::pow(10.0, d))));
  }
  svg += axis_title((x0 + x1) / 2, y_bottom + 34, "one-way latency (log scale)");
  double y = kTop;
  for (const auto* p : shown) {
    const auto& l = p->trial["latency_ns"];
    svg += fmt::format("<text class=\"group-label\" x=\"8\" y=\"{}\">{}</text>\n", coord(y + 12),
                       escape(p->label));
    y += 18;
    for (const auto& [key, label] : kPercentiles) {
      const double v = number(l, key);
      const double w = std::max(1.0, x_of(v) - x0);
      svg += fmt::format(
          "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n"
          "<rect class=\"latency-bar pct-{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
          "data-ns=\"{:.0f}\"/>\n"
          "<text class=\"value\" x=\"{}\" y=\"{}\">{}</text>\n",
          coord(x0 - 6), coord(y + bar_h - 3), label, key, coord(x0), coord(y), coord(w),
          coord(bar_h - 2), v, coord(x0 + w + 4), coord(y + bar_h - 3), escape(ns_text(v)));
      y += bar_h;
    }
    y += 8;
  }
  svg += "</svg>\n";

  // Histograms, when the generator gave buckets.
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const auto& l = shown[i]->trial["latency_ns"];
    auto it = l.find("histogram");
    if (it == l.end() || !it->is_array() || it->empty()) continue;
    double peak = 0;
    double top_ns = 0;
    for (const auto& b : *it) {
      if (!b.is_array() || b.size() < 2) continue;
      peak = std::max(peak, b[1].get<double>());
      top_ns = std::max(top_ns, b[0].get<double>());
    }
    if (!(peak > 0)) continue;
    const double hh = 180;
    svg += fmt::format(
        "<svg class=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
        "height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"latency histogram\">\n",
        coord(kWidth), coord(hh));
    svg += fmt::format("<text class=\"group-label\" x=\"8\" y=\"14\">{} histogram</text>\n",
                       escape(shown[i]->label));
    const double bx0 = kLeft;
    const double bx1 = kWidth - kRight;
    const double by1 = hh - 30;
    const double lo_ns = (*it)[0][0].get<double>();
    auto hx = [&](double ns) {
      return bx0 + (std::log10(std::max(ns, 1.0)) - std::log10(std::max(lo_ns, 1.0))) /
                       std::max(1e-9, std::log10(top_ns) - std::log10(std::max(lo_ns, 1.0))) *
                       (bx1 - bx0);
    };
    double prev = lo_ns * 0.99;
    for (const auto& b : *it) {
      const double upper = b[0].get<double>();
      const double count = b[1].get<double>();
      const double h = (by1 - 24) * count / peak;
      svg += fmt::format(
          "<rect class=\"histogram-bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>up "
          "to {}: {:.0f}</title></rect>\n",
          coord(hx(prev)), coord(by1 - h), coord(std::max(1.0, hx(upper) - hx(prev))), coord(h),
          escape(ns_text(upper)), count);
      prev = upper;
    }
    svg += fmt::format(
        "<text class=\"tick\" x=\"{}\" y=\"{}\">{}</text><text class=\"tick\" x=\"{}\" y=\"{}\" "
        "text-anchor=\"end\">{}</text>\n</svg>\n",
        coord(bx0), coord(by1 + 15), escape(ns_text(lo_ns)), coord(bx1), coord(by1 + 15),
        escape(ns_text(top_ns)));
  }
  return svg;
}

std::string latency_vs_rate_svg(const nlohmann::json& trials) {
  if (!trials.is_array()) return "";
  double lo = 1e300;
  double hi = 0;
  double top = 0;
  double bottom = 1e300;
  int count = 0;
  for (const auto& t : trials) {
    if (!has_latency(t)) continue;
    ++count;
    lo = std::min(lo, number(t, "rate_pps"));
    hi = std::max(hi, number(t, "rate_pps"));
    top = std::max(top, number(t["latency_ns"], "p99"));
    bottom = std::min(bottom, std::max(1.0, number(t["latency_ns"], "p50")));
  }
  if (count == 0 || !(top > 0)) return "";
  const double height = 300;
  const double y_bottom = height - kBottom;
  const auto axis = RateAxis::over(lo, hi);
  const double d0 = std::floor(std::log10(std::max(1.0, bottom)));
  const double d1 = std::max(d0 + 1, std::ceil(std::log10(top)));
  auto y_of = [&](double ns) {
    const double t = (std::log10(std::max(ns, 1.0)) - d0) / (d1 - d0);
    return y_bottom - std::clamp(t, 0.0, 1.0) * (y_bottom - kTop);
  };
  std::string svg = fmt::format(
      "<svg id=\"latency-vs-rate\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
      "height=\"{1}\" viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"latency over offered "
      "rate\">\n",
      coord(kWidth), coord(height));
  svg += fmt::format("<rect class=\"plot\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>\n",
                     coord(axis.x0), coord(kTop), coord(axis.x1 - axis.x0), coord(y_bottom - kTop));
  svg += axis.draw(kTop, y_bottom);
  for (double d = d0; d <= d1; d += 1) {
    const double y = y_of(std::pow(10.0, d));
    svg += fmt::format(
        "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n"
        "<text class=\"tick\" x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5}</text>\n",
        coord(axis.x0), coord(y), coord(axis.x1), coord(axis.x0 - 6), coord(y + 4),
        escape(ns_text(std::pow(10.0, d))));
  }
  svg += axis_title(18, (kTop + y_bottom) / 2, "latency", true);
  for (const auto& t : trials) {
    if (!has_latency(t)) continue;
    const double rate = number(t, "rate_pps");
    for (const char* key : {"p50", "p99"}) {
      const double ns = number(t["latency_ns"], key);
      svg += fmt::format(
          "<circle class=\"latency-point {}\" cx=\"{}\" cy=\"{}\" r=\"3.5\"><title>trial {}: {} "
          "at {}</title></circle>\n",
          key, coord(axis.x(rate)), coord(y_of(ns)), t.value("index", 0), key,
          escape(rate_text(rate)));
    }
  }
  svg += fmt::format(
      "<circle class=\"legend-dot p50\" cx=\"{0}\" cy=\"{1}\" r=\"3.5\"/><text "
      "class=\"tick\" x=\"{2}\" y=\"{3}\">p50</text>\n<circle class=\"legend-dot p99\" "
      "cx=\"{4}\" cy=\"{1}\" r=\"3.5\"/><text class=\"tick\" x=\"{5}\" y=\"{3}\">p99</text>\n",
      coord(axis.x0 + 12), coord(kTop + 12), coord(axis.x0 + 20), coord(kTop + 16),
      coord(axis.x0 + 62), coord(axis.x0 + 70));
  svg += "</svg>\n";
  return svg;
}

}  // namespace cnfctl::report
