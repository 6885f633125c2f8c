// `cnfctl report`: one self-contained HTML page from a result file (what `measure` and
// `up --traffic` write): the result, the topology picture, per-hop counters with the drop point,
// the loss-over-rate curve with NDR/PDR marked, latency, every trial and the environment.
// No script, no external style, font or image: a Content-Security-Policy forbids fetching
// anything, so the page renders the same offline.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace cnfctl::report {

/// The page for `result` (format "cnfctl-result", any kind: search, trial, traffic). Throws
/// Error::bad_input naming `source` when `result` is not a cnfctl result (wrong "format", or a
/// version newer than this cnfctl reads).
std::string render_html(const nlohmann::json& result, const std::string& source);

}  // namespace cnfctl::report
