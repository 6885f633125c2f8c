#include "traffic/traffic.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <future>
#include <map>
#include <thread>

#include "common/error.h"
#include "nf/testpmd/testpmd_driver.h"
#include "nf/vpp/vpp_driver.h"
#include "process/posix_quote.h"

namespace cnfctl::traffic {

namespace {

using Clock = std::chrono::steady_clock;

// wrk may take a little longer than its -d to start its threads and print the report.
constexpr std::chrono::seconds kWrkGrace{30};

double per_second_millions(std::uint64_t packets, std::chrono::nanoseconds elapsed) {
  if (elapsed.count() <= 0) return 0;
  return static_cast<double>(packets) / std::chrono::duration<double>(elapsed).count() / 1e6;
}

// "200.53us", "1.20ms", "2.00s", "3.00m" -> milliseconds; nullopt when not a duration.
std::optional<double> wrk_time_ms(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    double ms;
  };
  static constexpr Unit kUnits[] = {
      {"us", 1e-3}, {"ms", 1.0}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}};
  for (const auto& unit : kUnits) {
    if (text.size() > unit.suffix.size() && text.ends_with(unit.suffix)) {
      try {
        std::size_t used = 0;
        std::string number(text.substr(0, text.size() - unit.suffix.size()));
        double value = std::stod(number, &used);
        if (used != number.size()) return std::nullopt;
        return value * unit.ms;
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == ',')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != ',') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

std::uint64_t to_u64(std::string_view text) {
  try {
    return std::stoull(std::string(text));
  } catch (const std::exception&) {
    return 0;
  }
}

bool has_memif_counters(const plan::PlannedContainer& c) {
  return !c.links.empty() &&
         (c.nf.kind == topology::NfKind::kTestpmd || c.nf.kind == topology::NfKind::kVpp);
}

struct Reading {
  std::vector<nf::PortCounters> counters;
  Clock::time_point at;
};

Reading read_counters(nf::NfDriver& driver, const nf::NfContext& ctx) {
  const auto before = Clock::now();
  Reading r;
  try {
    r.counters = driver.counters(ctx);
  } catch (Error& e) {
    throw e.at("container " + ctx.container.name);
  }
  r.at = before + (Clock::now() - before) / 2;
  return r;
}

// A wrk Lua script in a temp file on the node, removed again when this goes out of scope.
class WrkScript {
 public:
  WrkScript(process::Runner& node, const std::string& text) : node_(node) {
    process::Command make{.argv = {"mktemp", "--tmpdir", "cnfctl-wrk-XXXXXX.lua"}};
    make.timeout = kScriptCommandTimeout;
    auto made = process::run_checked(node, make, "making wrk's script file");
    path_ = made.out.substr(0, made.out.find('\n'));
    process::Command write{.argv = {"tee", "--", path_}, .stdin_bytes = text};
    write.timeout = kScriptCommandTimeout;
    try {
      process::run_checked(node, write, "writing wrk's script file");
    } catch (...) {
      remove();
      throw;
    }
  }
  ~WrkScript() { remove(); }
  WrkScript(const WrkScript&) = delete;
  WrkScript& operator=(const WrkScript&) = delete;
  const std::string& path() const { return path_; }

 private:
  static constexpr std::chrono::seconds kScriptCommandTimeout{20};
  void remove() {
    if (path_.empty()) return;
    process::Command rm{.argv = {"rm", "-f", "--", path_}};
    rm.timeout = kScriptCommandTimeout;
    node_.run(rm);
  }
  process::Runner& node_;
  std::string path_;
};

}  // namespace

std::vector<HopRate> hop_rates(const std::string& container,
                               const std::vector<nf::PortCounters>& t0,
                               const std::vector<nf::PortCounters>& t1,
                               std::chrono::nanoseconds elapsed) {
  std::vector<HopRate> hops;
  for (const auto& end : t1) {
    auto start = std::find_if(t0.begin(), t0.end(),
                              [&](const nf::PortCounters& p) { return p.port == end.port; });
    nf::PortCounters zero;
    const auto& begin = start == t0.end() ? zero : *start;
    HopRate h;
    h.container = container;
    h.port = end.port;
    h.peer = end.peer;
    auto delta = [&](std::uint64_t a, std::uint64_t b) {
      if (b >= a) return b - a;
      h.counters_reset = true;
      return b;
    };
    h.rx_packets = delta(begin.rx_packets, end.rx_packets);
    h.tx_packets = delta(begin.tx_packets, end.tx_packets);
    h.rx_drops = delta(begin.rx_dropped, end.rx_dropped);
    h.tx_drops = delta(begin.tx_dropped, end.tx_dropped);
    h.drops = h.rx_drops + h.tx_drops;
    h.window = elapsed;
    for (const auto& [reason, count] : end.reasons) {
      auto before = begin.reasons.find(reason);
      const std::uint64_t from = before == begin.reasons.end() ? 0 : before->second;
      // A reason that went backwards is a VPP restart (counted from zero), not a link reset.
      const std::uint64_t grew = count >= from ? count - from : count;
      if (grew != 0) h.reasons[reason] = grew;
    }
    h.rx_mpps = per_second_millions(h.rx_packets, elapsed);
    h.tx_mpps = per_second_millions(h.tx_packets, elapsed);
    hops.push_back(std::move(h));
  }
  return hops;
}

void parse_wrk_output(std::string_view output, HttpLoad& load) {
  bool have_rate = false;
  bool in_distribution = false;
  std::size_t start = 0;
  while (start < output.size()) {
    auto end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    const auto words = words_of(output.substr(start, end - start));
    start = end + 1;
    if (words.empty()) continue;
    if (words[0] == "Requests/sec:" && words.size() >= 2) {
      try {
        load.requests_per_s = std::stod(std::string(words[1]));
        have_rate = true;
      } catch (const std::exception&) {
        have_rate = false;
      }
    } else if (words[0] == "Latency" && words.size() >= 2) {
      if (words[1] == "Distribution") {
        in_distribution = true;
      } else if (auto ms = wrk_time_ms(words[1])) {
        load.latency_avg_ms = *ms;
      }
    } else if (in_distribution && words.size() == 2 && words[0].ends_with("%")) {
      auto ms = wrk_time_ms(words[1]);
      if (!ms) continue;
      if (words[0] == "50%" || words[0] == "50.000%") load.latency_p50_ms = *ms;
      if (words[0] == "90%" || words[0] == "90.000%") load.latency_p90_ms = *ms;
      if (words[0] == "99%" || words[0] == "99.000%") load.latency_p99_ms = *ms;
    } else if (words.size() >= 4 && words[1] == "requests" && words[2] == "in") {
      in_distribution = false;
      load.requests = to_u64(words[0]);
      if (auto ms = wrk_time_ms(words[3])) load.seconds = *ms / 1e3;
    } else if (words.size() >= 10 && words[0] == "Socket" && words[1] == "errors:") {
      // Socket errors: connect 0, read 0, write 0, timeout 0
      load.socket_errors =
          to_u64(words[3]) + to_u64(words[5]) + to_u64(words[7]) + to_u64(words[9]);
    } else if (words.size() >= 5 && words[0] == "Non-2xx") {
      load.non_2xx = to_u64(words.back());
    }
  }
  if (!have_rate) {
    throw Error("wrk printed no \"Requests/sec:\" line; its output:\n" +
                std::string(output.substr(0, 2000)));
  }
}

std::vector<std::string> wrk_argv(const TrafficOptions& options, const std::string& url,
                                  std::chrono::milliseconds duration) {
  const auto seconds = std::max<long long>(1, (duration.count() + 999) / 1000);
  return {options.wrk,
          fmt::format("-t{}", std::max(1u, options.wrk_threads)),
          fmt::format("-c{}", std::max({1u, options.wrk_connections, options.wrk_threads})),
          fmt::format("-d{}s", seconds),
          "--latency",
          url};
}

std::vector<std::string> nginx_wrk_argv(const TrafficOptions& options,
                                        const plan::HttpEndpoint& endpoint, const std::string& url,
                                        std::chrono::milliseconds duration,
                                        const std::string& body_script) {
  auto argv = wrk_argv(options, url, duration);
  std::vector<std::string> extra;
  if (!endpoint.keep_alive) extra.insert(extra.end(), {"-H", "Connection: close"});
  if (!body_script.empty()) extra.insert(extra.end(), {"-s", body_script});
  argv.insert(argv.end() - 1, extra.begin(), extra.end());  // before the url
  return argv;
}

std::string body_check_script(const std::string& body) {
  // The body goes in as a Lua long string; a level of '=' that the body does not contain
  // closes it safely.
  std::string level;
  while (body.find("]" + level + "]") != std::string::npos) level += "=";
  std::string s;
  s += "local threads = {}\n";
  s += "function setup(thread) table.insert(threads, thread) end\n";
  s += fmt::format("local expected = [{0}[{1}]{0}]\n", level, body);
  s += "bad = 0\n";
  s += "function response(status, headers, body)\n";
  s += "  if status ~= 200 or body ~= expected then bad = bad + 1 end\n";
  s += "end\n";
  s += "function done(summary, latency, requests)\n";
  s += "  local total = 0\n";
  s += "  for _, t in ipairs(threads) do total = total + t:get(\"bad\") end\n";
  s += "  io.write(string.format(\"cnfctl-bad-responses: %d\\n\", total))\n";
  s += "end\n";
  return s;
}

std::optional<std::uint64_t> parse_bad_responses(std::string_view output) {
  constexpr std::string_view kKey = "cnfctl-bad-responses: ";
  const auto at = output.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  std::uint64_t n = 0;
  bool digits = false;
  for (auto i = at + kKey.size(); i < output.size() && output[i] >= '0' && output[i] <= '9'; ++i) {
    n = n * 10 + static_cast<std::uint64_t>(output[i] - '0');
    digits = true;
  }
  if (!digits) return std::nullopt;
  return n;
}

std::vector<LinkAccount> link_accounts(const std::vector<HopRate>& hops) {
  std::vector<LinkAccount> links;
  for (const auto& h : hops) {
    if (h.tx_packets == 0 || !h.peer_port) continue;
    auto to = std::find_if(hops.begin(), hops.end(), [&](const HopRate& r) {
      return r.container == h.peer && r.port == *h.peer_port;
    });
    if (to == hops.end()) continue;
    LinkAccount l;
    l.from = h.container;
    l.from_port = h.port;
    l.to = to->container;
    l.to_port = to->port;
    l.sent_mpps = h.tx_mpps;
    l.received_mpps = to->rx_mpps;
    l.tx_dropped_mpps = per_second_millions(h.tx_drops, h.window);
    l.unaccounted_mpps = l.sent_mpps - l.received_mpps - l.tx_dropped_mpps;
    links.push_back(std::move(l));
  }
  return links;
}

std::optional<int> peer_port(const plan::Plan& plan, const std::string& container, int port) {
  auto find = [&](const std::string& name) -> const plan::PlannedContainer* {
    for (const auto& c : plan.containers) {
      if (c.name == name) return &c;
    }
    return nullptr;
  };
  const auto* self = find(container);
  if (self == nullptr || port < 0 || static_cast<std::size_t>(port) >= self->links.size()) {
    return std::nullopt;
  }
  const auto& link = self->links[static_cast<std::size_t>(port)];
  const auto* peer = link.peer.empty() ? nullptr : find(link.peer);
  if (peer == nullptr) return std::nullopt;
  for (std::size_t k = 0; k < peer->links.size(); ++k) {
    const auto& other = peer->links[k];
    if (other.peer == container && other.socket_file == link.socket_file &&
        other.interface_id == link.interface_id && other.role != link.role) {
      return static_cast<int>(k);
    }
  }
  return std::nullopt;
}

TrafficReport measure_traffic(
    const plan::Plan& plan,
    const std::function<nf::NfContext(const plan::PlannedContainer&)>& context_of,
    std::chrono::milliseconds duration, const TrafficOptions& options) {
  TrafficReport report;
  report.run = plan.run;
  report.duration = duration;

  std::vector<const plan::PlannedContainer*> memif;
  std::vector<const plan::PlannedContainer*> web;
  for (const auto& c : plan.containers) {
    if (has_memif_counters(c)) {
      memif.push_back(&c);
    } else if (c.nf.kind == topology::NfKind::kNginx && c.nf.http && c.nf.http->port > 0) {
      web.push_back(&c);
    } else {
      report.notes.push_back(fmt::format("{}: no traffic counters for a {} NF{}", c.name,
                                         topology::to_string(c.nf.kind),
                                         c.links.empty() ? " without memif links" : ""));
    }
  }
  if (memif.empty() && web.empty()) {
    throw Error::bad_input("traffic", fmt::format("run {} has no testpmd or VPP memif NF and no "
                                                  "nginx with an HTTP endpoint to measure",
                                                  plan.run));
  }

  // wrk runs for the same window as the counters, one per nginx, all at once.
  std::vector<std::future<HttpLoad>> loads;
  for (const auto* c : web) {
    loads.push_back(std::async(std::launch::async, [&, c] {
      auto ctx = context_of(*c);
      HttpLoad load;
      load.container = c->name;
      const auto& endpoint = *c->nf.http;
      load.url = fmt::format("http://{}:{}{}", endpoint.host, endpoint.port, endpoint.path);
      load.connections = std::max({1u, options.wrk_connections, options.wrk_threads});
      load.mode = endpoint.keep_alive ? "rps" : "cps";
      try {
        // nginx serves endpoint.body_size 'x's (nf/nginx/nginx_conf.h); wrk checks every body.
        WrkScript script(ctx.node, body_check_script(std::string(endpoint.body_size, 'x')));
        process::Command command{
            .argv = nginx_wrk_argv(options, endpoint, load.url, duration, script.path())};
        command.timeout = duration + kWrkGrace;
        auto outcome = process::run_checked(ctx.node, command, "wrk against " + load.url);
        parse_wrk_output(outcome.out, load);
        load.bad_responses = parse_bad_responses(outcome.out);
      } catch (Error& e) {
        throw e.at("container " + c->name);
      }
      return load;
    }));
  }

  auto testpmd = testpmd::make_testpmd_driver();
  auto vpp = vpp::make_vpp_driver();
  auto driver_of = [&](const plan::PlannedContainer& c) -> nf::NfDriver& {
    return c.nf.kind == topology::NfKind::kVpp ? *vpp : *testpmd;
  };
  // Every container at once: read one after the other, the last container's window would start
  // (and end) later than the first's by every read before it, and a link's two ends would be
  // measured over different windows.
  auto read_all = [&] {
    std::vector<std::future<Reading>> reads;
    for (const auto* c : memif) {
      reads.push_back(std::async(std::launch::async,
                                 [&, c] { return read_counters(driver_of(*c), context_of(*c)); }));
    }
    std::vector<Reading> readings;
    std::optional<Error> failure;
    for (auto& r : reads) {
      try {
        readings.push_back(r.get());
      } catch (const Error& e) {
        if (!failure) failure = e;
      }
    }
    if (failure) throw *failure;
    return readings;
  };
  try {
    const auto started = Clock::now();
    const auto first = read_all();
    if (!memif.empty()) std::this_thread::sleep_until(started + duration);
    const auto second = read_all();
    for (std::size_t i = 0; i < memif.size(); ++i) {
      const auto* c = memif[i];
      auto hops =
          hop_rates(c->name, first[i].counters, second[i].counters, second[i].at - first[i].at);
      for (auto& h : hops) h.peer_port = peer_port(plan, h.container, h.port);
      if (c->role == topology::Role::kSink) {
        report.sink = c->name;
        double rx = 0;
        for (const auto& h : hops) rx += h.rx_mpps;
        report.sinks.emplace_back(c->name, rx);
        report.end_to_end_mpps = report.end_to_end_mpps.value_or(0.0) + rx;
      }
      for (const auto& h : hops) {
        if (h.counters_reset) {
          report.notes.push_back(fmt::format(
              "{} port {}: a counter went backwards (the link reconnected during the window)",
              h.container, h.port));
        }
      }
      report.hops.insert(report.hops.end(), hops.begin(), hops.end());
    }
    report.links = link_accounts(report.hops);
    for (const auto& l : report.links) {
      if (l.unaccounted_mpps > kUnaccountedNote * l.sent_mpps) {
        report.notes.push_back(fmt::format(
            "{} port {} -> {} port {}: {:.3f} Mpps sent, {:.3f} received, {:.3f} counted as "
            "dropped: {:.1f}% in no counter (rates over each end's own window)",
            l.from, l.from_port, l.to, l.to_port, l.sent_mpps, l.received_mpps, l.tx_dropped_mpps,
            100 * l.unaccounted_mpps / l.sent_mpps));
      }
    }
  } catch (...) {
    for (auto& l : loads) l.wait();  // never leave wrk threads behind
    throw;
  }
  std::optional<Error> failure;
  for (auto& l : loads) {
    try {
      report.http.push_back(l.get());
    } catch (const Error& e) {
      if (!failure) failure = e;
    }
  }
  if (failure) throw *failure;
  return report;
}

std::string render_traffic_table(const TrafficReport& report) {
  std::string out;
  const double seconds = std::chrono::duration<double>(report.duration).count();
  if (!report.hops.empty()) {
    std::size_t wc = 9, wp = 4;
    for (const auto& h : report.hops) {
      wc = std::max(wc, h.container.size());
      wp = std::max(wp, h.peer.size());
    }
    out += fmt::format("traffic of run {} over {:.1f} s\n", report.run, seconds);
    out += fmt::format("{:<{}}  {:>4}  {:<{}}  {:>9}  {:>9}  {:>12}\n", "CONTAINER", wc, "PORT",
                       "PEER", wp, "RX Mpps", "TX Mpps", "DROPS");
    for (const auto& h : report.hops) {
      out += fmt::format("{:<{}}  {:>4}  {:<{}}  {:>9.3f}  {:>9.3f}  {:>12}{}\n", h.container, wc,
                         h.port, h.peer.empty() ? "-" : h.peer, wp, h.rx_mpps, h.tx_mpps, h.drops,
                         h.counters_reset ? "  (counters reset)" : "");
    }
    std::string reasons;
    for (const auto& h : report.hops) {
      for (const auto& [reason, count] : h.reasons) {
        reasons += fmt::format("  {:<{}}  {:>4}  {}: {}\n", h.container, wc, h.port, reason, count);
      }
    }
    if (!reasons.empty()) {
      out +=
          "reasons VPP gives (error counters over the window; \"-tx/\" ones are the port's tx "
          "drops):\n" +
          reasons;
    }
    if (report.sinks.size() > 1) {
      std::string each;
      for (const auto& [sink, mpps] : report.sinks) {
        each += fmt::format("{}{} {:.3f}", each.empty() ? "" : ", ", sink, mpps);
      }
      out += fmt::format("end to end: {:.3f} Mpps (received by {} sinks: {})\n",
                         report.end_to_end_mpps.value_or(0.0), report.sinks.size(), each);
    } else if (report.end_to_end_mpps) {
      out += fmt::format("end to end: {:.3f} Mpps (received by {})\n", *report.end_to_end_mpps,
                         *report.sink);
    } else {
      out += "end to end: no sink in this topology\n";
    }
  }
  if (!report.http.empty()) {
    if (!out.empty()) out += "\n";
    std::size_t wc = 9, wu = 3;
    for (const auto& l : report.http) {
      wc = std::max(wc, l.container.size());
      wu = std::max(wu, l.url.size());
    }
    out +=
        fmt::format("{:<{}}  {:<{}}  {:>5}  {:>12}  {:>8}  {:>8}  {:>8}  {:>7}\n", "CONTAINER", wc,
                    "URL", wu, "CONNS", "REQUESTS/s", "AVG ms", "P50 ms", "P99 ms", "ERRORS");
    for (const auto& l : report.http) {
      out += fmt::format("{:<{}}  {:<{}}  {:>5}  {:>12.1f}  {:>8.3f}  {:>8.3f}  {:>8.3f}  {:>7}\n",
                         l.container, wc, l.url, wu, l.connections, l.requests_per_s,
                         l.latency_avg_ms, l.latency_p50_ms, l.latency_p99_ms,
                         l.socket_errors + std::max(l.non_2xx, l.bad_responses.value_or(0)));
    }
    for (const auto& l : report.http) {
      if (l.mode == "cps") {
        out += fmt::format("{}: cps mode (Connection: close): {:.1f} connections/s\n", l.container,
                           l.requests_per_s);
      }
      if (l.bad_responses && *l.bad_responses > 0) {
        out += fmt::format("{}: {} response(s) were not 200 with the expected body\n", l.container,
                           *l.bad_responses);
      }
    }
  }
  for (const auto& note : report.notes) out += "note: " + note + "\n";
  return out;
}

nlohmann::json traffic_json(const TrafficReport& report) {
  nlohmann::json j;
  j["run"] = report.run;
  j["duration_ms"] = report.duration.count();
  j["hops"] = nlohmann::json::array();
  for (const auto& h : report.hops) {
    j["hops"].push_back(
        {{"container", h.container},
         {"port", h.port},
         {"peer", h.peer},
         {"rx_packets", h.rx_packets},
         {"tx_packets", h.tx_packets},
         {"drops", h.drops},
         {"rx_drops", h.rx_drops},
         {"tx_drops", h.tx_drops},
         {"peer_port", h.peer_port ? nlohmann::json(*h.peer_port) : nlohmann::json()},
         {"window_s", std::chrono::duration<double>(h.window).count()},
         {"rx_mpps", h.rx_mpps},
         {"tx_mpps", h.tx_mpps},
         {"counters_reset", h.counters_reset},
         {"reasons", h.reasons}});
  }
  j["links"] = nlohmann::json::array();
  for (const auto& l : report.links) {
    j["links"].push_back({{"from", l.from},
                          {"from_port", l.from_port},
                          {"to", l.to},
                          {"to_port", l.to_port},
                          {"sent_mpps", l.sent_mpps},
                          {"received_mpps", l.received_mpps},
                          {"tx_dropped_mpps", l.tx_dropped_mpps},
                          {"unaccounted_mpps", l.unaccounted_mpps}});
  }
  j["sink"] = report.sink ? nlohmann::json(*report.sink) : nlohmann::json();
  j["sinks"] = nlohmann::json::array();
  for (const auto& [sink, mpps] : report.sinks) {
    j["sinks"].push_back({{"container", sink}, {"rx_mpps", mpps}});
  }
  j["end_to_end_mpps"] =
      report.end_to_end_mpps ? nlohmann::json(*report.end_to_end_mpps) : nlohmann::json();
  j["http"] = nlohmann::json::array();
  for (const auto& l : report.http) {
    j["http"].push_back(
        {{"container", l.container},
         {"url", l.url},
         {"connections", l.connections},
         {"requests_per_s", l.requests_per_s},
         {"requests", l.requests},
         {"seconds", l.seconds},
         {"latency_avg_ms", l.latency_avg_ms},
         {"latency_p50_ms", l.latency_p50_ms},
         {"latency_p90_ms", l.latency_p90_ms},
         {"latency_p99_ms", l.latency_p99_ms},
         {"socket_errors", l.socket_errors},
         {"non_2xx", l.non_2xx},
         {"mode", l.mode},
         {"connections_per_s",
          l.mode == "cps" ? nlohmann::json(l.requests_per_s) : nlohmann::json()},
         {"bad_responses", l.bad_responses ? nlohmann::json(*l.bad_responses) : nlohmann::json()}});
  }
  j["notes"] = report.notes;
  return j;
}

}  // namespace cnfctl::traffic
