// `cnfctl measure RUN`: one trial at a rate, or NDR/PDR searches (MLRsearch, --repeat N for
// the spread), through the run's cnfctl-gen; the result file's content and its table.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "measure/chain_trials.h"
#include "measure/mlr_search.h"
#include "run/journal.h"
#include "run/run_environment.h"

namespace cnfctl::measure {

struct MeasureOptions {
  bool search = false;   // false: one trial at `rate` for `duration`
  double rate = 0;       // frames/s offered (summed over directions); one trial
  bool unpaced = false;  // one trial at whatever the generator sends unpaced (rate ignored)
  double duration = 1;   // s; one trial
  /// The search's settings; max_rate 0: what the generator reaches unpaced in a trial of the
  /// initial duration (measured first).
  SearchConfig search_config;
  int repeat = 1;  // searches (or trials) in a row
  TrialShape shape;
  bool hops = true;  // read every NF's counters around full-length trials
  /// Called with one line per trial and per search (progress for a terminal). May be empty.
  std::function<void(const std::string&)> progress;
  nlohmann::json versions = nlohmann::json::object();  // program → version, for the report
};

/// Runs the trials or searches on the run of `journal` and returns the result object (see
/// result_file.h) of kind "search" or "trial". Throws Error::bad_input for bad options or a run
/// without a generator; cnfctl::Error when a trial fails.
nlohmann::json measure_run(const run::Journal& journal, run::RunEnvironment& env,
                           const MeasureOptions& options, const std::vector<std::string>& command);

/// The result as text: per search the goals (lower/upper bound, width, forwarding rate,
/// latency at the lower bound, status), the spread over repeats, the drop point of the
/// full-length trials; for trials, one line each. Never fails.
std::string render_result_table(const nlohmann::json& result);

/// "200k", "200kpps", "1.5M", "1.5Mpps", "12000" → frames/s. Throws Error::bad_input naming
/// `option` when it is not a positive rate.
double parse_rate(const std::string& text, const std::string& option);
/// "0.5%" → 0.005, "0.005" → 0.005. Throws Error::bad_input naming `option` outside [0, 1).
double parse_ratio(const std::string& text, const std::string& option);

}  // namespace cnfctl::measure
