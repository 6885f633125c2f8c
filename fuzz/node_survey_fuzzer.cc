// The SSH node facts survey (node/node_survey.h): the output of the survey script as a node
// (possibly a hostile or broken one) prints it, parsed by parse_survey().
// Properties: parsing never throws; tool names are single words; the kernel and cgroup layout are
// one line each; printing the survey back in the script's format and parsing it again gives the
// same survey; the lscpu section is either a machine or Error::bad_input; tools_summary() and
// require_engine() (which must fail only as bad input) work on anything.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cpu/machine.h"
#include "fuzz_check.h"
#include "node/node_survey.h"

using cnfctl::Error;
using cnfctl::fuzz::check;
using cnfctl::node::NodeSurvey;

namespace {

std::string print(const NodeSurvey& s) {
  std::string out = "@@cnfctl lscpu\n" + s.lscpu;
  out += "@@cnfctl kernel\n" + s.kernel + "\n";
  out += "@@cnfctl cgroup\n" + s.cgroup_layout + "\n";
  for (const auto& [name, tool] : s.tools) {
    out += "@@cnfctl tool " + name + " " + tool.path + "\n" + tool.version + "\n";
  }
  return out;
}

bool has_space(const std::string& s) {
  return s.find_first_of(" \t\n\r\v\f") != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string output(reinterpret_cast<const char*>(data), size);
  const NodeSurvey survey = cnfctl::node::parse_survey(output);

  check(survey.kernel.find('\n') == std::string::npos, "the kernel is one line");
  check(survey.cgroup_layout.find('\n') == std::string::npos, "the cgroup layout is one line");
  for (const auto& [name, tool] : survey.tools) {
    check(!name.empty() && !has_space(name), "a tool name is one word", name);
    check(!has_space(tool.path), "a tool path is one word", tool.path);
    check(tool.version.find('\n') == std::string::npos, "a version is one line");
    check(survey.has(name), "has() finds every tool");
  }
  check(survey.lscpu.empty() || survey.lscpu.back() == '\n', "the lscpu text ends in a newline");

  const std::string printed = print(survey);
  const NodeSurvey again = cnfctl::node::parse_survey(printed);
  check(again.lscpu == survey.lscpu && again.kernel == survey.kernel &&
            again.cgroup_layout == survey.cgroup_layout &&
            again.tools.size() == survey.tools.size(),
        "printing and parsing again gives the same survey", printed);
  for (const auto& [name, tool] : survey.tools) {
    auto it = again.tools.find(name);
    check(it != again.tools.end() && it->second.path == tool.path &&
              it->second.version == tool.version,
          "printing and parsing again keeps every tool", printed);
  }

  (void)survey.tools_summary();
  if (!survey.lscpu.empty()) {
    try {
      (void)cnfctl::cpu::Machine::from_lscpu(survey.lscpu, "node dut1 lscpu");
    } catch (const Error& e) {
      cnfctl::fuzz::check_bad_input(e, "from_lscpu of a survey");
    }
  }
  for (auto kind : {cnfctl::topology::EngineKind::kOci, cnfctl::topology::EngineKind::kLxc,
                    cnfctl::topology::EngineKind::kDocker, cnfctl::topology::EngineKind::kPodman}) {
    cnfctl::topology::EngineSpec engine;
    engine.kind = kind;
    try {
      cnfctl::node::require_engine(survey, "dut1", "root@10.0.0.1:22", engine);
    } catch (const Error& e) {
      cnfctl::fuzz::check_bad_input(e, "require_engine");
    }
  }
  return 0;
}
