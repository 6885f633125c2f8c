#include "cpu/machine.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "cpu/test_machines.h"

namespace cnfctl::cpu {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Error lscpu_error(const std::string& text) {
  try {
    Machine::from_lscpu(text, "m.lscpu");
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << text;
  return Error("no error");
}

TEST(MachineLscpu, SmtOnFromSharedCores) {
  const auto m = Machine::from_lscpu(testing::lscpu_text(2, 4, 2));
  EXPECT_TRUE(m.smt_enabled());
  EXPECT_EQ(m.cpus().size(), 16u);
  EXPECT_EQ(m.core_count(), 8u);
  EXPECT_THAT(m.numa_nodes(), ElementsAre(0, 1));
  EXPECT_THAT(m.cpus_on_node(1), ElementsAre(4, 5, 6, 7, 12, 13, 14, 15));
  EXPECT_THAT(m.find(5)->siblings, ElementsAre(5, 13));
  EXPECT_THAT(m.cpus_by_thread_rank(0), ElementsAre(0, 1, 2, 3, 8, 9, 10, 11));
  EXPECT_EQ(m.summary(), "16 cpus, 8 cores, 2 sockets, 2 NUMA nodes, SMT on");
}

TEST(MachineLscpu, SmtOffWhenEveryCpuHasItsOwnCore) {
  const auto m = Machine::from_lscpu(testing::lscpu_text(2, 8, 1));
  EXPECT_FALSE(m.smt_enabled());
  EXPECT_EQ(m.core_count(), 16u);
  EXPECT_THAT(m.cpus_by_thread_rank(1), ElementsAre(8, 9, 10, 11, 12, 13, 14, 15));
}

TEST(MachineLscpu, SmtFromCoreIdsNotFromListHalves) {
  // Identical cache columns in both halves (as some VMs report) but four distinct cores.
  const auto no_smt = Machine::from_lscpu(
      "# CPU,Core,Socket,Node,,L1d,L1i,L2,L3\n0,0,0,0,,0,0,0,0\n1,1,0,0,,0,0,0,0\n"
      "2,2,0,0,,0,0,0,0\n3,3,0,0,,0,0,0,0\n");
  EXPECT_FALSE(no_smt.smt_enabled());
  // Siblings next to each other, not half a list apart.
  const auto adjacent = Machine::from_lscpu(testing::lscpu_text_adjacent_siblings(1, 2, 2));
  EXPECT_TRUE(adjacent.smt_enabled());
  EXPECT_THAT(adjacent.cpus_by_thread_rank(0), ElementsAre(0, 2, 1, 3));
  EXPECT_THAT(adjacent.cores_on_node(0), ElementsAre(ElementsAre(0, 1), ElementsAre(2, 3)));
}

TEST(MachineLscpu, SameCoreIdOnTwoSocketsIsTwoCores) {
  const auto m = Machine::from_lscpu("0,0,0,0\n1,0,1,1\n");
  EXPECT_FALSE(m.smt_enabled());
  EXPECT_EQ(m.core_count(), 2u);
}

TEST(MachineLscpu, HonoursTheHeaderColumnOrderAndEmptyFields) {
  // `lscpu -p=CPU,NODE,SOCKET,CORE`; Node empty on a machine without NUMA.
  const auto m = Machine::from_lscpu("# comment\n# CPU,Node,Socket,Core\n0,,0,0\n1,,0,0\n\n");
  EXPECT_TRUE(m.smt_enabled());
  EXPECT_THAT(m.numa_nodes(), ElementsAre(0));
  // Without a Core column every cpu is its own core.
  EXPECT_FALSE(Machine::from_lscpu("# CPU,Node\n0,0\n1,0\n").smt_enabled());
}

TEST(MachineLscpu, MalformedTextIsBadInputNamingTheLine) {
  const Error few = lscpu_error("# CPU,Core,Socket,Node\n0,0,0,0\n1,1\n");
  EXPECT_EQ(few.exit_code(), 2);
  EXPECT_EQ(few.locations().front(), "m.lscpu:3");
  EXPECT_THAT(few.describe(), HasSubstr("expected at least 4 comma-separated fields"));
  const Error word = lscpu_error("0,0,0,0\n1,x,0,0\n");
  EXPECT_EQ(word.locations().front(), "m.lscpu:2");
  EXPECT_THAT(word.describe(), HasSubstr("column Core is 'x'"));
  EXPECT_THAT(lscpu_error("0,0,0,0\n0,1,0,0\n").describe(),
              HasSubstr("m.lscpu:2: cpu 0 is listed twice"));
  EXPECT_THAT(lscpu_error("# only comments\n").describe(), HasSubstr("m.lscpu: no cpu lines"));
  EXPECT_THAT(lscpu_error("CPU  NODE  SOCKET\n0    0     0\n").describe(), HasSubstr("m.lscpu:1:"));
}

TEST(MachineLscpu, UnreadableFileIsBadInputNamingIt) {
  try {
    Machine::from_lscpu_file("/nonexistent/lscpu.txt");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_THAT(e.describe(), HasSubstr("/nonexistent/lscpu.txt: cannot read the lscpu file"));
  }
}

TEST(Machine, RejectsInconsistentSiblings) {
  std::vector<LogicalCpu> cpus(2);
  cpus[0] = {0, 0, 0, 0, {0, 1}};
  cpus[1] = {1, 1, 0, 0, {1}};
  EXPECT_THROW(Machine{cpus}, Error);
  cpus[1] = {0, 1, 0, 0, {}};
  EXPECT_THROW(Machine{cpus}, Error);
}

// Found by fuzz/lscpu_fuzzer: a core whose threads lscpu puts on two NUMA nodes left cpu 3 in
// no core of its node (cores_on_node, cpus_by_thread_rank, so placement never saw it).
TEST(MachineLscpu, ThreadsOfOneCoreOnTwoNumaNodesAreBadInput) {
  const Error e = lscpu_error("# CPU,Core,Socket,Node\n0,0,0,0\n1,1,0,0\n2,0,0,0\n3,1,0,8\n");
  EXPECT_EQ(e.exit_code(), 2);
  EXPECT_THAT(e.describe(),
              HasSubstr("cpus 1 and 3 are threads of one core but on NUMA nodes 0 and 8"));
}

// A fake sysfs tree in a temporary folder, removed at the end.
class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("cnfctl-sysfs-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void write(const std::string& relative, const std::string& text) {
    const fs::path path = root_ / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  // cpuN with its topology files.
  void cpu(int id, int core, int package, const std::string& siblings) {
    const std::string dir = "devices/system/cpu/cpu" + std::to_string(id) + "/topology/";
    write(dir + "core_id", std::to_string(core) + "\n");
    write(dir + "physical_package_id", std::to_string(package) + "\n");
    write(dir + "thread_siblings_list", siblings + "\n");
  }

  fs::path root_;
};

TEST_F(FakeSysfs, LoadsTopologyNodesAndSiblings) {
  // 2 nodes x 2 cores x 2 threads; siblings are cpus n and n+4.
  for (int id = 0; id < 8; ++id) {
    const int first = id % 4;
    cpu(id, first % 2, first / 2, std::to_string(first) + "," + std::to_string(first + 4));
  }
  write("devices/system/cpu/online", "0-7\n");
  write("devices/system/cpu/cpufreq/boost", "1\n");  // not a cpu
  write("devices/system/node/node0/cpulist", "0-1,4-5\n");
  write("devices/system/node/node1/cpulist", "2-3,6-7\n");
  const auto m = Machine::from_sysfs(root_);
  EXPECT_TRUE(m.smt_enabled());
  EXPECT_EQ(m.cpus().size(), 8u);
  EXPECT_THAT(m.numa_nodes(), ElementsAre(0, 1));
  EXPECT_THAT(m.cpus_on_node(1), ElementsAre(2, 3, 6, 7));
  EXPECT_EQ(m.find(6)->socket, 1);
  EXPECT_EQ(m.find(6)->core, 0);
  EXPECT_THAT(m.find(6)->siblings, ElementsAre(2, 6));
  EXPECT_THAT(m.cpus_by_thread_rank(1), ElementsAre(2, 3, 6, 7));
}

TEST_F(FakeSysfs, SkipsOfflineCpusAndFallsBackToNodeLinks) {
  cpu(0, 0, 0, "0");
  cpu(1, 1, 0, "1");
  cpu(2, 2, 0, "2");
  write("devices/system/cpu/online", "0-1\n");
  fs::create_directories(root_ / "devices/system/cpu/cpu1/node1");
  const auto m = Machine::from_sysfs(root_);
  EXPECT_FALSE(m.smt_enabled());
  EXPECT_EQ(m.cpus().size(), 2u);
  EXPECT_EQ(m.find(0)->node, 0);
  EXPECT_EQ(m.find(1)->node, 1);
  EXPECT_EQ(m.find(2), nullptr);
}

TEST_F(FakeSysfs, WithoutOnlineFileTakesCpusWithTopology) {
  cpu(0, 0, 0, "0-1");
  cpu(1, 0, 0, "0-1");
  fs::create_directories(root_ / "devices/system/cpu/cpu2");  // offline: no topology
  const auto m = Machine::from_sysfs(root_);
  EXPECT_TRUE(m.smt_enabled());
  EXPECT_EQ(m.cpus().size(), 2u);
}

TEST_F(FakeSysfs, MalformedFilesAreFailuresNamingThePath) {
  cpu(0, 0, 0, "0");
  write("devices/system/cpu/cpu0/topology/core_id", "zero\n");
  try {
    Machine::from_sysfs(root_);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_THAT(e.describe(), HasSubstr("cpu0/topology/core_id: expected a number"));
  }
  EXPECT_THROW(Machine::from_sysfs(root_ / "missing"), Error);
}

TEST(MachineSysfs, LoadsThisHost) {
  if (!fs::exists("/sys/devices/system/cpu")) GTEST_SKIP() << "no sysfs";
  const auto m = Machine::from_sysfs();
  EXPECT_FALSE(m.cpus().empty());
  EXPECT_FALSE(m.numa_nodes().empty());
}

}  // namespace
}  // namespace cnfctl::cpu
