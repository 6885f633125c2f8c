// Plans of nginx over VPP's host stack (nginx `ldp:`, VPP `veth:`): examples/nginx-ldp.yaml and
// the errors of the two options.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "common/error.h"
#include "plan/plan.h"
#include "plan/plan_json.h"
#include "plan/plan_output.h"
#include "topology/loader.h"

namespace cnfctl::plan {
namespace {

const std::filesystem::path kExamples = std::filesystem::path(CNFCTL_SOURCE_DIR) / "examples";

std::optional<cpu::Machine> two_cpus(const topology::Node&) {
  return cpu::Machine::from_lscpu("0,0,0,0,,0,0,0,0\n1,1,0,0,,1,1,1,0\n");
}

Plan example_plan() {
  PlanOptions options;
  options.machine_facts = two_cpus;
  return build_plan(topology::load_topology_file(kExamples / "nginx-ldp.yaml"), options);
}

const PlannedFile* file_at(const PlannedContainer& c, const std::string& path) {
  for (const auto& f : c.nf.files) {
    if (f.guest_path == path) return &f;
  }
  return nullptr;
}

std::string load_error(const std::string& yaml) {
  try {
    topology::load_topology_text(yaml, "t.yaml");
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.describe();
    return e.describe();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(PlanLdp, VppGetsTheVethTheSessionLayerAndTheHostNetwork) {
  const auto plan = example_plan();
  const auto* vpp = plan.find("vpp1");
  ASSERT_NE(vpp, nullptr);
  ASSERT_TRUE(vpp->veth);
  EXPECT_EQ(vpp->veth->host_ip4, "198.51.100.1/24");
  EXPECT_EQ(vpp->veth->vpp_ip4, "198.51.100.2/24");
  EXPECT_EQ(vpp->veth->host_if.rfind("cnfh-", 0), 0u);
  EXPECT_EQ(vpp->veth->vpp_if, "cnfv-" + vpp->veth->host_if.substr(5));
  EXPECT_LE(vpp->veth->host_if.size(), 15u);
  EXPECT_TRUE(vpp->host_network);
  EXPECT_EQ(vpp->cpus, std::vector<int>{1});

  const auto* conf = file_at(*vpp, "/etc/vpp/startup.conf");
  ASSERT_NE(conf, nullptr);
  EXPECT_NE(conf->content.find("session\n{\n  enable\n  use-app-socket-api\n}"), std::string::npos)
      << conf->content;
  EXPECT_NE(conf->content.find("plugin af_packet_plugin.so"), std::string::npos);
  EXPECT_NE(conf->content.find("main-core 1"), std::string::npos);
  EXPECT_EQ(conf->content.find("corelist-workers"), std::string::npos);
  EXPECT_NE(conf->content.find("exec /tmp/running.exec"), std::string::npos);
  const auto* exec = file_at(*vpp, "/tmp/running.exec");
  ASSERT_NE(exec, nullptr);
  const auto name = "host-" + vpp->veth->vpp_if;
  EXPECT_EQ(exec->content, "create host-interface name " + vpp->veth->vpp_if +
                               "\nset interface ip address " + name +
                               " 198.51.100.2/24\nset interface state " + name + " up\n");
}

TEST(PlanLdp, NginxIsPreloadedWithVclOnTheAppSocketAndStartsAfterVpp) {
  const auto plan = example_plan();
  const auto* vpp = plan.find("vpp1");
  for (const std::string name : {"rps1", "cps1"}) {
    const auto* web = plan.find(name);
    ASSERT_NE(web, nullptr);
    EXPECT_FALSE(web->host_network);
    EXPECT_GT(web->start_stage, vpp->start_stage);
    EXPECT_EQ(web->nf.env.at("LD_PRELOAD"), "/usr/lib/x86_64-linux-gnu/libvcl_ldpreload.so");
    EXPECT_EQ(web->nf.env.at("VCL_CONFIG"), "/etc/vpp/vcl.conf");
    const auto* vcl = file_at(*web, "/etc/vpp/vcl.conf");
    ASSERT_NE(vcl, nullptr);
    EXPECT_NE(vcl->content.find("app-socket-api /run/cnfctl-vcl/app_ns_sockets/default"),
              std::string::npos)
        << vcl->content;
    EXPECT_EQ(vcl->content.find("api-socket-name"), std::string::npos);
    const auto mount = std::find_if(web->mounts.begin(), web->mounts.end(),
                                    [](const auto& m) { return m.guest == "/run/cnfctl-vcl"; });
    ASSERT_NE(mount, web->mounts.end());
    EXPECT_EQ(mount->host, vpp->vpp_sockets->host_dir);
    EXPECT_TRUE(mount->read_only);
    ASSERT_TRUE(web->nf.http);
    EXPECT_EQ(web->nf.http->host, "198.51.100.2");
    EXPECT_EQ(web->nf.http->keep_alive, name == "rps1");
    EXPECT_EQ(web->nf.http->port, name == "rps1" ? 8080 : 8081);
  }
  // Plan order: VPP (stage 0) before the nginx that need its app socket.
  EXPECT_EQ(plan.containers.front().name, "vpp1");
}

// `--vpp-prefix` replaces VPP's binary, and the library nginx preloads comes from there too
// (it named the file's /usr/lib/... before: nginx then ran without VCL and never answered).
TEST(PlanLdp, TheVppPrefixOptionAlsoMovesTheLibrary) {
  PlanOptions options;
  options.machine_facts = two_cpus;
  options.vpp_prefix = "/srv/vpp-build";
  const auto plan = build_plan(topology::load_topology_file(kExamples / "nginx-ldp.yaml"), options);
  EXPECT_EQ(plan.find("vpp1")->nf.argv.front(), "/srv/vpp-build/bin/vpp");
  for (const char* name : {"rps1", "cps1"}) {
    EXPECT_EQ(plan.find(name)->nf.env.at("LD_PRELOAD"),
              "/srv/vpp-build/lib/x86_64-linux-gnu/libvcl_ldpreload.so")
        << name;
  }
}

// A VPP tree under /tmp (a build in a clone there) is hidden by the containers' private /tmp:
// `--vpp-prefix` then mounts it read-only at the same path into the VPP and the nginx that
// preloads its library. Elsewhere nothing is mounted: the `host` image sees it already.
TEST(PlanLdp, AVppPrefixTheContainersCannotSeeIsMountedIn) {
  PlanOptions options;
  options.machine_facts = two_cpus;
  auto has_prefix_mount = [](const PlannedContainer& c, const std::string& prefix) {
    return std::any_of(c.mounts.begin(), c.mounts.end(), [&](const PlannedMount& m) {
      return m.host == prefix && m.guest == prefix && m.read_only && !m.user;
    });
  };
  options.vpp_prefix = "/tmp/clone/build/vpp/";
  auto plan = build_plan(topology::load_topology_file(kExamples / "nginx-ldp.yaml"), options);
  for (const char* name : {"vpp1", "rps1", "cps1"}) {
    EXPECT_TRUE(has_prefix_mount(*plan.find(name), "/tmp/clone/build/vpp")) << name;
  }
  options.vpp_prefix = "/srv/vpp-build";
  plan = build_plan(topology::load_topology_file(kExamples / "nginx-ldp.yaml"), options);
  for (const char* name : {"vpp1", "rps1", "cps1"}) {
    EXPECT_FALSE(has_prefix_mount(*plan.find(name), "/srv/vpp-build")) << name;
  }
}

TEST(PlanLdp, TheLibraryDefaultsToTheVppPrefixAndTheJsonRoundTripKeepsEverything) {
  auto topo = topology::load_topology_file(kExamples / "nginx-ldp.yaml");
  std::get<topology::VppOptions>(topo.containers[0].nf.options).binary = "/opt/vpp/bin/vpp";
  PlanOptions options;
  options.machine_facts = two_cpus;
  const auto plan = build_plan(topo, options);
  EXPECT_EQ(plan.find("rps1")->nf.env.at("LD_PRELOAD"),
            "/opt/vpp/lib/x86_64-linux-gnu/libvcl_ldpreload.so");

  const auto back = from_json(to_json(plan));
  EXPECT_EQ(to_json(back), to_json(plan));
  ASSERT_TRUE(back.find("vpp1")->veth);
  EXPECT_EQ(back.find("vpp1")->veth->vpp_ip4, "198.51.100.2/24");
  EXPECT_EQ(back.find("cps1")->nf.http->host, "198.51.100.2");
  EXPECT_FALSE(back.find("cps1")->nf.http->keep_alive);
  EXPECT_NE(to_text(plan).find("veth: cnfh-"), std::string::npos);
}

TEST(PlanLdp, BadVethAndLdpOptionsAreBadInputWithTheirPlace) {
  const std::string vpp = "containers:\n  - prefix: vpp\n    nf: {kind: vpp, veth: ";
  EXPECT_NE(load_error(vpp + "{host_ip4: 198.51.100.1/24, vpp_ip4: 198.51.100.1/24}}\n")
                .find("vpp_ip4: the same address as host_ip4"),
            std::string::npos);
  EXPECT_NE(load_error(vpp + "{host_ip4: 198.51.100.0/24, vpp_ip4: 198.51.100.2/24}}\n")
                .find("host_ip4: the network or broadcast address of its /24"),
            std::string::npos);
  EXPECT_NE(load_error(vpp + "{host_ip4: 198.51.100.1/24, vpp_ip4: 198.51.100.2/25}}\n")
                .find("vpp_ip4: prefix length /25 differs from host_ip4's /24"),
            std::string::npos);
  EXPECT_NE(
      load_error(vpp + "{host_ip4: 198.51.100.1/31, vpp_ip4: 198.51.100.0/31}}\n").find("/8../30"),
      std::string::npos);
  EXPECT_NE(load_error(vpp + "{host_ip4: 198.51.100.1/24}}\n").find("missing key 'vpp_ip4'"),
            std::string::npos);
  const std::string two = vpp +
                          "{host_ip4: 198.51.100.1/24, vpp_ip4: 198.51.100.2/24}}\n"
                          "  - prefix: vppb\n    nf: {kind: vpp, veth: {host_ip4: "
                          "198.51.100.129/25, vpp_ip4: 198.51.100.130/25}}\n";
  EXPECT_NE(load_error(two).find("overlaps that of group 'vpp'"), std::string::npos);
  const std::string web =
      vpp + "{host_ip4: 198.51.100.1/24, vpp_ip4: 198.51.100.2/24}}\n  - prefix: web\n    nf: ";
  EXPECT_NE(load_error(web + "{kind: nginx, ldp: {vpp: vpp1}, ldpreload: false}\n")
                .find("ldpreload: false contradicts ldp"),
            std::string::npos);
  EXPECT_NE(load_error(web + "{kind: nginx, ldp: {vpp: vpp1, libary: /x.so}}\n")
                .find("unknown key 'libary'"),
            std::string::npos);
  EXPECT_NE(
      load_error(web + "{kind: nginx, ldp: {vpp: web1}}\n").find("no container 'web1' runs vpp"),
      std::string::npos);
}

}  // namespace
}  // namespace cnfctl::plan
