#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "common/error.h"
#include "common/names.h"
#include "common/paths.h"
#include "report/html_report.h"
#include "run/journal.h"

namespace cnfctl::cli {

namespace {

namespace fs = std::filesystem;

// FILE.json, or a run name: that run's newest result file.
std::string result_path(const std::string& what) {
  std::error_code ec;
  if (fs::is_regular_file(what, ec)) return what;
  const auto dir = join_path(join_path(state_dir(), "results"), what);
  if (what.find('/') == std::string::npos && fs::is_directory(dir, ec)) {
    std::string newest;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const auto name = entry.path().filename().string();
      if (entry.path().extension() == ".json" && name > fs::path(newest).filename().string()) {
        newest = entry.path().string();
      }
    }
    if (!newest.empty()) return newest;
  }
  throw Error::bad_input(what, fmt::format("no result file {} (nor results of a run of that name "
                                           "in {})",
                                           what, join_path(state_dir(), "results")));
}

}  // namespace

void add_report_command(CLI::App& app) {
  struct Options {
    std::string input;
    std::string output;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "report",
      "Render a result file (from `measure` or `up --traffic`) as one self-contained HTML page: "
      "topology picture, per-hop counters, loss curve with NDR/PDR, latency, environment");
  cmd->add_option("FILE", o->input, "The result file, or a run name (its newest result)")
      ->required();
  cmd->add_option("--output,-o", o->output, "The HTML file (default: FILE with .html)");
  cmd->callback([o] {
    const auto input = result_path(o->input);
    std::ifstream in(input);
    require_input(in.good(), input, "cannot read the file");
    std::stringstream bytes;
    bytes << in.rdbuf();
    nlohmann::json result;
    try {
      result = nlohmann::json::parse(bytes.str());
    } catch (const nlohmann::json::parse_error& e) {
      throw Error::bad_input(input, fmt::format("not JSON: {}", e.what()));
    }
    const auto html = report::render_html(result, input);
    auto output = o->output;
    if (output.empty()) output = fs::path(input).replace_extension(".html").string();
    run::write_file_atomically(output, html);
    fmt::print("{}\n", output);
  });
}

}  // namespace cnfctl::cli
