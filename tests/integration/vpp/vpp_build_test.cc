// The VPP build of ../shared/vpp, extracted into the build tree (cmake/vpp_build.cmake): it is
// there whenever its archive is, and it runs on this machine (its runtime Debian packages are in
// scripts/apt-packages.txt).
#include "support/vpp_build.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "process/local_runner.h"

namespace cnfctl {
namespace {

TEST(VppBuild, ExtractedBuildRunsAndHasItsPluginsAndApiDefinitions) {
  auto vpp = test_support::find_vpp_build();
  if (!vpp) GTEST_SKIP() << test_support::kNoVppBuild;
  process::LocalRunner runner;
  auto version = runner.run({.argv = {vpp->vpp(), "--version"}});
  ASSERT_TRUE(version.ok()) << version.describe_status() << ": " << version.err;
  EXPECT_NE(version.out.find("vpp v"), std::string::npos) << version.out;
  for (const char* plugin : {"memif_plugin.so", "ping_plugin.so", "af_packet_plugin.so"}) {
    EXPECT_TRUE(std::filesystem::exists(vpp->plugin_dir() + "/" + plugin)) << plugin;
  }
  EXPECT_TRUE(std::filesystem::exists(vpp->api_json_dir() + "/plugins/memif.api.json"));
  EXPECT_TRUE(std::filesystem::exists(vpp->api_json_dir() + "/core/interface.api.json"));
}

}  // namespace
}  // namespace cnfctl
