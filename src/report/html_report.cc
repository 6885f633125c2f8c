#include "report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/error.h"
#include "report/charts.h"
#include "report/svg.h"
#include "report/topology_svg.h"

namespace cnfctl::report {

namespace {

constexpr int kReadsVersion = 1;

constexpr const char* kStyle = R"(
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto;
       max-width: 1100px; color: #1d2330; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px;
     border-bottom: 1px solid #d8dde6; padding-bottom: 4px; }
.meta { color: #5a6475; margin: 0; } code { background: #f1f3f7; padding: 1px 4px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid #d8dde6; padding: 3px 8px; text-align: right; }
th { background: #f1f3f7; } td.text, th.text { text-align: left; }
tr.drop-point td { background: #fde8e6; } .note { color: #8a5a00; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid #d8dde6; border-radius: 8px; padding: 10px 14px; min-width: 180px; }
.card .value { font-size: 20px; font-weight: 600; } .card .label { color: #5a6475; }
svg { display: block; margin: 8px 0; max-width: 100%; height: auto; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2330; }
rect.node { fill: #f6f8fb; stroke: #b7c0cf; stroke-dasharray: 4 3; }
text.node-label { font-weight: 600; fill: #5a6475; }
rect.container { fill: #fff; stroke: #3b6fb6; stroke-width: 1.5; }
g.role-generator rect.container, g.role-sink rect.container { stroke: #2e8b57; fill: #f1fbf5; }
g.role-vswitch rect.container { stroke: #8a5a00; fill: #fff8ec; }
text.name { font-weight: 700; font-size: 12px; } text.cpus { fill: #5a6475; }
path.link { fill: none; stroke: #3b6fb6; stroke-width: 2; opacity: 0.8; }
text.port { font-size: 9px; fill: #5a6475; }
rect.plot { fill: #fff; stroke: #b7c0cf; } line.grid { stroke: #e6e9ef; }
line.grid.zero { stroke: #b7c0cf; } text.tick { fill: #5a6475; font-size: 10px; }
text.axis-title { fill: #5a6475; }
circle.trial.full { fill: #3b6fb6; } circle.trial.short { fill: #fff; stroke: #3b6fb6; }
line.goal-marker { stroke: #c0392b; stroke-width: 2; stroke-dasharray: 5 3; }
text.goal-label { fill: #c0392b; font-weight: 700; font-size: 12px; }
line.goal-PDR, text.goal-PDR { stroke: #d35400; fill: #d35400; }
line.goal-loss { stroke: #d35400; stroke-dasharray: 2 3; }
rect.spread { fill: #c0392b; opacity: 0.12; }
rect.latency-bar { fill: #3b6fb6; } rect.latency-bar.pct-max { fill: #9bb5dc; }
text.group-label { font-weight: 600; } rect.histogram-bar { fill: #3b6fb6; }
circle.latency-point.p50, circle.legend-dot.p50 { fill: #3b6fb6; }
circle.latency-point.p99, circle.legend-dot.p99 { fill: #c0392b; }
)";

double number(const nlohmann::json& j, const char* key, double fallback = 0) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string text(const nlohmann::json& j, const char* key, const std::string& fallback = "") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

const nlohmann::json* trial_at(const nlohmann::json& result, const nlohmann::json& index) {
  if (!index.is_number_integer()) return nullptr;
  const auto& trials = result.value("trials", nlohmann::json::array());
  const auto i = index.get<long long>();
  if (i < 0 || static_cast<std::size_t>(i) >= trials.size()) return nullptr;
  return &result["trials"][static_cast<std::size_t>(i)];
}

std::string latency_cell(const nlohmann::json& trial, const char* key) {
  auto it = trial.find("latency_ns");
  if (it == trial.end() || !it->is_object() || number(*it, "count") <= 0) return "-";
  return ns_text(number(*it, key));
}

std::vector<GoalMark> marks_of(const nlohmann::json& result) {
  std::vector<GoalMark> marks;
  const auto summary = result.value("summary", nlohmann::json::object());
  for (const auto& g : summary.value("goals", nlohmann::json::array())) {
    if (!g.contains("median") || !g["median"].is_number()) continue;
    GoalMark m;
    m.name = text(g, "name", "goal");
    m.loss_ratio = number(g, "loss_ratio");
    m.rate = number(g, "median");
    m.min = number(g, "min", m.rate);
    m.max = number(g, "max", m.rate);
    marks.push_back(m);
  }
  return marks;
}

std::string summary_section(const nlohmann::json& result) {
  std::string out = "<section id=\"result\"><h2>Result</h2>\n";
  const auto kind = text(result, "kind");
  const auto searches = result.value("searches", nlohmann::json::array());
  const auto summary = result.value("summary", nlohmann::json::object());
  if (kind == "search" && !searches.empty()) {
    out += "<div class=\"cards\">\n";
    for (const auto& g : summary.value("goals", nlohmann::json::array())) {
      const bool has = g.contains("median") && g["median"].is_number();
      out += fmt::format(
          "<div class=\"card goal-card\"><div class=\"label\">{} (loss &#8804; {})</div>"
          "<div class=\"value\">{}</div><div class=\"label\">{}</div></div>\n",
          escape(text(g, "name")), escape(percent_text(number(g, "loss_ratio"))),
          has ? escape(rate_text(number(g, "median"))) : "not found",
          searches.size() > 1
              ? escape(fmt::format("median of {} searches; min {}, max {}", searches.size(),
                                   rate_text(number(g, "min")), rate_text(number(g, "max"))))
              : escape(text(g, "status", "")));
    }
    out +=
        "</div>\n<table class=\"goals\"><tr><th class=\"text\">search</th><th "
        "class=\"text\">goal</th><th>lower bound</th><th>upper bound</th><th>width</th>"
        "<th>forwarding rate</th><th>p50</th><th>p99</th><th class=\"text\">status</th>"
        "<th>trials</th><th>trial time</th><th>wall time</th></tr>\n";
    for (std::size_t s = 0; s < searches.size(); ++s) {
      const auto& search = searches[s];
      for (const auto& g : search.value("goals", nlohmann::json::array())) {
        const auto* lo = trial_at(result, g.value("lower_trial", nlohmann::json()));
        auto bound = [&](const char* key) {
          return g.contains(key) && g[key].is_number() ? rate_text(g[key].get<double>()) : "-";
        };
        out += fmt::format(
            "<tr><td class=\"text\">{}</td><td class=\"text\">{} ({})</td><td>{}</td><td>{}</td>"
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td><td>{}</td>"
            "<td>{:.1f} s</td><td>{:.1f} s</td></tr>\n",
            s + 1, escape(text(g, "name")), escape(percent_text(number(g, "loss_ratio"))),
            bound("lower_bound_pps"), bound("upper_bound_pps"),
            escape(percent_text(number(g, "relative_width"))),
            escape(rate_text(number(g, "conditional_throughput_pps"))),
            lo ? latency_cell(*lo, "p50") : "-", lo ? latency_cell(*lo, "p99") : "-",
            escape(text(g, "status")), search.value("trial_count", 0),
            number(search, "trial_seconds"), number(search, "wall_seconds"));
      }
    }
    out += "</table>\n";
    const auto config = result.value("config", nlohmann::json::object());
    if (!config.empty()) {
      out += fmt::format(
          "<p class=\"meta\">search: final trials {:g} s, initial {:g} s, goal width {}, rates "
          "{} .. {}; rates are the offered load summed over both directions</p>\n",
          number(config, "final_duration_s"), number(config, "initial_duration_s"),
          escape(percent_text(number(config, "goal_width"))),
          escape(rate_text(number(config, "min_rate_pps"))),
          escape(rate_text(number(config, "max_rate_pps"))));
    }
  } else if (kind == "trial") {
    for (const auto& t : result.value("trials", nlohmann::json::array())) {
      out += fmt::format(
          "<div class=\"cards\"><div class=\"card\"><div class=\"label\">offered</div><div "
          "class=\"value\">{}</div></div><div class=\"card\"><div class=\"label\">loss</div><div "
          "class=\"value\">{}</div></div><div class=\"card\"><div class=\"label\">p50 / p99</div>"
          "<div class=\"value\">{} / {}</div></div></div>\n",
          escape(rate_text(number(t, "rate_pps"))), escape(percent_text(number(t, "loss_ratio"))),
          escape(latency_cell(t, "p50")), escape(latency_cell(t, "p99")));
    }
  } else if (kind == "traffic") {
    const auto traffic = result.value("traffic", nlohmann::json::object());
    const auto e2e = traffic.value("end_to_end_mpps", nlohmann::json());
    out += fmt::format(
        "<div class=\"cards\"><div class=\"card\"><div class=\"label\">end to end</div><div "
        "class=\"value\">{}</div><div class=\"label\">{} ms of traffic</div></div></div>\n",
        e2e.is_number() ? escape(rate_text(e2e.get<double>() * 1e6)) : "no sink",
        number(traffic, "duration_ms"));
  }
  out += "</section>\n";
  return out;
}

std::string hop_table(const nlohmann::json& hops, const std::string& drop_point) {
  std::string out =
      "<table class=\"hops\"><tr><th class=\"text\">container</th><th>port</th><th "
      "class=\"text\">peer</th><th>rx packets</th><th>tx packets</th><th>drops</th><th>rx "
      "Mpps</th><th>tx Mpps</th></tr>\n";
  for (const auto& h : hops) {
    const auto container = text(h, "container");
    out += fmt::format(
        "<tr{}><td class=\"text\">{}</td><td>{}</td><td class=\"text\">{}</td><td>{:.0f}</td>"
        "<td>{:.0f}</td><td>{:.0f}</td><td>{:.3f}</td><td>{:.3f}</td></tr>\n",
        container == drop_point ? " class=\"drop-point\"" : "", escape(container),
        h.value("port", 0), escape(text(h, "peer", "-")), number(h, "rx_packets"),
        number(h, "tx_packets"), number(h, "drops"), number(h, "rx_mpps"), number(h, "tx_mpps"));
  }
  out += "</table>\n";
  return out;
}

std::string hops_section(const nlohmann::json& result) {
  std::string out = "<section id=\"hops\"><h2>Per-hop counters</h2>\n";
  bool any = false;
  if (text(result, "kind") == "traffic") {
    const auto traffic = result.value("traffic", nlohmann::json::object());
    const auto hops = traffic.value("hops", nlohmann::json::array());
    if (!hops.empty()) {
      any = true;
      out +=
          fmt::format("<p>NF counters over {} ms of traffic</p>\n", number(traffic, "duration_ms"));
      out += hop_table(hops, "");
    }
  }
  // The final trials that carry counters: at each goal's bounds first, then the others.
  std::vector<std::pair<std::string, const nlohmann::json*>> picked;
  std::set<long long> seen;
  auto pick = [&](const std::string& label, const nlohmann::json* t) {
    if (!t || !t->contains("hops") || (*t)["hops"].empty()) return;
    const auto index = t->value("index", -1LL);
    if (!seen.insert(index).second) return;
    picked.emplace_back(label, t);
  };
  const auto searches = result.value("searches", nlohmann::json::array());
  if (!searches.empty()) {
    for (const auto& g : searches.back().value("goals", nlohmann::json::array())) {
      pick(text(g, "name") + " lower bound",
           trial_at(result, g.value("lower_trial", nlohmann::json())));
      pick(text(g, "name") + " upper bound",
           trial_at(result, g.value("upper_trial", nlohmann::json())));
    }
  }
  // By reference into `result`: `picked` keeps pointers (value() would return a copy that dies
  // after the loop).
  const auto trials = result.find("trials");
  if (trials != result.end() && trials->is_array()) {
    for (const auto& t : *trials) {
      if (picked.size() >= 6) break;
      pick("trial", &t);
    }
  }
  for (const auto& [label, t] : picked) {
    any = true;
    const auto drop = text(*t, "drop_point");
    out += fmt::format("<h3>{}: trial {} at {} for {:g} s, loss {}</h3>\n", escape(label),
                       t->value("index", 0), escape(rate_text(number(*t, "rate_pps"))),
                       number(*t, "duration_s"), escape(percent_text(number(*t, "loss_ratio"))));
    out += drop.empty() ? "<p class=\"drop\">no NF counted a drop</p>\n"
                        : fmt::format(
                              "<p class=\"drop\">drop point: <b class=\"drop-point\">{}"
                              "</b> {}</p>\n",
                              escape(drop), escape(text(*t, "drop_detail")));
    out += hop_table((*t)["hops"], drop);
  }
  if (!any) out += "<p class=\"note\">no per-hop counters in this result</p>\n";
  out += "</section>\n";
  return out;
}

std::string latency_section(const nlohmann::json& result) {
  std::vector<LatencyPick> picks;
  const auto searches = result.value("searches", nlohmann::json::array());
  if (!searches.empty()) {
    for (const auto& g : searches.back().value("goals", nlohmann::json::array())) {
      if (const auto* t = trial_at(result, g.value("lower_trial", nlohmann::json()))) {
        picks.push_back(
            {fmt::format("{} ({})", text(g, "name"), rate_text(number(*t, "rate_pps"))), *t});
      }
    }
  } else {
    for (const auto& t : result.value("trials", nlohmann::json::array())) {
      picks.push_back(
          {fmt::format("trial {} ({})", t.value("index", 0), rate_text(number(t, "rate_pps"))), t});
    }
  }
  const auto bars = latency_svg(picks);
  const auto trials = result.value("trials", nlohmann::json::array());
  const auto curve = latency_vs_rate_svg(trials);
  std::string out = "<section id=\"latency-section\"><h2>Latency</h2>\n";
  if (bars.empty() && curve.empty()) {
    out += "<p class=\"note\">no latency in this result</p>\n";
  } else {
    out += "<p>one-way latency measured by the generator (TX timestamp in every frame)";
    out += searches.empty() ? "</p>\n" : ", at each goal's lower bound:</p>\n";
    out += bars;
    if (!curve.empty()) out += "<h3>p50 and p99 of every trial</h3>\n" + curve;
  }
  out += "</section>\n";
  return out;
}

std::string trials_section(const nlohmann::json& result) {
  const auto trials = result.value("trials", nlohmann::json::array());
  if (trials.empty()) return "";
  std::string out =
      "<section id=\"trials\"><h2>Trials</h2>\n<table class=\"trials\"><tr><th>#</th>"
      "<th>search</th><th>phase</th><th>offered</th><th>duration</th><th>sent</th>"
      "<th>received</th><th>lost</th><th>dup</th><th>reordered</th><th>loss</th><th>p50</th>"
      "<th>p99</th><th>max</th></tr>\n";
  for (const auto& t : trials) {
    const int phase = t.value("phase", 0);
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:g} s</td><td>{:.0f}</td>"
        "<td>{:.0f}</td><td>{:.0f}</td><td>{:.0f}</td><td>{:.0f}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td></tr>\n",
        t.value("index", 0), t.value("search", 0) + 1,
        phase < 0 ? std::string("initial")
                  : (t.value("final", false) ? "final" : std::to_string(phase + 1)),
        escape(rate_text(number(t, "rate_pps"))), number(t, "duration_s"), number(t, "sent"),
        number(t, "received"), number(t, "lost"), number(t, "duplicated"), number(t, "reordered"),
        escape(percent_text(number(t, "loss_ratio"))), latency_cell(t, "p50"),
        latency_cell(t, "p99"), latency_cell(t, "max"));
  }
  out += "</table>\n</section>\n";
  return out;
}

std::string environment_section(const nlohmann::json& result) {
  const auto env = result.value("environment", nlohmann::json::object());
  std::string out =
      "<section id=\"environment\"><h2>Environment</h2>\n<table class=\"environment\">";
  auto row = [&](const std::string& key, const std::string& value) {
    out += fmt::format("<tr><th class=\"text\">{}</th><td class=\"text\">{}</td></tr>\n",
                       escape(key), escape(value.empty() ? "-" : value));
  };
  row("cnfctl", text(env, "cnfctl"));
  const auto local = env.value("local", nlohmann::json::object());
  row("host", text(local, "hostname"));
  row("kernel", text(local, "kernel"));
  row("cpus", text(local, "cpus"));
  row("cpu model", text(local, "cpu_model"));
  const nlohmann::json versions = env.value("versions", nlohmann::json::object());
  if (versions.is_object()) {
    for (auto it = versions.begin(); it != versions.end(); ++it) {
      row(it.key(), it->is_string() ? it->get<std::string>() : it->dump());
    }
  }
  out += "</table>\n";
  const auto nodes = env.value("nodes", nlohmann::json::array());
  if (!nodes.empty()) {
    out +=
        "<table class=\"nodes\"><tr><th class=\"text\">node</th><th class=\"text\">address"
        "</th><th class=\"text\">kernel</th><th class=\"text\">cpus</th><th class=\"text\">"
        "cgroups</th><th class=\"text\">programs</th></tr>\n";
    for (const auto& n : nodes) {
      out += fmt::format(
          "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td>"
          "<td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>\n",
          escape(text(n, "name")), escape(text(n, "address")), escape(text(n, "kernel")),
          escape(text(n, "cpu_summary")), escape(text(n, "cgroup_layout")),
          escape(text(n, "tools")));
    }
    out += "</table>\n";
  }
  out += "</section>\n";
  return out;
}

std::string render_page(const nlohmann::json& result, const std::string& source) {
  require_input(result.is_object() && result.value("format", "") == "cnfctl-result", source,
                "not a cnfctl result file (its \"format\" is not \"cnfctl-result\"); `cnfctl "
                "measure` and `cnfctl up --traffic` write them");
  const int version = result.value("version", 0);
  require_input(
      version >= 1 && version <= kReadsVersion, source,
      fmt::format("result format version {} (this cnfctl reads up to {})", version, kReadsVersion));
  const auto run = text(result, "run", "?");
  std::string command;
  for (const auto& word : result.value("command", nlohmann::json::array())) {
    if (!command.empty()) command += ' ';
    command += word.is_string() ? word.get<std::string>() : word.dump();
  }
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'\">\n<title>cnfctl report: run {}</title>\n<style>{}</style>\n</head>\n"
      "<body>\n<header><h1>cnfctl {} of run {}</h1>\n<p class=\"meta\">{}{}</p>\n{}</header>\n",
      escape(run), kStyle, escape(text(result, "kind", "result")), escape(run),
      escape(text(result, "created_at")),
      result.contains("topology")
          ? " &#183; topology " + escape(text(result["topology"], "kind", "?")) + " from " +
                escape(text(result["topology"], "source", "?"))
          : "",
      command.empty() ? "" : "<p class=\"meta\"><code>" + escape(command) + "</code></p>\n");
  html += summary_section(result);
  html += "<section id=\"topology-section\"><h2>Topology</h2>\n";
  html += result.contains("topology") ? topology_svg(result["topology"])
                                      : "<p class=\"note\">no topology in this result</p>\n";
  html += "</section>\n";
  html += hops_section(result);
  const auto loss =
      loss_curve_svg(result.value("trials", nlohmann::json::array()), marks_of(result));
  if (!loss.empty()) {
    html +=
        "<section id=\"loss-section\"><h2>Loss over offered rate</h2>\n<p>every trial; "
        "filled: full-length (final phase), hollow: shorter trials of earlier phases</p>\n" +
        loss + "</section>\n";
  }
  html += latency_section(result);
  html += trials_section(result);
  html += environment_section(result);
  for (const auto& note : result.value("notes", nlohmann::json::array())) {
    html += "<p class=\"note\">note: " +
            escape(note.is_string() ? note.get<std::string>() : note.dump()) + "</p>\n";
  }
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace

std::string render_html(const nlohmann::json& result, const std::string& source) {
  // A file of the right format whose fields have the wrong types (edited, truncated, hostile)
  // is bad input named by its path, not an internal error.
  try {
    return render_page(result, source);
  } catch (const nlohmann::json::exception& e) {
    throw Error::bad_input(source, fmt::format("a field of this result has an unexpected type or "
                                               "value ({}); `cnfctl measure` writes valid ones",
                                               e.what()));
  }
}

}  // namespace cnfctl::report
