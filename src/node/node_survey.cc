#include "node/node_survey.h"

#include <fmt/format.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "common/error.h"
#include "node/version_cache.h"
#include "process/local_runner.h"
#include "process/spawn.h"
#include "topology/model.h"

namespace cnfctl::node {
namespace {

constexpr const char* kMarker = "@@cnfctl ";

// Fixed text: the program names come from surveyed_programs() as arguments ("$@"), never
// spliced in. Each section starts with a marker line.
// $1: the programs whose version line is asked for, space-separated ("*": all); then the
// programs to look for.
constexpr const char* kScript =
    "want=$1; shift\n"
    "echo '@@cnfctl lscpu'; LC_ALL=C lscpu -p 2>/dev/null\n"
    "echo '@@cnfctl kernel'; uname -r\n"
    "echo '@@cnfctl cgroup'; t=$(stat -fc %T /sys/fs/cgroup 2>/dev/null)\n"
    "if [ \"$t\" = cgroup2fs ]; then echo v2; elif [ -d /sys/fs/cgroup/unified ]; then echo "
    "hybrid; elif [ -n \"$t\" ]; then echo v1; fi\n"
    "for p in \"$@\"; do\n"
    "  path=$(command -v \"$p\" 2>/dev/null) || continue\n"
    "  echo \"@@cnfctl tool $p $path\"\n"
    "  case \" $want \" in \" * \"|*\" $p \"*) ;; *) continue ;; esac\n"
    "  case $p in\n"
    "    dpdk-testpmd|vpp|python3) ;;\n"  // testpmd and vpp would start; nothing to learn
    "    nginx) \"$path\" -v 2>&1 | head -n 1 ;;\n"
    "    *) \"$path\" --version 2>&1 </dev/null | head -n 1 ;;\n"
    "  esac\n"
    "done\n";

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string first_line(const std::string& text) {
  return trim(text.substr(0, text.find('\n')));
}

// Only the fixed names of surveyed_programs() are asked their version.
std::string wanted_versions(const std::optional<std::vector<std::string>>& versions_of) {
  if (!versions_of) return "*";
  std::string want;
  for (const auto& p : *versions_of) {
    if (std::find(surveyed_programs().begin(), surveyed_programs().end(), p) ==
        surveyed_programs().end()) {
      continue;
    }
    want += (want.empty() ? "" : " ") + p;
  }
  return want;
}

bool version_wanted(const std::string& want, const std::string& program) {
  if (want == "*") return true;
  return (" " + want + " ").find(" " + program + " ") != std::string::npos;
}

}  // namespace

const std::vector<std::string>& surveyed_programs() {
  static const std::vector<std::string> programs = {"runc",   "crun",         "lxc-start", "docker",
                                                    "podman", "dpdk-testpmd", "vpp",       "nginx",
                                                    "wrk",    "python3"};
  return programs;
}

std::string NodeSurvey::tools_summary() const {
  std::string out;
  for (const auto& [name, tool] : tools) {
    if (!out.empty()) out += ", ";
    out += name;
    // The version number: the first word of the version line that starts with a digit.
    std::istringstream words(tool.version);
    std::string word;
    while (words >> word) {
      if (!word.empty() && std::isdigit(static_cast<unsigned char>(word.front())) != 0) {
        if (word.back() == ',') word.pop_back();
        out += " " + word;
        break;
      }
      if (auto slash = word.find('/'); slash != std::string::npos && slash + 1 < word.size() &&
                                       std::isdigit(static_cast<unsigned char>(word[slash + 1]))) {
        out += " " + word.substr(slash + 1);  // "nginx/1.22.1"
        break;
      }
    }
  }
  return out;
}

NodeSurvey parse_survey(const std::string& output) {
  NodeSurvey survey;
  std::istringstream in(output);
  std::string line;
  std::string section;
  std::string tool;
  while (std::getline(in, line)) {
    if (line.rfind(kMarker, 0) == 0) {
      std::istringstream words(line.substr(std::string(kMarker).size()));
      words >> section;
      if (section == "tool") {
        std::string path;
        words >> tool >> path;
        if (!tool.empty()) survey.tools[tool].path = path;
      }
      continue;
    }
    if (section == "lscpu") {
      survey.lscpu += line + "\n";
    } else if (section == "kernel" && survey.kernel.empty()) {
      survey.kernel = trim(line);
    } else if (section == "cgroup" && survey.cgroup_layout.empty()) {
      survey.cgroup_layout = trim(line);
    } else if (section == "tool" && !tool.empty() && survey.tools[tool].version.empty()) {
      survey.tools[tool].version = trim(line);
    }
  }
  return survey;
}

NodeSurvey survey_this_machine(const std::optional<std::vector<std::string>>& versions_of,
                               std::chrono::milliseconds timeout) {
  NodeSurvey survey;
  if (struct utsname name{}; ::uname(&name) == 0) survey.kernel = name.release;
  if (struct statfs fs{}; ::statfs("/sys/fs/cgroup", &fs) == 0) {
    struct stat unified {};
    if (fs.f_type == CGROUP2_SUPER_MAGIC) {
      survey.cgroup_layout = "v2";
    } else if (::stat("/sys/fs/cgroup/unified", &unified) == 0 && S_ISDIR(unified.st_mode)) {
      survey.cgroup_layout = "hybrid";
    } else {
      survey.cgroup_layout = "v1";
    }
  }
  const std::string want = wanted_versions(versions_of);
  const VersionCache cache;  // written by remember_versions(), once a command may touch things
  std::vector<process::Command> asks;
  std::vector<std::string> asked;
  for (const auto& program : surveyed_programs()) {
    const std::string path = process::find_program(program);
    if (path.empty()) continue;
    survey.tools[program].path = path;
    if (!version_wanted(want, program)) continue;
    if (program == "dpdk-testpmd" || program == "vpp" || program == "python3") continue;
    if (auto known = cache.find(path)) {
      survey.tools[program].version = *known;
      continue;
    }
    asks.push_back({.argv = {path, program == "nginx" ? "-v" : "--version"}, .timeout = timeout});
    asked.push_back(program);
  }
  process::LocalRunner local;
  const auto outcomes = local.run_all(asks);
  for (std::size_t i = 0; i < asked.size(); ++i) {
    const auto& o = outcomes[i];
    auto& tool = survey.tools[asked[i]];
    tool.version = first_line(o.out.empty() ? o.err : o.out);
    if (o.ok() && !tool.version.empty()) survey.asked_versions[tool.path] = tool.version;
  }
  return survey;
}

NodeSurvey survey_node(process::Runner& runner, const std::string& node_name,
                       const std::optional<std::vector<std::string>>& versions_of,
                       std::chrono::milliseconds timeout) {
  if (dynamic_cast<process::LocalRunner*>(&runner) != nullptr) {
    return survey_this_machine(versions_of, timeout);
  }
  return survey_with_script(runner, node_name, versions_of, timeout);
}

NodeSurvey survey_with_script(process::Runner& runner, const std::string& node_name,
                              const std::optional<std::vector<std::string>>& versions_of,
                              std::chrono::milliseconds timeout) {
  process::Command command;
  const std::string want = wanted_versions(versions_of);
  command.argv = {"sh", "-c", kScript, "cnfctl-survey", want};
  for (const auto& p : surveyed_programs()) command.argv.push_back(p);
  command.timeout = timeout;
  auto outcome = runner.run(command);
  if (!outcome.ok()) {
    throw Error(fmt::format("gathering the node's facts failed ({}): {}", outcome.describe_status(),
                            trim(outcome.err)))
        .at("node " + node_name);
  }
  return parse_survey(outcome.out);
}

std::vector<std::string> engine_programs(const topology::EngineSpec& engine) {
  switch (engine.kind) {
    case topology::EngineKind::kOci:
      return {engine.runtime == topology::OciRuntime::kCrun ? "crun" : "runc"};
    case topology::EngineKind::kLxc:
      return {"lxc-start"};
    case topology::EngineKind::kDocker:
      return {"docker"};
    case topology::EngineKind::kPodman:
      return {"podman"};
  }
  return {};
}

void require_engine(const NodeSurvey& survey, const std::string& node_name,
                    const std::string& address, const topology::EngineSpec& engine) {
  for (const auto& program : engine_programs(engine)) {
    if (survey.has(program)) continue;
    throw Error::bad_input(
        "node " + node_name,
        fmt::format("engine {} needs `{}`, which is not installed on node {} ({}); install it "
                    "there or choose another engine for the node",
                    topology::to_string(engine.kind), program, node_name, address));
  }
}

}  // namespace cnfctl::node
