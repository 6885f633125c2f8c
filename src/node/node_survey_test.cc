#include "node/node_survey.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "cpu/machine.h"
#include "process/local_runner.h"

namespace cnfctl::node {
namespace {

TEST(ParseSurvey, ReadsEverySection) {
  const std::string output =
      "@@cnfctl lscpu\n# CPU,Core,Socket,Node,,L1d,L1i,L2,L3\n0,0,0,0,,0,0,0,0\n1,1,0,0,,1,1,1,0\n"
      "@@cnfctl kernel\n6.1.0-18-amd64\n"
      "@@cnfctl cgroup\nhybrid\n"
      "@@cnfctl tool runc /usr/sbin/runc\nrunc version 1.1.5+ds1\n"
      "@@cnfctl tool nginx /usr/sbin/nginx\nnginx version: nginx/1.22.1\n"
      "@@cnfctl tool dpdk-testpmd /usr/bin/dpdk-testpmd\n";
  const auto s = parse_survey(output);
  EXPECT_EQ(s.kernel, "6.1.0-18-amd64");
  EXPECT_EQ(s.cgroup_layout, "hybrid");
  EXPECT_EQ(cpu::Machine::from_lscpu(s.lscpu).cpus().size(), 2U);
  ASSERT_TRUE(s.has("runc"));
  EXPECT_EQ(s.tools.at("runc").path, "/usr/sbin/runc");
  EXPECT_EQ(s.tools.at("runc").version, "runc version 1.1.5+ds1");
  EXPECT_TRUE(s.has("dpdk-testpmd"));
  EXPECT_EQ(s.tools.at("dpdk-testpmd").version, "");
  EXPECT_FALSE(s.has("podman"));
  EXPECT_EQ(s.tools_summary(), "dpdk-testpmd, nginx 1.22.1, runc 1.1.5+ds1");
}

TEST(ParseSurvey, EmptyOutputKnowsNothing) {
  const auto s = parse_survey("");
  EXPECT_TRUE(s.lscpu.empty());
  EXPECT_TRUE(s.tools.empty());
  EXPECT_EQ(s.cgroup_layout, "");
}

TEST(RequireEngine, NamesTheMissingProgramAndTheNode) {
  NodeSurvey s;
  s.tools["runc"] = {"/usr/sbin/runc", "runc version 1.1.5"};
  topology::EngineSpec oci;
  EXPECT_NO_THROW(require_engine(s, "dut1", "ssh root@10.0.0.2:22", oci));
  topology::EngineSpec crun;
  crun.runtime = topology::OciRuntime::kCrun;
  try {
    require_engine(s, "dut1", "ssh root@10.0.0.2:22", crun);
    FAIL() << "crun is not there";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_NE(e.describe().find("node dut1"), std::string::npos) << e.describe();
    EXPECT_NE(e.describe().find("`crun`"), std::string::npos) << e.describe();
  }
  topology::EngineSpec lxc;
  lxc.kind = topology::EngineKind::kLxc;
  EXPECT_THROW(require_engine(s, "dut1", "x", lxc), Error);
}

// The real survey of this machine, by the script through the local runner: the same command
// goes over SSH.
TEST(SurveyNode, ThisMachineByTheScript) {
  process::LocalRunner local;
  const auto s = survey_with_script(local, "local");
  const auto machine = cpu::Machine::from_lscpu(s.lscpu, "survey");
  EXPECT_EQ(machine.cpus().size(), cpu::Machine::from_sysfs().cpus().size());
  EXPECT_FALSE(s.kernel.empty());
  EXPECT_TRUE(s.cgroup_layout == "v1" || s.cgroup_layout == "v2" || s.cgroup_layout == "hybrid")
      << s.cgroup_layout;
  // SPEC: runc and testpmd are installed on this machine (scripts/apt-packages.txt).
  ASSERT_TRUE(s.has("runc"));
  EXPECT_NE(s.tools.at("runc").version.find("runc version"), std::string::npos);
  EXPECT_TRUE(s.has("dpdk-testpmd"));
  EXPECT_TRUE(s.has("sh") == false);  // only the surveyed programs are listed
}

// In-process, the same facts as the script (but the CPUs, which come from sysfs).
TEST(SurveyNode, ThisMachineInProcessSaysWhatTheScriptSays) {
  process::LocalRunner local;
  const auto script = survey_with_script(local, "local");
  const auto direct = survey_node(local, "local");
  EXPECT_TRUE(direct.lscpu.empty());
  EXPECT_EQ(direct.kernel, script.kernel);
  EXPECT_EQ(direct.cgroup_layout, script.cgroup_layout);
  ASSERT_EQ(direct.tools.size(), script.tools.size());
  for (const auto& [name, tool] : script.tools) {
    ASSERT_TRUE(direct.has(name)) << name;
    EXPECT_EQ(direct.tools.at(name).path, tool.path) << name;
    EXPECT_EQ(direct.tools.at(name).version, tool.version) << name;
  }
  EXPECT_EQ(direct.tools_summary(), script.tools_summary());
  // Only what is asked for, in process too.
  const auto some = survey_this_machine(std::vector<std::string>{"runc", "; touch /x"});
  EXPECT_EQ(some.tools.at("runc").version, script.tools.at("runc").version);
  EXPECT_EQ(some.tools.at("crun").version, "");
}

// `up` asks only the versions of what its topology uses; presence is still known for all.
TEST(SurveyNode, VersionsOnlyOfTheProgramsAskedFor) {
  process::LocalRunner local;
  const auto s = survey_node(local, "local", std::vector<std::string>{"runc", "; touch /x"});
  ASSERT_TRUE(s.has("runc"));
  EXPECT_NE(s.tools.at("runc").version.find("runc version"), std::string::npos);
  // SPEC §5: crun is installed here too; found, but not asked its version.
  ASSERT_TRUE(s.has("crun"));
  EXPECT_EQ(s.tools.at("crun").version, "");
  EXPECT_NE(s.tools.at("crun").path, "");

  const auto none = survey_node(local, "local", std::vector<std::string>{});
  ASSERT_TRUE(none.has("runc"));
  EXPECT_EQ(none.tools.at("runc").version, "");
}

}  // namespace
}  // namespace cnfctl::node
