// The cnfctl program as a user runs it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "process/local_runner.h"

namespace cnfctl {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

process::Outcome cnfctl(std::vector<std::string> args) {
  process::Command command;
  command.argv = {CNFCTL_PROGRAM};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.timeout = std::chrono::seconds(60);
  process::LocalRunner runner;
  return runner.run(command);
}

std::string scratch_prefix() {
  return "cnfctl-cli-" + std::to_string(::getpid()) + "-";
}

fs::path scratch_file(const std::string& name, const std::string& content) {
  const fs::path path = fs::temp_directory_path() / (scratch_prefix() + name);
  std::ofstream(path) << content;
  return path;
}

// Removes this process's scratch files once every test ran.
class ScratchFiles : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
      if (e.path().filename().string().rfind(scratch_prefix(), 0) == 0) fs::remove(e.path(), ec);
    }
  }
};
[[maybe_unused]] const auto* const kScratchFiles =
    ::testing::AddGlobalTestEnvironment(new ScratchFiles);

TEST(Cli, VersionAndHelpForEveryCommand) {
  const auto version = cnfctl({"version"});
  EXPECT_TRUE(version.ok());
  EXPECT_EQ(version.out.rfind("cnfctl ", 0), 0U) << version.out;
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"},
                                                                {"plan", "--help"},
                                                                {"cpu", "--help"},
                                                                {"cpu", "place", "--help"},
                                                                {"version", "--help"}}) {
    const auto help = cnfctl(args);
    EXPECT_TRUE(help.ok()) << args.front() << ": " << help.err;
    EXPECT_NE(help.out.find("Usage"), std::string::npos) << help.out;
  }
}

TEST(Cli, UnknownCommandOrOptionIsBadInput) {
  EXPECT_EQ(cnfctl({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(cnfctl({"plan", "--frob", "x.yaml"}).exit_code, 2);
  EXPECT_EQ(cnfctl({}).exit_code, 2);
}

// Issue 10 item 10: messages of a bad command line carry the `cnfctl:` prefix and say what is
// wrong in a user's words.
TEST(Cli, BadCommandLinesSayWhatIsWrong) {
  const auto bogus = cnfctl({"bogus"});
  EXPECT_EQ(bogus.exit_code, 2);
  EXPECT_EQ(bogus.err.rfind("cnfctl: 'bogus' is not a command; the commands are: ", 0), 0U)
      << bogus.err;
  EXPECT_NE(bogus.err.find("plan"), std::string::npos) << bogus.err;
  EXPECT_NE(bogus.err.find("down"), std::string::npos) << bogus.err;
  EXPECT_EQ(bogus.err.find("subcommand is required"), std::string::npos) << bogus.err;

  const auto option = cnfctl({"plan", "--frob", "x.yaml"});
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_EQ(option.err.rfind("cnfctl: ", 0), 0U) << option.err;
  EXPECT_NE(option.err.find("--frob"), std::string::npos) << option.err;

  const auto zero = cnfctl({"up", "x.yaml", "--timeout-ready", "0s"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("cnfctl: --timeout-ready: must be positive, got '0s'"), std::string::npos)
      << zero.err;
  EXPECT_EQ(zero.err.find("is not a duration"), std::string::npos) << zero.err;
  const auto word = cnfctl({"up", "x.yaml", "--timeout-ready", "soon"});
  EXPECT_NE(word.err.find("'soon' is not a duration"), std::string::npos) << word.err;
}

// Issue 10 item 10: a minimal file without `cpu:` plans on this (small) machine: the default
// policy `auto` uses CSIT's placement when it fits, else shares cpus and says so once.
TEST(Cli, AMinimalChainWithoutCpuSectionPlansHere) {
  const auto file =
      scratch_file("minimal.yaml",
                   "name: minimal\ncontainers:\n  - {prefix: gen, role: generator}\n"
                   "  - {prefix: vswitch, role: vswitch}\n  - {prefix: nf, count: 3}\n"
                   "  - {prefix: sink, role: sink}\ntopology: {kind: chain}\n");
  const auto plan = cnfctl({"plan", file.string(), "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  const auto j = json::parse(plan.out);
  EXPECT_EQ(j["containers"].size(), 6U);
  int chose = 0;
  for (const auto& w : j["warnings"]) {
    if (w.get<std::string>().find("cpu policy auto chose shared") != std::string::npos) ++chose;
  }
  // CSIT's placement of this chain needs 8 cores; CI machines have 2.
  if (::sysconf(_SC_NPROCESSORS_ONLN) <= 4) {
    EXPECT_EQ(chose, 1) << plan.out;
  }
  EXPECT_LE(chose, 1) << plan.out;
}

TEST(Cli, PlanOfEveryExampleSucceedsAndItsJsonParses) {
  int examples = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(CNFCTL_SOURCE_DIR) / "examples")) {
    if (entry.path().extension() != ".yaml") continue;
    ++examples;
    std::ifstream in(entry.path());
    const std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // SSH nodes are not reachable here: plan them from the file (the two-DUT testpmd example,
    // which has no `lscpu:` text, is planned online by tests/integration/ssh).
    const bool remote = yaml.find("type: ssh") != std::string::npos;
    if (remote && yaml.find("lscpu:") == std::string::npos) {
      const auto offline = cnfctl({"plan", "--offline", entry.path().string()});
      EXPECT_EQ(offline.exit_code, 2) << entry.path();
      EXPECT_NE(offline.err.find("lscpu"), std::string::npos) << offline.err;
      continue;
    }
    std::vector<std::string> plan = {"plan", entry.path().string()};
    if (remote) plan.push_back("--offline");
    const auto text = cnfctl(plan);
    EXPECT_TRUE(text.ok()) << entry.path() << ": " << text.err;
    EXPECT_NE(text.out.find("CONTAINER"), std::string::npos);
    plan.push_back("--json");
    const auto as_json = cnfctl(plan);
    ASSERT_TRUE(as_json.ok()) << entry.path() << ": " << as_json.err;
    const json planned = json::parse(as_json.out);
    EXPECT_FALSE(planned["containers"].empty()) << entry.path();
    for (const auto& c : planned["containers"]) {
      // A cnfctl-gen sink runs nothing: its generator owns both ends of the traffic.
      if (c["role"] == "sink" && c["nf"]["kind"] == "trafficgen") continue;
      EXPECT_FALSE(c["nf"]["argv"].empty()) << entry.path() << " " << c["name"];
    }
  }
  EXPECT_GE(examples, 3);
}

TEST(Cli, PlanRunNameOverride) {
  const auto out = cnfctl({"plan", "--json", "--name", "other",
                           fs::path(CNFCTL_SOURCE_DIR) / "examples" / "testpmd-chain.yaml"});
  ASSERT_TRUE(out.ok()) << out.err;
  EXPECT_EQ(json::parse(out.out)["containers"][0]["id"], "other-nf1");
  EXPECT_EQ(cnfctl({"plan", "--name", "a;b",
                    fs::path(CNFCTL_SOURCE_DIR) / "examples" / "testpmd-chain.yaml"})
                .exit_code,
            2);
}

// The `host` image runs the node's own programs: `up` checks that the NF program exists on the
// node before anything is made (exit 2, no journal, no state dir).
TEST(Cli, UpRefusesAnNfProgramTheNodeLacks) {
  const auto state = fs::temp_directory_path() / ("cnfctl-cli-state-" + std::to_string(::getpid()));
  const auto file = scratch_file("missing-nf.yaml",
                                 "name: missingnf\nimage: host\ncpu: {policy: none}\n"
                                 "containers:\n  - prefix: v\n"
                                 "    nf: {kind: vpp, binary: /nonexistent/cnfctl/vpp}\n");
  process::Command command;
  command.argv = {CNFCTL_PROGRAM, "up", file.string()};
  command.env = {{"CNFCTL_STATE_DIR", state.string()},
                 {"CNFCTL_RUN_DIR", (state / "run").string()}};
  command.timeout = std::chrono::seconds(60);
  process::LocalRunner runner;
  const auto out = runner.run(command);
  EXPECT_EQ(out.exit_code, 2) << out.err;
  EXPECT_NE(out.err.find("container v1: /nonexistent/cnfctl/vpp is not an executable file on node "
                         "local"),
            std::string::npos)
      << out.err;
  EXPECT_FALSE(fs::exists(state / "runs" / "missingnf"));
  std::error_code ec;
  fs::remove_all(state, ec);
}

// `down --json` (here with no run to take down) carries cnfctl's own resource use (issue 12:
// bench/up_down reads it): CPU of cnfctl and of its children in ms, its peak RSS in KB.
TEST(Cli, DownJsonReportsItsOwnResources) {
  const fs::path state = fs::temp_directory_path() / (scratch_prefix() + "down-json-state");
  fs::create_directories(state);
  process::Command command;
  command.argv = {CNFCTL_PROGRAM, "down", "--all", "--json"};
  command.env = {{"CNFCTL_STATE_DIR", state.string()}, {"CNFCTL_RUN_DIR", state.string()}};
  command.timeout = std::chrono::seconds(60);
  const auto out = process::LocalRunner().run(command);
  ASSERT_TRUE(out.ok()) << out.describe_status() << "\n" << out.err;
  const auto summary = json::parse(out.out);
  EXPECT_EQ(summary["runs"], json::array());
  const auto& r = summary["resources"];
  for (const char* key : {"cpu_self_ms", "cpu_children_ms", "max_rss_kb"}) {
    ASSERT_TRUE(r.contains(key) && r[key].is_number()) << key << ": " << summary;
  }
  EXPECT_GE(r["cpu_self_ms"].get<double>(), 0.0) << r;
  EXPECT_LT(r["cpu_self_ms"].get<double>(), 60000.0) << r;  // below the command's timeout
  EXPECT_GE(r["cpu_children_ms"].get<double>(), 0.0) << r;
  EXPECT_LT(r["cpu_children_ms"].get<double>(), 60000.0) << r;
  EXPECT_GT(r["max_rss_kb"].get<double>(), 1024.0) << r;           // a C++ program: > 1 MB
  EXPECT_LT(r["max_rss_kb"].get<double>(), 1024.0 * 1024.0) << r;  // and < 1 GB
  std::error_code ec;
  fs::remove_all(state, ec);
}

TEST(Cli, MissingTopologyFileIsBadInput) {
  const auto out = cnfctl({"plan", "/nonexistent/topo.yaml"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.err.find("/nonexistent/topo.yaml"), std::string::npos) << out.err;
}

// `cnfctl cpu place` reproduces all 500 placements computed by CSIT's CpuUtils.get_affinity_nf.
TEST(CliCpuPlace, ReproducesEveryCsitReferenceCase) {
  std::ifstream in(fs::path(CNFCTL_SHARED_DIR) / "reference/csit/nf-affinity-cases.json");
  const json reference = json::parse(in);
  std::map<std::string, fs::path> machines;
  for (const auto& [name, lscpu] : reference["machines"].items()) {
    machines[name] = scratch_file(name + ".lscpu", lscpu.get<std::string>());
  }
  int checked = 0;
  for (const auto& c : reference["cases"]) {
    const auto& p = c["params"];
    const auto number = [](const json& v) {
      return v.is_number_integer() ? std::to_string(v.get<int>()) : std::string("0.5");
    };
    const auto out = cnfctl({"cpu",
                             "place",
                             "--lscpu",
                             machines.at(c["machine"]).string(),
                             "--numa",
                             number(c["numa"]),
                             "--chains",
                             number(p["nf_chains"]),
                             "--nodes-per-chain",
                             number(p["nf_nodes"]),
                             "--vs-data-cores",
                             number(p["vs_dtc"]),
                             "--nf-data-cores",
                             number(p["nf_dtc"]),
                             "--nf-main-ratio",
                             number(p["nf_mtcr"]),
                             "--nf-data-ratio",
                             number(p["nf_dtcr"]),
                             "--chain",
                             number(p["nf_chain"]),
                             "--node",
                             number(p["nf_node"]),
                             "--json"});
    if (c.value("error", false)) {
      EXPECT_EQ(out.exit_code, 2) << c.dump() << "\n" << out.out;
      EXPECT_FALSE(out.err.empty());
    } else {
      ASSERT_TRUE(out.ok()) << c.dump() << "\n" << out.err;
      const json placed = json::parse(out.out);
      ASSERT_EQ(placed["placements"].size(), 1U);
      EXPECT_EQ(placed["placements"][0]["cpus"], c["cpus"]) << c.dump();
      EXPECT_EQ(placed["placements"][0]["main"], c["cpus"][0]) << c.dump();
    }
    ++checked;
  }
  EXPECT_EQ(checked, 500);
  for (const auto& [name, path] : machines) fs::remove(path);
}

TEST(CliCpuPlace, ImpossibleRequestSaysWhyAndExitsTwo) {
  const auto out = cnfctl({"cpu", "place", "--lscpu",
                           scratch_file("tiny.lscpu", "0,0,0,0,,0,0,0,0\n1,1,0,0,,1,1,1,0\n"),
                           "--chains", "2", "--nodes-per-chain", "2"});
  EXPECT_EQ(out.exit_code, 2);
  EXPECT_NE(out.err.find("not enough cpu cores"), std::string::npos) << out.err;
  EXPECT_NE(out.err.find("but the node has 2"), std::string::npos) << out.err;
  EXPECT_TRUE(out.out.empty());
}

TEST(CliCpuPlace, SharedPolicyOnThisHostWarnsButPlaces) {
  const auto out = cnfctl(
      {"cpu", "place", "--policy", "shared", "--chains", "2", "--nodes-per-chain", "3", "--json"});
  ASSERT_TRUE(out.ok()) << out.err;
  EXPECT_EQ(json::parse(out.out)["placements"].size(), 6U);
}

}  // namespace
}  // namespace cnfctl
