// The report's charts, drawn as SVG from a result file's trials and search results.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cnfctl::report {

/// A marked rate on the loss curve: a goal's result (e.g. NDR) with its spread over repeats.
struct GoalMark {
  std::string name;  // "NDR", "PDR"
  double loss_ratio = 0;
  double rate = 0;  // the reported lower bound (median over repeats)
  double min = 0;   // the spread over repeats (min == max == rate for one search)
  double max = 0;
};

/// <svg id="loss-curve">: every trial of `trials` (the result file's "trials" array) as one
/// <circle class="trial"> at (offered rate, loss ratio); loss on a log scale with a separate
/// zero line; full-length trials (`final`: true) filled, short ones hollow. Every mark is a
/// <line class="goal-marker"> with a <text class="goal-label"> "NDR 0.200 Mpps"; a spread
/// wider than nothing is a <rect class="spread">. Empty string when there are no trials.
std::string loss_curve_svg(const nlohmann::json& trials, const std::vector<GoalMark>& marks);

/// A trial picked for the latency chart, with the label to show ("NDR lower bound").
struct LatencyPick {
  std::string label;
  nlohmann::json trial;  // one element of "trials"
};

/// <svg id="latency">: for each pick, a group of <rect class="latency-bar"> for min, p50, p90,
/// p99, p99.9 and max (log scale of nanoseconds, each bar labelled); when a pick's latency has
/// "histogram" buckets ([[upper_ns, count], ...]) also <rect class="histogram-bar">s. Empty
/// string when no pick has latency.
std::string latency_svg(const std::vector<LatencyPick>& picks);

/// <svg id="latency-vs-rate">: p50 and p99 of every trial with latency as <circle
/// class="latency-point"> over the offered rate. Empty string when no trial has latency.
std::string latency_vs_rate_svg(const nlohmann::json& trials);

}  // namespace cnfctl::report
