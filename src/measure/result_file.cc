#include "measure/result_file.h"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "common/error.h"
#include "common/paths.h"
#include "run/journal.h"
#include "topology/model.h"

namespace cnfctl::measure {

namespace {

std::string utc_now(const char* format) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[40];
  std::strftime(text, sizeof text, format, &tm);
  return text;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "";
}

nlohmann::json latency_json(const trafficgen::LatencySummary& l) {
  return {{"count", l.count}, {"min", l.min}, {"mean", l.mean}, {"p50", l.p50},
          {"p90", l.p90},     {"p99", l.p99}, {"p999", l.p999}, {"max", l.max}};
}

nlohmann::json stream_json(const trafficgen::StreamResult& s) {
  return {{"name", s.name},
          {"sent", s.sent},
          {"received", s.received},
          {"lost", s.lost},
          {"duplicated", s.duplicated},
          {"reordered", s.reordered},
          {"tx_dropped", s.tx_dropped},
          {"loss_ratio", s.loss_ratio},
          {"tx_rate_pps", s.tx_rate_pps},
          {"latency_ns", latency_json(s.latency)}};
}

nlohmann::json hop_json(const traffic::HopRate& h) {
  return {{"container", h.container},
          {"port", h.port},
          {"peer", h.peer},
          {"rx_packets", h.rx_packets},
          {"tx_packets", h.tx_packets},
          {"drops", h.drops},
          {"rx_mpps", h.rx_mpps},
          {"tx_mpps", h.tx_mpps},
          {"counters_reset", h.counters_reset}};
}

nlohmann::json optional_number(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

nlohmann::json optional_index(const std::optional<std::size_t>& v, std::size_t offset) {
  return v ? nlohmann::json(*v + offset) : nlohmann::json();
}

}  // namespace

HopCounters locate_drops(std::vector<traffic::HopRate> hops, const plan::Plan& plan,
                         std::uint64_t generator_refused, std::uint64_t trial_lost) {
  HopCounters out;
  struct Sum {
    std::uint64_t rx = 0, tx = 0, drops = 0;
  };
  std::map<std::string, Sum> by_container;
  std::vector<std::string> order;
  for (const auto& h : hops) {
    if (!by_container.count(h.container)) order.push_back(h.container);
    auto& s = by_container[h.container];
    s.rx += h.rx_packets;
    s.tx += h.tx_packets;
    s.drops += h.drops;
  }
  std::uint64_t worst = 0;
  std::uint64_t accounted = generator_refused;
  for (const auto& name : order) {
    const auto& s = by_container[name];
    const auto* c = plan.find(name);
    const bool forwards =
        !c || c->role == topology::Role::kNf || c->role == topology::Role::kVswitch;
    const std::uint64_t unsent = forwards && s.rx > s.tx ? s.rx - s.tx : 0;
    const std::uint64_t lost = std::max(s.drops, unsent);
    accounted += lost;
    if (lost > worst) {
      worst = lost;
      out.drop_point = name;
      out.drop_detail = fmt::format("{} frames: received {}, sent on {}, {} counted as drops", lost,
                                    s.rx, s.tx, s.drops);
    }
  }
  if (generator_refused > worst) {
    worst = generator_refused;
    out.drop_point = "generator";
    out.drop_detail = fmt::format(
        "{} frames the first hop's ring refused the generator (the first NF did not keep up)",
        generator_refused);
  }
  const std::uint64_t unaccounted = trial_lost > accounted ? trial_lost - accounted : 0;
  if (unaccounted > worst) {
    out.drop_point = "generator receive";
    out.drop_detail = fmt::format(
        "{} frames: every hop sent on what it received, so they were lost coming back into the "
        "generator (its receive ring overflowed while it was descheduled)",
        unaccounted);
  }
  out.hops = std::move(hops);
  return out;
}

nlohmann::json new_result(const std::string& kind, const std::string& run,
                          const std::vector<std::string>& command) {
  return {{"format", "cnfctl-result"},
          {"version", 1},
          {"kind", kind},
          {"run", run},
          {"created_at", utc_now("%Y-%m-%dT%H:%M:%SZ")},
          {"command", command}};
}

namespace {

// The memif sockets a container's argv names (`--vdev=net_memif<k>,...,socket=PATH,...`), in
// port order, as host paths (seen through its bind mounts): how a hand-wired container (topology
// kind none, `command` NFs) is linked.
std::vector<std::string> argv_memif_sockets(const plan::PlannedContainer& c) {
  std::vector<std::string> sockets;
  for (const auto& arg : c.nf.argv) {
    if (arg.rfind("--vdev=net_memif", 0) != 0) continue;
    auto at = arg.find(",socket=");
    if (at == std::string::npos) continue;
    auto path = arg.substr(at + 8);
    path = path.substr(0, path.find(','));
    for (const auto& m : c.mounts) {
      if (path == m.guest || path.rfind(m.guest + "/", 0) == 0) {
        path = m.host + path.substr(m.guest.size());
        break;
      }
    }
    sockets.push_back(path);
  }
  return sockets;
}

}  // namespace

nlohmann::json topology_json(const plan::Plan& plan) {
  nlohmann::json containers = nlohmann::json::array();
  nlohmann::json links = nlohmann::json::array();
  std::map<std::string, std::pair<std::string, int>> first_end;  // socket -> (container, port)
  auto link_end = [&](const plan::PlannedContainer& c, std::size_t port, const std::string& socket,
                      const std::string& file, bool outside) {
    const auto key = c.node + ":" + socket;
    auto it = first_end.find(key);
    if (it == first_end.end()) {
      first_end[key] = {c.name, static_cast<int>(port)};
      if (outside) {
        links.push_back(
            {{"a", c.name}, {"a_port", port}, {"b", ""}, {"b_port", 0}, {"socket", file}});
      }
      return;
    }
    links.push_back({{"a", it->second.first},
                     {"a_port", it->second.second},
                     {"b", c.name},
                     {"b_port", port},
                     {"socket", file}});
  };
  for (const auto& c : plan.containers) {
    containers.push_back({{"name", c.name},
                          {"node", c.node},
                          {"nf", std::string(topology::to_string(c.nf.kind))},
                          {"role", std::string(topology::to_string(c.role))},
                          {"cpus", c.cpus},
                          {"main_cpu", c.main_cpu ? nlohmann::json(*c.main_cpu) : nlohmann::json()},
                          {"workers", c.workers}});
    for (std::size_t port = 0; port < c.links.size(); ++port) {
      const auto& l = c.links[port];
      link_end(c, port, l.host_socket_path, l.socket_file, l.peer.empty());
    }
    if (c.links.empty()) {
      const auto sockets = argv_memif_sockets(c);
      for (std::size_t port = 0; port < sockets.size(); ++port) {
        link_end(c, port, sockets[port], std::filesystem::path(sockets[port]).filename().string(),
                 false);
      }
    }
  }
  return {{"kind", std::string(topology::to_string(plan.kind))},
          {"source", plan.source},
          {"containers", containers},
          {"links", links}};
}

nlohmann::json environment_json(const plan::Plan& plan, const nlohmann::json& versions) {
  nlohmann::json local;
  utsname u{};
  if (uname(&u) == 0) {
    local["kernel"] = std::string(u.release);
    local["hostname"] = std::string(u.nodename);
    local["machine"] = std::string(u.machine);
  }
  local["cpus"] = std::to_string(std::thread::hardware_concurrency());
  local["cpu_model"] = cpu_model();
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : plan.nodes) {
    nodes.push_back({{"name", n.name},
                     {"address", n.address},
                     {"kernel", n.kernel},
                     {"cpu_summary", n.cpu_summary},
                     {"cgroup_layout", n.cgroup_layout},
                     {"tools", n.tools}});
  }
  return {{"cnfctl", CNFCTL_VERSION}, {"local", local}, {"nodes", nodes}, {"versions", versions}};
}

nlohmann::json trial_json(const TrialRecord& t) {
  const auto& total = t.result.total;
  nlohmann::json j = {
      {"index", t.index},
      {"search", t.search},
      {"phase", t.phase},
      {"final", t.final},
      {"rate_pps", t.rate_pps},
      {"duration_s", t.duration_s},
      {"frame_size", t.result.frame_size},
      {"sent", total.sent},
      {"received", total.received},
      {"lost", total.lost},
      {"duplicated", total.duplicated},
      {"reordered", total.reordered},
      {"tx_dropped", total.tx_dropped},
      {"loss_ratio", t.loss_ratio},
      {"effective_loss_ratio", t.effective_loss_ratio},
      {"forwarding_rate_pps",
       total.sent > 0 ? t.rate_pps * static_cast<double>(std::min(total.received, total.sent)) /
                            static_cast<double>(total.sent)
                      : 0.0},
      {"tx_rate_pps", total.tx_rate_pps},
      {"latency_ns", latency_json(total.latency)}};
  j["directions"] = nlohmann::json::array();
  for (const auto& d : t.result.directions) j["directions"].push_back(stream_json(d));
  if (t.hops) {
    j["hops"] = nlohmann::json::array();
    for (const auto& h : t.hops->hops) j["hops"].push_back(hop_json(h));
    j["drop_point"] =
        t.hops->drop_point.empty() ? nlohmann::json() : nlohmann::json(t.hops->drop_point);
    j["drop_detail"] = t.hops->drop_detail;
    if (!t.hops->notes.empty()) j["hop_notes"] = t.hops->notes;
  }
  return j;
}

nlohmann::json config_json(const SearchConfig& c) {
  return {{"loss_ratios", c.loss_ratios},
          {"min_rate_pps", c.min_rate},
          {"max_rate_pps", c.max_rate},
          {"final_duration_s", c.final_duration},
          {"initial_duration_s", c.initial_duration},
          {"goal_width", c.goal_width}};
}

std::string goal_name(const SearchConfig& config, std::size_t goal) {
  const double ratio = config.loss_ratios.at(goal);
  if (ratio == 0) return "NDR";
  const auto nonzero = std::count_if(config.loss_ratios.begin(), config.loss_ratios.end(),
                                     [](double r) { return r > 0; });
  if (nonzero == 1) return "PDR";
  return fmt::format("PDR {:g}%", ratio * 100);
}

nlohmann::json search_json(const SearchResult& search, std::size_t first_trial,
                           double wall_seconds) {
  nlohmann::json goals = nlohmann::json::array();
  for (std::size_t i = 0; i < search.goals.size(); ++i) {
    const auto& g = search.goals[i];
    goals.push_back({{"name", goal_name(search.config, i)},
                     {"loss_ratio", g.loss_ratio},
                     {"lower_bound_pps", optional_number(g.lower_bound)},
                     {"upper_bound_pps", optional_number(g.upper_bound)},
                     {"relative_width", g.relative_width},
                     {"conditional_throughput_pps", g.conditional_throughput},
                     {"status", g.status()},
                     {"lower_trial", optional_index(g.lower_trial, first_trial)},
                     {"upper_trial", optional_index(g.upper_trial, first_trial)}});
  }
  nlohmann::json phases = nlohmann::json::array();
  for (std::size_t k = 0; k < search.phase_durations.size(); ++k) {
    phases.push_back(
        {{"duration_s", search.phase_durations[k]}, {"width", search.phase_widths[k]}});
  }
  return {{"goals", goals},
          {"phases", phases},
          {"trial_count", search.trials.size()},
          {"trial_seconds", search.trial_seconds},
          {"wall_seconds", wall_seconds}};
}

nlohmann::json summary_json(const std::vector<SearchResult>& searches) {
  nlohmann::json goals = nlohmann::json::array();
  if (searches.empty()) return {{"goals", goals}};
  const auto& config = searches.front().config;
  for (std::size_t i = 0; i < config.loss_ratios.size(); ++i) {
    std::vector<double> values;
    for (const auto& s : searches) {
      if (i < s.goals.size() && s.goals[i].lower_bound) values.push_back(*s.goals[i].lower_bound);
    }
    nlohmann::json g = {{"name", goal_name(config, i)},
                        {"loss_ratio", config.loss_ratios[i]},
                        {"values", values},
                        {"found", values.size()},
                        {"searches", searches.size()}};
    if (!values.empty()) {
      std::sort(values.begin(), values.end());
      const auto n = values.size();
      g["min"] = values.front();
      g["max"] = values.back();
      g["median"] = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
    goals.push_back(g);
  }
  return {{"goals", goals}};
}

std::string default_result_path(const std::string& run, const std::string& kind) {
  const auto dir = join_path(join_path(state_dir(), "results"), run);
  const auto stamp = utc_now("%Y%m%dT%H%M%SZ");
  auto path = join_path(dir, stamp + "-" + kind + ".json");
  for (int n = 2; std::filesystem::exists(path); ++n) {
    path = join_path(dir, fmt::format("{}-{}-{}.json", stamp, kind, n));
  }
  return path;
}

std::string save_traffic_result(const plan::Plan& plan, const nlohmann::json& traffic_json) {
  auto result = new_result("traffic", plan.run, {});
  result["environment"] = environment_json(plan, nlohmann::json::object());
  result["topology"] = topology_json(plan);
  result["traffic"] = traffic_json;
  try {
    const auto path = default_result_path(plan.run, "traffic");
    write_result(path, result);
    fmt::print(stderr, "result: {}\n", path);
    return path;
  } catch (const Error& e) {
    fmt::print(stderr, "cnfctl: the traffic result was not saved: {}\n", e.describe());
    return "";
  }
}

void write_result(const std::string& path, const nlohmann::json& result) {
  std::error_code ec;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  try {
    run::write_file_atomically(path, result.dump(1) + "\n");
  } catch (Error& e) {
    throw e.at("result file " + path);
  }
}

}  // namespace cnfctl::measure
