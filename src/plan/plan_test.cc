#include "plan/plan.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "common/error.h"
#include "cpu/nf_affinity.h"
#include "plan/plan_output.h"
#include "support/scoped_env.h"
#include "topology/loader.h"

namespace cnfctl::plan {
namespace {

const std::filesystem::path kExamples = std::filesystem::path(CNFCTL_SOURCE_DIR) / "examples";

// A 2-cpu machine like the CI host, so plans do not depend on where the test runs.
std::optional<cpu::Machine> two_cpus(const topology::Node& node) {
  if (node.lscpu) return cpu::Machine::from_lscpu(*node.lscpu);
  if (node.type != topology::NodeKind::kLocal) return std::nullopt;
  return cpu::Machine::from_lscpu("0,0,0,0,,0,0,0,0\n1,1,0,0,,1,1,1,0\n");
}

Plan plan_of(const std::string& yaml) {
  PlanOptions options;
  options.machine_facts = two_cpus;
  return build_plan(topology::load_topology_text(yaml, "t.yaml"), options);
}

Plan plan_of_example(const std::string& file) {
  PlanOptions options;
  options.machine_facts = two_cpus;
  return build_plan(topology::load_topology_file(kExamples / file), options);
}

std::string error_of(const std::string& yaml) {
  try {
    plan_of(yaml);
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.describe();
    return e.describe();
  }
  ADD_FAILURE() << "no error";
  return "";
}

bool has_arg_starting(const std::vector<std::string>& argv, const std::string& prefix) {
  return std::any_of(argv.begin(), argv.end(),
                     [&](const auto& a) { return a.rfind(prefix, 0) == 0; });
}

TEST(Plan, TestpmdChainExampleHasEveryContainerWiredAndOrdered) {
  const Plan plan = plan_of_example("testpmd-chain.yaml");
  ASSERT_EQ(plan.containers.size(), 6U);
  EXPECT_EQ(plan.run, "testpmd-chain");
  EXPECT_EQ(plan.host_socket_dir, "/run/cnfctl/sockets/testpmd-chain");
  // Servers first: the NFs own their sockets, the vswitch serves the traffic ends.
  std::vector<std::string> order;
  for (const auto& c : plan.containers) order.push_back(c.name);
  EXPECT_EQ(order, (std::vector<std::string>{"nf1", "nf2", "nf3", "vswitch1", "gen1", "sink1"}));
  const PlannedContainer& vswitch = *plan.find("vswitch1");
  EXPECT_EQ(vswitch.links.size(), 8U);  // 2N+2 ports
  EXPECT_TRUE(has_arg_starting(vswitch.nf.argv, "--port-topology=paired"));
  const PlannedContainer& nf2 = *plan.find("nf2");
  EXPECT_EQ(nf2.id, "testpmd-chain-nf2");
  EXPECT_EQ(nf2.env.front(), (std::pair<std::string, std::string>{"MICROSERVICE_LABEL", "nf2"}));
  EXPECT_TRUE(has_arg_starting(nf2.nf.argv, "--file-prefix=testpmd-chain-nf2"));
  EXPECT_TRUE(has_arg_starting(nf2.nf.argv,
                               "--vdev=net_memif0,role=server,socket=/run/cnfctl/"
                               "memif/memif-nf2-3,id=2"));
  EXPECT_TRUE(has_arg_starting(plan.find("gen1")->nf.argv, "--forward-mode=txonly"));
  EXPECT_TRUE(has_arg_starting(plan.find("sink1")->nf.argv, "--forward-mode=rxonly"));
  // The socket dir and the DPDK runtime dir are shared with the host.
  const auto has_mount = [&](const PlannedContainer& c, const std::string& host) {
    return std::any_of(c.mounts.begin(), c.mounts.end(),
                       [&](const auto& m) { return m.host == host; });
  };
  EXPECT_TRUE(has_mount(nf2, "/run/cnfctl/sockets/testpmd-chain"));
  EXPECT_TRUE(has_mount(nf2, "/var/run/dpdk/testpmd-chain-nf2"));
  // Two cores for six busy pollers: shared, with a warning, and large rings.
  for (const auto& c : plan.containers) {
    EXPECT_FALSE(c.cpus.empty()) << c.name;
    EXPECT_TRUE(std::none_of(c.cpus.begin(), c.cpus.end(), [](int id) { return id > 1; }));
  }
  EXPECT_FALSE(plan.warnings.empty());
  EXPECT_NE(nf2.nf.argv.at(8).find("rsize=14"), std::string::npos) << nf2.nf.argv.at(8);
}

TEST(Plan, VppPipelineRendersStartupConfAndExecScriptsWithNothingLeftUnrendered) {
  const Plan plan = plan_of_example("vpp-pipeline-ip4.yaml");
  ASSERT_EQ(plan.containers.size(), 6U);
  const std::regex placeholder(R"(\$\{?[A-Za-z_])");
  for (const auto& c : plan.containers) {
    ASSERT_EQ(c.nf.files.size(), 2U) << c.name;
    EXPECT_EQ(c.nf.files[0].guest_path, "/etc/vpp/startup.conf");
    EXPECT_NE(c.nf.files[0].content.find("socksvr"), std::string::npos);
    EXPECT_NE(c.nf.files[0].content.find("page-size 4K"), std::string::npos);
    EXPECT_EQ(c.nf.files[1].guest_path, "/tmp/running.exec");
    EXPECT_FALSE(std::regex_search(c.nf.files[1].content, placeholder)) << c.nf.files[1].content;
    ASSERT_TRUE(c.vpp_sockets);
    EXPECT_EQ(c.vpp_sockets->api, "/tmp/vpp_sockets/vpp-pipeline-" + c.name + "/api.sock");
    EXPECT_EQ(c.nf.argv, (std::vector<std::string>{"/usr/bin/vpp", "-c", "/etc/vpp/startup.conf"}));
  }
  // The middle NF of a pipeline talks to its neighbours over memif-pipe sockets.
  const auto& exec = plan.find("nf2")->nf.files[1].content;
  EXPECT_NE(exec.find("memif-pipe-"), std::string::npos) << exec;
}

TEST(Plan, TwoDutChainUsesEachNodesCpuFactsAndCsitPlacement) {
  const Plan plan = plan_of_example("vpp-chain-2dut.yaml");
  ASSERT_EQ(plan.containers.size(), 8U);
  ASSERT_EQ(plan.nodes.size(), 2U);
  EXPECT_EQ(plan.nodes[1].address, "testuser@192.0.2.12:22");
  EXPECT_TRUE(plan.nodes[1].sudo);
  const auto machine =
      cpu::Machine::from_lscpu(topology::load_topology_file(kExamples / "vpp-chain-2dut.yaml")
                                   .nodes.at("dut1")
                                   .lscpu.value());
  cpu::NfAffinityParams params;
  params.nf_chains = 2;
  params.nf_nodes = 2;
  for (const auto& c : plan.containers) {
    ASSERT_TRUE(c.position) << c.name;
    const auto expected =
        cpu::get_affinity_nf(machine, params, static_cast<int>(c.position->nf_chain),
                             static_cast<int>(c.position->nf_node));
    EXPECT_EQ(c.cpus, expected.cpus()) << c.name;
    EXPECT_EQ(c.mems, std::vector<int>{0}) << c.name;
  }
  EXPECT_EQ(plan.find("DUT2_nf3")->node, "dut2");
}

TEST(Plan, JsonIsCompleteAndDeterministic) {
  const auto a = to_json(plan_of_example("testpmd-chain.yaml"));
  const auto b = to_json(plan_of_example("testpmd-chain.yaml"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a["containers"].size(), 6U);
  EXPECT_EQ(a["containers"][0]["nf"]["kind"], "testpmd");
  EXPECT_TRUE(a["containers"][0]["memif"][0].contains("socket_id"));
  EXPECT_FALSE(to_text(plan_of_example("testpmd-chain.yaml")).empty());
}

TEST(Plan, ImpossibleCpuRequestIsBadInputAtTheCpuSection) {
  const std::string message = error_of(R"(name: big
containers:
  - prefix: nf
    count: 8
    nf: vpp
topology: {kind: chain, chains: 2, nodes_per_chain: 4}
cpu:
  policy: csit
  nf_data_cores: 2
)");
  EXPECT_NE(message.find("t.yaml:8:3"), std::string::npos) << message;
  EXPECT_NE(message.find("not enough cpu cores"), std::string::npos) << message;
}

// A minimal file (no cpu:) on a 2-cpu machine: auto places CSIT's way when it fits, else shares
// cpus with one warning that says what to write.
TEST(Plan, AutoCpuPolicyFallsBackToSharedWithOneWarning) {
  // Eight cores: CSIT's placement fits, no word about it.
  std::string eight;
  for (int cpu = 0; cpu < 8; ++cpu)
    eight += fmt::format("      {},{},0,0,,{},{},{},0\n", cpu, cpu, cpu, cpu, cpu);
  const auto fits = plan_of("name: one\nnodes:\n  local:\n    lscpu: |\n" + eight +
                            "containers:\n  - prefix: nf\n    nf: vpp\n");
  EXPECT_TRUE(fits.warnings.empty()) << fits.warnings.front();
  EXPECT_EQ(fits.cpu_policy, topology::CpuPolicy::kAuto);
  const auto crowded = plan_of_example("testpmd-chain.yaml");  // policy: shared, for comparison
  const auto plan = plan_of(R"(name: minimal
containers:
  - {prefix: gen, role: generator}
  - {prefix: vswitch, role: vswitch}
  - {prefix: nf, count: 3}
  - {prefix: sink, role: sink}
topology: {kind: chain}
)");
  ASSERT_EQ(plan.containers.size(), 6U);
  for (const auto& c : plan.containers) EXPECT_FALSE(c.cpus.empty()) << c.name;
  const auto chose = std::count_if(plan.warnings.begin(), plan.warnings.end(), [](const auto& w) {
    return w.find("cpu policy auto chose shared") != std::string::npos;
  });
  EXPECT_EQ(chose, 1) << to_text(plan);
  EXPECT_EQ(plan.containers.size(), crowded.containers.size());
}

TEST(Plan, MountsOntoCnfctlsOwnGuestPathsAreBadInputAtTheMount) {
  const std::string wired = R"(name: w
containers:
  - {prefix: vswitch, role: vswitch}
  - prefix: nf
    mounts: ["/srv:MOUNT"]
topology: {kind: chain}
)";
  auto with = [&](const std::string& guest) {
    return std::regex_replace(wired, std::regex("MOUNT"), guest);
  };
  EXPECT_NE(error_of(with("/run/cnfctl/memif"))
                .find("t.yaml:5:14: mounts[0]: guest path "
                      "/run/cnfctl/memif is the run's memif "
                      "socket directory in container nf1"),
            std::string::npos);
  EXPECT_NE(error_of(with("/run/cnfctl")).find("contains the run's memif socket directory"),
            std::string::npos);
  EXPECT_NE(error_of(with("/run/cnfctl/memif/x")).find("lies inside the run's memif socket"),
            std::string::npos);
  EXPECT_NE(error_of(with("/var/run/dpdk/w-nf1")).find("is DPDK's runtime directory"),
            std::string::npos);
  EXPECT_NE(error_of(with("/tmp")).find("is a file system every container gets"),
            std::string::npos);
  EXPECT_NE(error_of(with("/run/cnfctl-nf.log")).find("is the NF log cnfctl writes"),
            std::string::npos);
  EXPECT_EQ(plan_of(with("/run/data")).containers.size(), 2U);  // inside /run's tmpfs: fine
  EXPECT_NE(error_of("containers:\n  - prefix: v\n    nf: vpp\n    mounts: [\"/srv:/run/vpp\"]\n")
                .find("is VPP's socket directory in container v1"),
            std::string::npos);
  EXPECT_NE(error_of("containers:\n  - prefix: v\n    nf: vpp\n    mounts: [\"/srv:/etc/vpp\"]\n")
                .find("contains a vpp file cnfctl writes /etc/vpp/startup.conf"),
            std::string::npos);
  EXPECT_NE(error_of("paths: {guest_socket_dir: /run/vpp}\ncontainers:\n  - {prefix: s, role: "
                     "vswitch, nf: vpp}\n  - {prefix: n, nf: vpp}\ntopology: {kind: chain}\n")
                .find("guest_socket_dir: /run/vpp is VPP's socket directory"),
            std::string::npos)
      << error_of(
             "paths: {guest_socket_dir: /run/vpp}\ncontainers:\n  - {prefix: s, role: "
             "vswitch, nf: vpp}\n  - {prefix: n, nf: vpp}\ntopology: {kind: chain}\n");
}

TEST(Plan, PinnedCpuMustExistOnTheNode) {
  const std::string message = error_of(R"(name: pin
containers:
  - prefix: app
    cpus: [7]
    nf: {kind: command, argv: [sleep, infinity]}
)");
  EXPECT_NE(message.find("cpu 7 is not on node local (it has cpus 0,1)"), std::string::npos)
      << message;
}

TEST(Plan, RemoteNodeWithoutCpuFactsSaysHowToGiveThem) {
  const std::string message = error_of(R"(name: remote
nodes:
  dut1: {type: ssh, host: 192.0.2.1}
containers:
  - prefix: nf
    node: dut1
    nf: vpp
topology: {kind: chain, chains: 1, nodes_per_chain: 1}
)");
  EXPECT_NE(message.find("node dut1: its CPUs must be known"), std::string::npos) << message;
  EXPECT_NE(message.find("lscpu"), std::string::npos) << message;
}

// DUTs are nodes, told apart by host AND port: two DUTs behind one address (containers or VMs
// with their own sshd, as CSIT later learned) are two DUTs with their own chains and sockets.
TEST(Plan, TwoDutsOnOneHostAreCountedByPort) {
  const auto plan = plan_of(R"(name: shared
image: host
nodes:
  dut1: {type: ssh, host: 192.0.2.1, port: 22, lscpu: "0,0,0,0,,0,0,0,0\n1,1,0,0,,1,1,1,0\n"}
  dut2: {type: ssh, host: 192.0.2.1, port: 2222, lscpu: "0,0,0,0,,0,0,0,0\n1,1,0,0,,1,1,1,0\n"}
containers:
  - {prefix: a, node: dut1, nf: testpmd}
  - {prefix: b, node: dut2, nf: testpmd}
topology: {kind: chain, chains: 1, nodes_per_chain: 1}
cpu: {policy: shared}
)");
  ASSERT_EQ(plan.nodes.size(), 2U);
  EXPECT_EQ(plan.nodes[0].address, "root@192.0.2.1:22");
  EXPECT_EQ(plan.nodes[1].address, "root@192.0.2.1:2222");
  const auto* a = plan.find("a1");
  const auto* b = plan.find("b1");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->node, "dut1");
  EXPECT_EQ(b->node, "dut2");
  // Each DUT wires its own chain; the socket files never collide should the DUTs share a disk.
  ASSERT_FALSE(a->links.empty());
  ASSERT_FALSE(b->links.empty());
  EXPECT_NE(a->links[0].host_socket_path, b->links[0].host_socket_path);
  EXPECT_NE(a->dpdk_runtime_dir, b->dpdk_runtime_dir);
}

TEST(Plan, RunNameOverrideIsValidated) {
  PlanOptions options;
  options.machine_facts = two_cpus;
  options.run_name = "../evil";
  const auto topo = topology::load_topology_file(kExamples / "testpmd-chain.yaml");
  EXPECT_THROW(build_plan(topo, options), Error);
}

TEST(Plan, CommandAndNginxNeedNoWiring) {
  const Plan plan = plan_of(R"(name: web
engine: docker
containers:
  - prefix: web
    nf: {kind: nginx, port: 8081, body_size: 16}
  - prefix: published
    nf: {kind: nginx}
    ports: ["8082:8080"]
  - prefix: probe
    nf: {kind: command, argv: [sleep, infinity], probe: [test, -e, /tmp/x]}
cpu: {policy: shared}
)");
  const auto& web = *plan.find("web1");
  EXPECT_TRUE(web.host_network);
  EXPECT_FALSE(plan.find("probe1")->host_network);
  EXPECT_FALSE(plan.find("published1")->host_network);
  ASSERT_EQ(web.nf.files.size(), 1U);
  EXPECT_NE(web.nf.files[0].content.find("listen 8081;"), std::string::npos);
  EXPECT_NE(web.nf.readiness.find("/16B"), std::string::npos);
  EXPECT_EQ(plan.find("probe1")->nf.probe, (std::vector<std::string>{"test", "-e", "/tmp/x"}));
}

}  // namespace
}  // namespace cnfctl::plan

namespace cnfctl::plan {
namespace {

TEST(PlanTrafficgen, GeneratorOwnsBothEndsAndTheNfForwardsWithItsLimit) {
  const Plan plan = plan_of_example("trafficgen-chain.yaml");
  const PlannedContainer& gen = *plan.find("gen1");
  EXPECT_EQ(gen.nf.kind, topology::NfKind::kTrafficgen);
  EXPECT_TRUE(gen.nf.argv.front().ends_with("/cnfctl-gen"));
  // Port 0: its own link to the vswitch; port 1: the sink's link (a client of the vswitch too).
  EXPECT_TRUE(has_arg_starting(gen.nf.argv,
                               "--vdev=net_memif0,role=client,socket=/run/cnfctl/"
                               "memif/"));
  EXPECT_TRUE(has_arg_starting(gen.nf.argv,
                               "--vdev=net_memif1,role=client,socket=/run/cnfctl/"
                               "memif/"));
  const auto control = std::find(gen.nf.argv.begin(), gen.nf.argv.end(), "--control");
  ASSERT_NE(control, gen.nf.argv.end());
  EXPECT_EQ(*(control + 1), "/run/cnfctl/memif/gen1.gen.sock");
  EXPECT_EQ(*(control - 1), "gen");
  const PlannedContainer& nf1 = *plan.find("nf1");
  EXPECT_EQ(*(std::find(nf1.nf.argv.begin(), nf1.nf.argv.end(), "--limit") + 1), "1000000");
  EXPECT_TRUE(plan.find("sink1")->nf.argv.empty()) << "the sink runs nothing";
}

// cnfctl's own cnfctl-gen beside a cnfctl built under /tmp is hidden by the containers' private
// /tmp: it is mounted read-only at the same path into the containers that run it.
TEST(PlanTrafficgen, CnfctlsOwnGeneratorIsMountedWhereContainersCannotSeeIt) {
  auto gen_mounts = [](const Plan& plan, const std::string& name, const std::string& binary) {
    const auto& mounts = plan.find(name)->mounts;
    return std::count_if(mounts.begin(), mounts.end(), [&](const PlannedMount& m) {
      return m.host == binary && m.guest == binary && m.read_only;
    });
  };
  {
    const testing::ScopedEnv gen("CNFCTL_GEN_BINARY", "/tmp/clone/build/src/cli/cnfctl-gen");
    const Plan plan = plan_of_example("trafficgen-chain.yaml");
    EXPECT_EQ(plan.find("gen1")->nf.argv.front(), "/tmp/clone/build/src/cli/cnfctl-gen");
    for (const char* name : {"gen1", "nf1"}) {
      EXPECT_EQ(gen_mounts(plan, name, "/tmp/clone/build/src/cli/cnfctl-gen"), 1) << name;
    }
  }
  const testing::ScopedEnv gen("CNFCTL_GEN_BINARY", "/opt/cnfctl/bin/cnfctl-gen");
  const Plan plan = plan_of_example("trafficgen-chain.yaml");
  EXPECT_EQ(gen_mounts(plan, "gen1", "/opt/cnfctl/bin/cnfctl-gen"), 0);
  // A binary the file names is the user's: refused where the container cannot see it.
  const auto message = error_of(R"(
name: t
engine: oci
image: host
containers:
  - {prefix: gen, role: generator, nf: {kind: trafficgen, mode: gen, binary: /tmp/x/cnfctl-gen}}
  - {prefix: vswitch, role: vswitch, nf: testpmd}
  - {prefix: nf, nf: {kind: trafficgen, mode: forward}}
  - {prefix: sink, role: sink, nf: {kind: trafficgen, mode: sink}}
topology: {kind: chain, chains: 1, nodes_per_chain: 1}
cpu: {policy: shared}
)");
  EXPECT_NE(message.find("the cnfctl-gen binary /tmp/x/cnfctl-gen is under /tmp"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("t.yaml:6:"), std::string::npos) << message;
}

TEST(PlanTrafficgen, SinkModeNeedsAGeneratorInModeGen) {
  const auto message = error_of(R"(
name: t
containers:
  - {prefix: gen, role: generator, nf: testpmd}
  - {prefix: vswitch, role: vswitch, nf: testpmd}
  - {prefix: nf, nf: testpmd}
  - {prefix: sink, role: sink, nf: trafficgen}
topology: {kind: chain, chains: 1, nodes_per_chain: 1}
cpu: {policy: shared}
)");
  EXPECT_NE(message.find("trafficgen mode sink"), std::string::npos) << message;
}

}  // namespace
}  // namespace cnfctl::plan
