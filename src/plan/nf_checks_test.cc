#include "plan/nf_checks.h"

#include <gtest/gtest.h>

#include <set>

#include "common/error.h"

namespace cnfctl::plan {
namespace {

nf::PlannedContainer container(topology::EngineKind engine = topology::EngineKind::kOci) {
  nf::PlannedContainer c;
  c.name = "nf1";
  c.engine = engine;
  c.image.kind = topology::ImageKind::kHost;
  c.nf.kind = topology::NfKind::kVpp;
  return c;
}

topology::ContainerGroup vpp_group(topology::VppOptions options) {
  topology::ContainerGroup g;
  g.prefix = "nf";
  g.nf.kind = topology::NfKind::kVpp;
  g.nf.options = std::move(options);
  g.where.self = {"topo.yaml", 4, 5};
  return g;
}

std::string bad_input_message(const std::function<void()>& step) {
  try {
    step();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput) << e.describe();
    return e.describe();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(NfChecks, PathsUnderTheContainersPrivateMountsAreRefused) {
  const auto c = container();
  const topology::SourceLocation where{"topo.yaml", 7, 15};
  for (const char* path : {"/tmp/vpp/bin/vpp", "/run/vpp", "/var/run/x/vpp", "/dev/shm/vpp"}) {
    const auto message =
        bad_input_message([&] { require_visible_in_container(c, path, "the VPP binary", where); });
    EXPECT_NE(message.find(std::string("the VPP binary ") + path), std::string::npos) << message;
    EXPECT_NE(message.find("topo.yaml:7:15"), std::string::npos) << message;
  }
  for (const char* path : {"/usr/bin/vpp", "/opt/vpp/bin/vpp", "/work/build/vpp/bin/vpp",
                           "/tmpfoo/vpp", "/running/vpp"}) {
    EXPECT_NO_THROW(require_visible_in_container(c, path, "the VPP binary", where)) << path;
  }
}

TEST(NfChecks, AMountBringsAPrivatePathIn) {
  auto c = container();
  c.mounts.push_back({"/srv/vpp", "/tmp/vpp", true});
  EXPECT_NO_THROW(require_visible_in_container(c, "/tmp/vpp/bin/vpp", "the VPP binary", {}));
}

TEST(NfChecks, DockersHostImageSeesOnlyTheNodesOsDirectories) {
  const auto c = container(topology::EngineKind::kDocker);
  EXPECT_NO_THROW(require_visible_in_container(c, "/usr/bin/vpp", "the VPP binary", {}));
  EXPECT_NO_THROW(require_visible_in_container(c, "/opt/vpp/bin/vpp", "the VPP binary", {}));
  const auto message = bad_input_message(
      [&] { require_visible_in_container(c, "/work/vpp/bin/vpp", "the VPP binary", {}); });
  EXPECT_NE(message.find("docker's `host` image binds only"), std::string::npos) << message;
}

TEST(NfChecks, OtherImagesAreNotChecked) {
  auto c = container();
  c.image.kind = topology::ImageKind::kNative;
  EXPECT_NO_THROW(require_visible_in_container(c, "/tmp/vpp", "the VPP binary", {}));
}

TEST(NfChecks, AWorkerOnTheMainCoreIsBadInputAtTheGroup) {
  auto c = container();
  c.main_cpu = 1;
  c.workers = {1};
  const auto g = vpp_group({});
  const auto message = bad_input_message([&] { require_vpp_cpu_rules(c, g); });
  EXPECT_NE(message.find("topo.yaml:4:5"), std::string::npos) << message;
  EXPECT_NE(message.find("cpu 1 would be both VPP's main-core and one of its corelist-workers"),
            std::string::npos)
      << message;
  c.workers = {2, 2};
  EXPECT_NE(bad_input_message([&] { require_vpp_cpu_rules(c, g); }).find("appears twice"),
            std::string::npos);
  c.workers = {2, 3};
  EXPECT_NO_THROW(require_vpp_cpu_rules(c, g));
  c.workers.clear();
  EXPECT_NO_THROW(require_vpp_cpu_rules(c, g));  // one cpu: main thread only
}

// A node whose files are exactly `existing`.
FileFacts files(std::set<std::string> existing) {
  return [existing](const topology::Node&, const std::string& path) -> std::optional<bool> {
    return existing.count(path) > 0;
  };
}

TEST(NfChecks, PluginsAreLookedForBesideTheBinaryWhenNoPathIsSet) {
  topology::VppOptions o;
  o.binary = "/opt/vpp/bin/vpp";
  o.plugins = {"memif_plugin.so", "ping_plugin.so"};
  auto c = container();
  c.nf.argv = {o.binary, "-c", "/etc/vpp/startup.conf"};
  const auto g = vpp_group(o);
  topology::Node node;
  node.name = "local";
  EXPECT_EQ(vpp_default_plugin_dir(o.binary), "/opt/vpp/lib/x86_64-linux-gnu/vpp_plugins");
  const std::string dir = "/opt/vpp/lib/x86_64-linux-gnu/vpp_plugins";
  EXPECT_NO_THROW(check_vpp_container(
      c, g, node, files({o.binary, dir, dir + "/memif_plugin.so", dir + "/ping_plugin.so"})));
  const auto message = bad_input_message([&] {
    check_vpp_container(c, g, node, files({o.binary, dir, dir + "/memif_plugin.so"}));
  });
  EXPECT_NE(message.find("VPP plugin ping_plugin.so is not in the plugin dir of VPP "
                         "/opt/vpp/bin/vpp " +
                         dir),
            std::string::npos)
      << message;
  // The binary is not there (up says so): its plugins are not judged.
  EXPECT_NO_THROW(check_vpp_container(c, g, node, files({})));
  // Facts unknown (an SSH node while planning): nothing is judged.
  EXPECT_NO_THROW(check_vpp_container(
      c, g, node, [](const topology::Node&, const std::string&) { return std::nullopt; }));
}

TEST(NfChecks, AnExplicitPluginPathMustExist) {
  topology::VppOptions o;
  o.plugin_path = "/opt/vpp/plugins";
  o.plugins = {"memif_plugin.so"};
  auto c = container();
  c.nf.argv = {o.binary};
  topology::Node node;
  node.name = "local";
  const auto message =
      bad_input_message([&] { check_vpp_container(c, vpp_group(o), node, files({o.binary})); });
  EXPECT_NE(message.find("/opt/vpp/plugins does not exist on node local: VPP would load no plugin"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace cnfctl::plan
