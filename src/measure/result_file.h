// The result file: what `cnfctl measure` and `cnfctl up --traffic` write and `cnfctl report`
// reads. One JSON object, {"format": "cnfctl-result", "version": 1, "kind": "search" | "trial" |
// "traffic", ...}, documented field by field in docs/results.md.
//
// Where: `-o FILE.json`, else <state_dir()>/results/<run>/<UTC time>-<kind>.json. The results
// directory is outside the run's state dir on purpose: `down` removes the run, not its results.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "measure/mlr_search.h"
#include "plan/plan.h"
#include "traffic/traffic.h"
#include "trafficgen/protocol.h"

namespace cnfctl::measure {

/// Per-hop counters over one trial and where the frames were dropped.
struct HopCounters {
  std::vector<traffic::HopRate> hops;
  std::string drop_point;          // the container that dropped most; empty: no NF counted a drop
  std::string drop_detail;         // "1234 frames: rx 100000, tx 98766, 0 counted as drops"
  std::vector<std::string> notes;  // containers whose counters could not be read
};

/// One trial as `measure` ran it.
struct TrialRecord {
  std::size_t index = 0;  // over the whole result, from 0
  int search = 0;         // which search of --repeat, from 0
  int phase = 0;          // the search's phase (-1: initial); 0 for a single trial
  bool final = false;     // a full-length trial (the search's final phase, or a single trial)
  double rate_pps = 0;    // offered, summed over the directions
  double duration_s = 0;
  trafficgen::TrialResult result;  // what the generator counted (total and per direction)
  double loss_ratio = 0;           // as the search classifies it (loss_ratio_of)
  double effective_loss_ratio = 0;
  std::optional<HopCounters> hops;
};

/// The container that lost the most frames in `hops`: per container, counted drops plus what
/// it received and did not send on (forwarders only; generators and sinks do not forward).
/// `generator_refused`: frames the first hop's ring refused the generator. `trial_lost`: what the
/// trial lost in all; what no forwarder and no refusal accounts for was lost coming back into
/// the generator (its receive ring), and is named so when it is the most. Pure.
HopCounters locate_drops(std::vector<traffic::HopRate> hops, const plan::Plan& plan,
                         std::uint64_t generator_refused, std::uint64_t trial_lost = 0);

/// A new result object: format, version, kind, run, created_at (UTC now), command.
nlohmann::json new_result(const std::string& kind, const std::string& run,
                          const std::vector<std::string>& command);

/// The topology of `plan` for the report: containers (name, node, nf, role, cpus, main_cpu,
/// workers) and memif links (each socket once: a, a_port, b, b_port, socket).
nlohmann::json topology_json(const plan::Plan& plan);

/// This machine (kernel, hostname, cpus, cpu model), cnfctl's version and the plan's nodes
/// (address, kernel, cpu summary, cgroup layout, programs), plus `versions` (program → version).
nlohmann::json environment_json(const plan::Plan& plan, const nlohmann::json& versions);

/// One trial: index, search, phase, final, rate_pps, duration_s, sent, received, lost,
/// duplicated, reordered, tx_dropped, loss_ratio, effective_loss_ratio, forwarding_rate_pps,
/// tx_rate_pps, latency_ns {count, min, mean, p50, p90, p99, p999, max}, directions [...],
/// hops [...], drop_point, drop_detail.
nlohmann::json trial_json(const TrialRecord& trial);

/// The search config: loss ratios, min/max rate, durations, goal width.
nlohmann::json config_json(const SearchConfig& config);

/// A goal's name: "NDR" for loss ratio 0, "PDR" for the first non-zero one, "PDR <ratio>%" for
/// more.
std::string goal_name(const SearchConfig& config, std::size_t goal);

/// One search: goals (name, loss_ratio, lower/upper_bound_pps, relative_width,
/// conditional_throughput_pps, status, lower_trial, upper_trial as indices into the result's
/// trials: `first_trial` is the index of the search's first trial), phases, trial_count,
/// trial_seconds, wall_seconds.
nlohmann::json search_json(const SearchResult& search, std::size_t first_trial,
                           double wall_seconds);

/// Min, median and max of each goal's lower bound over `searches` (all with the same goals):
/// {"goals": [{"name", "loss_ratio", "min", "median", "max", "values", "found"}]}. A goal
/// without a lower bound in some search counts in "found" only.
nlohmann::json summary_json(const std::vector<SearchResult>& searches);

/// <state_dir()>/results/<run>/<YYYYmmddTHHMMSSZ>-<kind>.json (a -N suffix when taken).
std::string default_result_path(const std::string& run, const std::string& kind);

/// `traffic` and `up --traffic`: writes a result of kind "traffic" (topology, environment and
/// `traffic_json`, traffic::traffic_json's object) to default_result_path() and says where on
/// stderr. Returns the path; on a write failure says why on stderr and returns "" (the traffic
/// itself was measured and printed).
std::string save_traffic_result(const plan::Plan& plan, const nlohmann::json& traffic_json);

/// Writes `result` to `path` (pretty, atomically; creates the directory). Throws cnfctl::Error
/// naming the path.
void write_result(const std::string& path, const nlohmann::json& result);

}  // namespace cnfctl::measure
