#include "measure/measure_run.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "common/error.h"

namespace cnfctl::measure {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string rate_text(double pps) {
  if (pps >= 1e6) return fmt::format("{:.3f} Mpps", pps / 1e6);
  if (pps >= 1e3) return fmt::format("{:.1f} kpps", pps / 1e3);
  return fmt::format("{:.0f} pps", pps);
}

std::string percent_text(double ratio) {
  if (ratio <= 0) return "0%";
  if (ratio * 100 >= 0.01) return fmt::format("{:.3g}%", ratio * 100);
  return fmt::format("{:.2g}%", ratio * 100);
}

std::string us_text(const nlohmann::json& latency, const char* key) {
  if (!latency.is_object() || latency.value("count", 0) == 0) return "-";
  return fmt::format("{:.1f}", latency.value(key, 0.0) / 1e3);
}

void say(const MeasureOptions& o, const std::string& line) {
  if (o.progress) o.progress(line);
}

std::string trial_line(const TrialRecord& t) {
  const auto& total = t.result.total;
  return fmt::format(
      "trial {}: {} for {:g} s: sent {}, received {}, loss {}{}", t.index, rate_text(t.rate_pps),
      t.duration_s, total.sent, total.received, percent_text(t.loss_ratio),
      total.latency.count > 0
          ? fmt::format(", p50 {:.1f} us", static_cast<double>(total.latency.p50) / 1e3)
          : std::string());
}

// Rounds down to 3 significant digits: a max rate people can read.
double round_down(double rate) {
  if (!(rate > 0)) return 0;
  const double scale = std::pow(10.0, std::floor(std::log10(rate)) - 2);
  return std::floor(rate / scale) * scale;
}

}  // namespace

double parse_rate(const std::string& text, const std::string& option) {
  std::string t = text;
  for (const char* suffix : {"pps", "PPS"}) {
    if (t.size() > 3 && t.ends_with(suffix)) t.resize(t.size() - 3);
  }
  double scale = 1;
  if (!t.empty()) {
    switch (t.back()) {
      case 'k':
      case 'K':
        scale = 1e3;
        t.pop_back();
        break;
      case 'M':
      case 'm':
        scale = 1e6;
        t.pop_back();
        break;
      case 'G':
      case 'g':
        scale = 1e9;
        t.pop_back();
        break;
      default:
        break;
    }
  }
  double value = 0;
  std::size_t used = 0;
  try {
    value = std::stod(t, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  require_input(used > 0 && used == t.size() && value > 0 && std::isfinite(value), option,
                fmt::format("'{}' is not a rate: a positive number of frames/s, optionally with "
                            "k or M (e.g. 200k, 1.5Mpps)",
                            text));
  return value * scale;
}

double parse_ratio(const std::string& text, const std::string& option) {
  std::string t = text;
  double scale = 1;
  if (!t.empty() && t.back() == '%') {
    scale = 0.01;
    t.pop_back();
  }
  double value = -1;
  std::size_t used = 0;
  try {
    value = std::stod(t, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  value *= scale;
  require_input(used > 0 && used == t.size() && value >= 0 && value < 1, option,
                fmt::format("'{}' is not a loss ratio: a percentage (0.5%) or a ratio (0.005) "
                            "in [0, 1)",
                            text));
  return value;
}

nlohmann::json measure_run(const run::Journal& journal, run::RunEnvironment& env,
                           const MeasureOptions& o, const std::vector<std::string>& command) {
  require_input(o.repeat >= 1, "--repeat", "--repeat must be at least 1");
  if (!o.search) {
    require_input(o.unpaced || o.rate > 0, "--rate",
                  "one trial needs --rate (or --search ndr-pdr)");
    require_input(o.duration > 0, "--duration", "the trial duration must be positive");
  }
  SearchConfig config = o.search_config;
  if (o.search && config.max_rate > 0) validate(config);  // before any traffic

  ChainTrials chain(journal.plan, env, o.shape);
  auto result = new_result(o.search ? "search" : "trial", journal.plan.run, command);
  result["environment"] = environment_json(journal.plan, o.versions);
  result["topology"] = topology_json(journal.plan);
  result["generator"] = {
      {"containers", chain.generators()}, {"frame_size", o.shape.frame_size},
      {"flows", o.shape.flows},           {"direction", trafficgen::to_string(o.shape.direction)},
      {"warmup_s", o.shape.warmup_s},     {"streams", chain.streams()}};
  nlohmann::json notes = nlohmann::json::array();
  std::vector<TrialRecord> records;

  if (!o.search) {
    for (int r = 0; r < o.repeat; ++r) {
      auto record = chain.run(o.unpaced ? 0 : o.rate, o.duration, o.hops);
      record.index = records.size();
      record.search = r;
      record.final = true;
      // Unpaced, the offered rate is what the generator managed to send.
      if (o.unpaced) record.rate_pps = static_cast<double>(record.result.total.sent) / o.duration;
      const double intended =
          o.unpaced ? record.result.total.sent : std::llround(o.rate * o.duration);
      record.loss_ratio = loss_ratio_of({.sent = record.result.total.sent,
                                         .received = record.result.total.received,
                                         .intended = static_cast<std::uint64_t>(intended)});
      record.effective_loss_ratio = record.loss_ratio;
      say(o, trial_line(record));
      records.push_back(std::move(record));
    }
  } else {
    if (!(config.max_rate > 0)) {
      // What the generator reaches unpaced: the search never offers more than it can send.
      auto probe = chain.run(0, config.initial_duration, false);
      const double reached = static_cast<double>(probe.result.total.sent) / config.initial_duration;
      config.max_rate = round_down(reached);
      notes.push_back(fmt::format(
          "max rate {} = what the generator sent unpaced in {:g} s ({:.0f} frames/s), rounded "
          "down",
          rate_text(config.max_rate), config.initial_duration, reached));
      say(o, notes.back().get<std::string>());
      validate(config);
    }
    result["config"] = config_json(config);
    result["searches"] = nlohmann::json::array();
    std::vector<SearchResult> searches;
    for (int r = 0; r < o.repeat; ++r) {
      const std::size_t first = records.size();
      const auto start = Clock::now();
      Measurer measurer = [&](double rate, double duration) {
        const bool full = duration >= config.final_duration;
        auto record = chain.run(rate, duration, full && o.hops);
        record.index = records.size();
        record.search = r;
        record.final = full;
        TrialCounts counts{.sent = record.result.total.sent,
                           .received = record.result.total.received,
                           .intended = static_cast<std::uint64_t>(std::llround(rate * duration))};
        record.loss_ratio = loss_ratio_of(counts);
        say(o, trial_line(record));
        records.push_back(std::move(record));
        return counts;
      };
      auto search_result = search(config, measurer);
      for (std::size_t i = 0; i < search_result.trials.size(); ++i) {
        auto& record = records[first + i];
        record.phase = search_result.trials[i].phase;
        record.effective_loss_ratio = search_result.trials[i].effective_loss_ratio;
      }
      const double wall = seconds_since(start);
      result["searches"].push_back(search_json(search_result, first, wall));
      std::string line =
          fmt::format("search {}/{}: {} trials, {:.1f} s of trials, {:.1f} s", r + 1, o.repeat,
                      search_result.trials.size(), search_result.trial_seconds, wall);
      for (std::size_t g = 0; g < search_result.goals.size(); ++g) {
        const auto& goal = search_result.goals[g];
        line += fmt::format("; {} {}", goal_name(config, g),
                            goal.lower_bound ? rate_text(*goal.lower_bound) : goal.status());
      }
      say(o, line);
      searches.push_back(std::move(search_result));
    }
    result["summary"] = summary_json(searches);
  }
  result["trials"] = nlohmann::json::array();
  for (const auto& t : records) result["trials"].push_back(trial_json(t));
  result["notes"] = notes;
  return result;
}

std::string render_result_table(const nlohmann::json& result) {
  std::string out;
  const auto& trials = result.value("trials", nlohmann::json::array());
  auto trial_at = [&](const nlohmann::json& index) -> const nlohmann::json* {
    if (!index.is_number_integer()) return nullptr;
    const auto i = index.get<std::size_t>();
    return i < trials.size() ? &trials[i] : nullptr;
  };
  auto drop_line = [](const nlohmann::json& t, const std::string& label) -> std::string {
    if (!t.contains("hops")) return "";
    const auto point = t.value("drop_point", nlohmann::json());
    if (!point.is_string()) return fmt::format("  {}: no NF counted a drop\n", label);
    return fmt::format("  {}: drop point {} ({})\n", label, point.get<std::string>(),
                       t.value("drop_detail", ""));
  };
  if (result.value("kind", "") == "search") {
    const auto& searches = result.value("searches", nlohmann::json::array());
    for (std::size_t s = 0; s < searches.size(); ++s) {
      const auto& search = searches[s];
      out += fmt::format("search {}/{} of run {}: {} trials, {:.1f} s of trials, {:.1f} s wall\n",
                         s + 1, searches.size(), result.value("run", ""),
                         search.value("trial_count", 0), search.value("trial_seconds", 0.0),
                         search.value("wall_seconds", 0.0));
      out += fmt::format("  {:<5} {:>7}  {:>13}  {:>13}  {:>7}  {:>13}  {:>8}  {:>8}  {}\n", "GOAL",
                         "LOSS", "LOWER BOUND", "UPPER BOUND", "WIDTH", "FORWARDED", "P50 us",
                         "P99 us", "STATUS");
      std::string drops;
      for (const auto& g : search.value("goals", nlohmann::json::array())) {
        const auto* lo = trial_at(g.value("lower_trial", nlohmann::json()));
        const auto* hi = trial_at(g.value("upper_trial", nlohmann::json()));
        const auto lower = g.value("lower_bound_pps", nlohmann::json());
        const auto upper = g.value("upper_bound_pps", nlohmann::json());
        const auto latency = lo ? lo->value("latency_ns", nlohmann::json()) : nlohmann::json();
        out += fmt::format("  {:<5} {:>7}  {:>13}  {:>13}  {:>7}  {:>13}  {:>8}  {:>8}  {}\n",
                           g.value("name", ""), percent_text(g.value("loss_ratio", 0.0)),
                           lower.is_number() ? rate_text(lower.get<double>()) : "-",
                           upper.is_number() ? rate_text(upper.get<double>()) : "-",
                           percent_text(g.value("relative_width", 0.0)),
                           rate_text(g.value("conditional_throughput_pps", 0.0)),
                           us_text(latency, "p50"), us_text(latency, "p99"), g.value("status", ""));
        if (hi) drops += drop_line(*hi, g.value("name", "") + " upper bound");
      }
      out += drops;
    }
    const auto& goals =
        result.value("summary", nlohmann::json::object()).value("goals", nlohmann::json::array());
    if (searches.size() > 1) {
      out += fmt::format("spread over {} searches:\n", searches.size());
      for (const auto& g : goals) {
        if (!g.contains("median")) {
          out += fmt::format("  {}: not found\n", g.value("name", ""));
          continue;
        }
        const double median = g.value("median", 0.0);
        out += fmt::format(
            "  {:<5} min {}  median {}  max {}  ({:+.2f}% .. {:+.2f}% of the median; "
            "found in {}/{})\n",
            g.value("name", ""), rate_text(g.value("min", 0.0)), rate_text(median),
            rate_text(g.value("max", 0.0)), (g.value("min", 0.0) / median - 1) * 100,
            (g.value("max", 0.0) / median - 1) * 100, g.value("found", 0), g.value("searches", 0));
      }
    }
  } else {
    out += fmt::format(
        "{:>3}  {:>13}  {:>8}  {:>12}  {:>12}  {:>8}  {:>5}  {:>9}  {:>8}  {:>8}  {:>8}\n", "#",
        "OFFERED", "SECONDS", "SENT", "RECEIVED", "LOST", "DUP", "LOSS", "P50 us", "P99 us",
        "MAX us");
    for (const auto& t : trials) {
      const auto latency = t.value("latency_ns", nlohmann::json());
      out += fmt::format(
          "{:>3}  {:>13}  {:>8g}  {:>12}  {:>12}  {:>8}  {:>5}  {:>9}  {:>8}  {:>8}  {:>8}\n",
          t.value("index", 0), rate_text(t.value("rate_pps", 0.0)), t.value("duration_s", 0.0),
          t.value("sent", 0ULL), t.value("received", 0ULL), t.value("lost", 0ULL),
          t.value("duplicated", 0ULL), percent_text(t.value("loss_ratio", 0.0)),
          us_text(latency, "p50"), us_text(latency, "p99"), us_text(latency, "max"));
      out += drop_line(t, fmt::format("trial {}", t.value("index", 0)));
    }
  }
  for (const auto& note : result.value("notes", nlohmann::json::array())) {
    if (note.is_string()) out += "note: " + note.get<std::string>() + "\n";
  }
  return out;
}

}  // namespace cnfctl::measure
